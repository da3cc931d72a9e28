// Random translocation (paper, Methods): a roll of the sequence by s positions, with the
// magnitude |s| uniform in [shift_min, shift_max] and the sign a fair coin (as the
// reference implementation draws it), so s lies in [-shift_max, -shift_min] or
// [shift_min, shift_max]. A positive s moves nucleotides towards 3' (torch.roll).
#include <evoaug/sdk/kernels.h>
#include <evoaug/sdk/plugin.h>

namespace {

namespace sdk = evoaug::sdk;
namespace kernels = evoaug::sdk::kernels;

class Translocation final : public sdk::Augmentation, public kernels::RowKernel {
 public:
  Translocation(const sdk::Params& params, const sdk::SequenceShape& shape)
      : range_(kernels::read_length_range(params, "shift_min", "shift_max", shape.length)),
        alphabet_(shape.alphabet) {}

  at::Tensor apply(const at::Tensor& batch, at::Generator& generator) const override {
    kernels::check_batch(batch, generator, alphabet_, "translocation");
    const std::int64_t length = batch.size(2);
    if (kernels::use_fast_path(batch)) return kernels::apply_rows(*this, batch, length, kernels::draw_seed(generator));
    return apply_generic(batch, generator);
  }

  void apply_row(const float* in, std::int64_t in_stride, float* out, std::int64_t out_stride, std::int64_t length,
                 kernels::Rng& rng) const override {
    const std::int64_t magnitude = rng.between(range_.min, range_.max);
    const std::int64_t shift = (rng.next() & 1u) ? magnitude : -magnitude;
    const std::int64_t s = ((shift % length) + length) % length;
    const kernels::Piece pieces[] = {{kernels::Piece::copy, length - s, s}, {kernels::Piece::copy, 0, length - s}};
    kernels::assemble_row(in, in_stride, out, out_stride, alphabet_, pieces, 2, rng);
  }

 private:
  at::Tensor apply_generic(const at::Tensor& batch, at::Generator& generator) const {
    const std::int64_t n = batch.size(0), length = batch.size(2);
    const at::Tensor magnitude = kernels::randint_between(range_.min, range_.max, n, generator);
    const at::Tensor sign = kernels::randint_between(0, 1, n, generator) * 2 - 1;
    const at::Tensor shift = (magnitude * sign).unsqueeze(1);
    const at::Tensor source = at::remainder(kernels::positions(length, batch.device()) - shift, length);
    return kernels::remap_rows(batch, source, at::zeros_like(source, at::kBool), generator);
  }

  kernels::LengthRange range_;
  std::int64_t alphabet_;
};

void register_components(sdk::Registrar& registrar) {
  registrar.add_augmentation(
      {"translocation", "1.0.0", sdk::priority::translocation,
       "roll the sequence by a random shift of shift_min..shift_max nt, either direction",
       sdk::Schema()
           .integer("shift_min", 0, "smallest shift magnitude (nt)", 0)
           .integer("shift_max", 20, "largest shift magnitude (nt); less than L (paper, DeepSTARR: 20)", 0),
       [](const sdk::Params& params, const sdk::SequenceShape& shape) {
         return std::make_unique<Translocation>(params, shape);
       }});
}

}  // namespace

EVOAUG_PLUGIN("translocation", "1.0.0", register_components)
