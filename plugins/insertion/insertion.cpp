// Random insertion (paper, Methods): random DNA of length k, k uniform in
// [insert_min, insert_max], is inserted at a position uniform among the L + 1 gaps of
// the sequence (before the first nucleotide, between two, or after the last). The output
// always has L + insert_max positions: the missing insert_max - k are random DNA split
// between the 5' and 3' flanks, floor((insert_max - k) / 2) at 5' and the rest
// (the odd one) at 3'.
#include <evoaug/sdk/kernels.h>
#include <evoaug/sdk/plugin.h>

namespace {

namespace sdk = evoaug::sdk;
namespace kernels = evoaug::sdk::kernels;

class Insertion final : public sdk::Augmentation, public kernels::RowKernel {
 public:
  Insertion(const sdk::Params& params, const sdk::SequenceShape& shape)
      : range_(kernels::read_length_range(params, "insert_min", "insert_max", shape.length)),
        alphabet_(shape.alphabet) {}

  std::int64_t output_length(std::int64_t length) const override { return length + range_.max; }

  at::Tensor apply(const at::Tensor& batch, at::Generator& generator) const override {
    kernels::check_batch(batch, generator, alphabet_, "insertion");
    const std::int64_t length = batch.size(2);
    if (kernels::use_fast_path(batch))
      return kernels::apply_rows(*this, batch, length + range_.max, kernels::draw_seed(generator));
    return apply_generic(batch, generator);
  }

  void apply_row(const float* in, std::int64_t in_stride, float* out, std::int64_t out_stride, std::int64_t length,
                 kernels::Rng& rng) const override {
    const std::int64_t k = rng.between(range_.min, range_.max);
    const std::int64_t at = rng.between(0, length);
    const std::int64_t left = (range_.max - k) / 2;
    const kernels::Piece pieces[] = {{kernels::Piece::random_dna, 0, left},
                                     {kernels::Piece::copy, 0, at},
                                     {kernels::Piece::random_dna, 0, k},
                                     {kernels::Piece::copy, at, length - at},
                                     {kernels::Piece::random_dna, 0, range_.max - k - left}};
    kernels::assemble_row(in, in_stride, out, out_stride, alphabet_, pieces, 5, rng);
  }

 private:
  at::Tensor apply_generic(const at::Tensor& batch, at::Generator& generator) const {
    const std::int64_t n = batch.size(0), length = batch.size(2);
    const at::Tensor k = kernels::randint_between(range_.min, range_.max, n, generator).unsqueeze(1);
    const at::Tensor at = kernels::randint_between(0, length, n, generator).unsqueeze(1);
    const at::Tensor t = kernels::positions(length + range_.max, batch.device()) - at::div(range_.max - k, 2, "floor");
    const at::Tensor none = at::full_like(t, -1);
    at::Tensor source = at::where(t.ge(0) & t.lt(at), t, none);
    source = at::where(t.ge(at + k) & t.lt(length + k), t - k, source);
    return kernels::remap_rows(batch, source, at::zeros_like(source, at::kBool), generator);
  }

  kernels::LengthRange range_;
  std::int64_t alphabet_;
};

void register_components(sdk::Registrar& registrar) {
  registrar.add_augmentation(
      {"insertion", "1.0.0", sdk::priority::insertion,
       "insert random DNA of insert_min..insert_max nt at a random position; output length L + insert_max",
       sdk::Schema()
           .integer("insert_min", 0, "shortest insertion (nt)", 0)
           .integer("insert_max", 20, "longest insertion (nt); the output grows by this; less than L (paper, DeepSTARR: 20)",
                    0),
       [](const sdk::Params& params, const sdk::SequenceShape& shape) {
         return std::make_unique<Insertion>(params, shape);
       }});
}

}  // namespace

EVOAUG_PLUGIN("insertion", "1.0.0", register_components)
