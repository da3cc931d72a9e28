// Random deletion (paper, Methods): a contiguous stretch of k nucleotides, k uniform in
// [delete_min, delete_max], is removed at a start uniform among the positions that can
// hold it ([0, L - k]); the length is restored with random DNA, floor(k/2) at 5' and the
// rest at 3'.
#include <evoaug/sdk/kernels.h>
#include <evoaug/sdk/plugin.h>

namespace {

namespace sdk = evoaug::sdk;
namespace kernels = evoaug::sdk::kernels;

class Deletion final : public sdk::Augmentation, public kernels::RowKernel {
 public:
  Deletion(const sdk::Params& params, const sdk::SequenceShape& shape)
      : range_(kernels::read_length_range(params, "delete_min", "delete_max", shape.length)),
        alphabet_(shape.alphabet) {}

  at::Tensor apply(const at::Tensor& batch, at::Generator& generator) const override {
    kernels::check_batch(batch, generator, alphabet_, "deletion");
    const std::int64_t length = batch.size(2);
    if (range_.max >= length)
      throw sdk::Error("deletion: delete_max (" + std::to_string(range_.max) + ") must be less than L = " +
                       std::to_string(length));
    if (kernels::use_fast_path(batch)) return kernels::apply_rows(*this, batch, length, kernels::draw_seed(generator));
    return apply_generic(batch, generator);
  }

  void apply_row(const float* in, std::int64_t in_stride, float* out, std::int64_t out_stride, std::int64_t length,
                 kernels::Rng& rng) const override {
    const std::int64_t k = rng.between(range_.min, range_.max);
    const std::int64_t start = rng.between(0, length - k);
    const std::int64_t left = k / 2;
    const kernels::Piece pieces[] = {{kernels::Piece::random_dna, 0, left},
                                     {kernels::Piece::copy, 0, start},
                                     {kernels::Piece::copy, start + k, length - k - start},
                                     {kernels::Piece::random_dna, 0, k - left}};
    kernels::assemble_row(in, in_stride, out, out_stride, alphabet_, pieces, 4, rng);
  }

 private:
  using LengthRange = kernels::LengthRange;

  at::Tensor apply_generic(const at::Tensor& batch, at::Generator& generator) const {
    const std::int64_t n = batch.size(0), length = batch.size(2);
    const at::Tensor k = kernels::randint_between(range_.min, range_.max, n, generator).unsqueeze(1);
    const at::Tensor start = kernels::randint_up_to(length - k.squeeze(1), generator).unsqueeze(1);
    const at::Tensor kept = kernels::positions(length, batch.device()) - at::div(k, 2, "floor");
    const at::Tensor inside = kept.ge(0) & kept.lt(length - k);
    const at::Tensor source = at::where(inside, at::where(kept.lt(start), kept, kept + k), at::full_like(kept, -1));
    return kernels::remap_rows(batch, source, at::zeros_like(source, at::kBool), generator);
  }

  LengthRange range_;
  std::int64_t alphabet_;
};

void register_components(sdk::Registrar& registrar) {
  registrar.add_augmentation(
      {"deletion", "1.0.0", sdk::priority::deletion,
       "remove a random stretch of delete_min..delete_max nt; refill with random DNA at both flanks",
       sdk::Schema()
           .integer("delete_min", 0, "shortest deletion (nt)", 0)
           .integer("delete_max", 30, "longest deletion (nt); must be less than L (paper, DeepSTARR: 30)", 0),
       [](const sdk::Params& params, const sdk::SequenceShape& shape) {
         return std::make_unique<Deletion>(params, shape);
       }});
}

}  // namespace

EVOAUG_PLUGIN("deletion", "1.0.0", register_components)
