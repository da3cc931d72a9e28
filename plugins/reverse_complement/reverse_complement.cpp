// Random reverse complement (paper, Methods): each sequence is replaced by its reverse
// complement with probability rc_prob. With channels in A, C, G, T order that is a flip
// of both the channel and the position axes.
#include <evoaug/sdk/kernels.h>
#include <evoaug/sdk/plugin.h>

namespace {

namespace sdk = evoaug::sdk;
namespace kernels = evoaug::sdk::kernels;

class ReverseComplement final : public sdk::Augmentation, public kernels::RowKernel {
 public:
  ReverseComplement(const sdk::Params& params, const sdk::SequenceShape& shape)
      : probability_(params.real("rc_prob")) {
    kernels::require_dna_alphabet(shape.alphabet, "reverse_complement");
    if (!(probability_ >= 0.0 && probability_ <= 1.0))
      throw sdk::ParamError("rc_prob", "rc_prob must be a probability in [0, 1], got " + std::to_string(probability_));
  }

  at::Tensor apply(const at::Tensor& batch, at::Generator& generator) const override {
    kernels::check_batch(batch, generator, 4, "reverse_complement");
    const std::int64_t length = batch.size(2);
    if (kernels::use_fast_path(batch)) return kernels::apply_rows(*this, batch, length, kernels::draw_seed(generator));
    const at::Tensor u = at::rand({batch.size(0)}, generator, batch.options().dtype(at::kDouble));
    return at::where(u.lt(probability_).view({-1, 1, 1}), batch.flip({1, 2}), batch);
  }

  void apply_row(const float* in, std::int64_t in_stride, float* out, std::int64_t out_stride, std::int64_t length,
                 kernels::Rng& rng) const override {
    const bool flip = rng.uniform() < probability_;
    const kernels::Piece piece{flip ? kernels::Piece::reverse_complement : kernels::Piece::copy, 0, length};
    kernels::assemble_row(in, in_stride, out, out_stride, 4, &piece, 1, rng);
  }

 private:
  double probability_;
};

void register_components(sdk::Registrar& registrar) {
  registrar.add_augmentation(
      {"reverse_complement", "1.0.0", sdk::priority::reverse_complement,
       "replace a sequence by its reverse complement with probability rc_prob",
       sdk::Schema().real("rc_prob", 0.0,
                          "probability of reverse-complementing a sequence (paper, DeepSTARR: 0; Basset: 0.5)", 0.0,
                          1.0),
       [](const sdk::Params& params, const sdk::SequenceShape& shape) {
         return std::make_unique<ReverseComplement>(params, shape);
       }});
}

}  // namespace

EVOAUG_PLUGIN("reverse_complement", "1.0.0", register_components)
