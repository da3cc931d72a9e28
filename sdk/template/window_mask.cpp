// window_mask: an augmentation the EvoAug paper does not have. Each sequence gets one
// window of random width (window_min..window_max nucleotides) at a uniformly random
// position, and every column of that window is set to 1/A in every channel (0.25 for
// DNA): "unknown nucleotide", as an N in a FASTA file is usually encoded. The model then
// has to predict without that stretch of sequence, which pushes it not to rely on any
// single motif instance.
//
// Masked columns are no longer one-hot, so keeps_one_hot() says false.
// All randomness comes from the generator passed to apply(), on the batch's device, so
// the same seed gives the same output on the CPU and on CUDA alike.
#include <evoaug/sdk.h>
#include <evoaug/sdk/kernels.h>

#include <ATen/ATen.h>

#include <memory>
#include <string>

namespace {

namespace sdk = evoaug::sdk;

class WindowMask final : public sdk::Augmentation {
 public:
  WindowMask(const sdk::Params& params, const sdk::SequenceShape& shape)
      : range_(sdk::kernels::read_length_range(params, "window_min", "window_max", shape.length)),
        alphabet_(shape.alphabet) {}

  at::Tensor apply(const at::Tensor& batch, at::Generator& generator) const override {
    sdk::kernels::check_batch(batch, generator, alphabet_, "window_mask");
    const std::int64_t n = batch.size(0), length = batch.size(2);
    if (n == 0 || range_.max == 0) return batch.clone();
    const auto on_device = at::TensorOptions().dtype(at::kLong).device(batch.device());
    // Per row: a width in [min, max], then a start in [0, L - width].
    const at::Tensor width = at::randint(range_.min, range_.max + 1, {n}, generator, on_device);
    const at::Tensor start =
        (at::rand({n}, generator, on_device.dtype(at::kDouble)) * (length - width + 1)).floor().to(at::kLong);
    const at::Tensor position = at::arange(length, on_device).unsqueeze(0);  // (1, L)
    const at::Tensor inside = (position >= start.unsqueeze(1)) & (position < (start + width).unsqueeze(1));
    return batch.masked_fill(inside.unsqueeze(1), 1.0 / static_cast<double>(alphabet_));
  }

  bool keeps_one_hot() const override { return false; }

 private:
  sdk::kernels::LengthRange range_;
  std::int64_t alphabet_;
};

void register_components(sdk::Registrar& registrar) {
  registrar.add_augmentation(
      {"window_mask", "1.0.0",
       // After the paper's mutation (60), before Gaussian noise (70).
       65, "set a random window of each sequence to 1/A in every channel (unknown nucleotides)",
       sdk::Schema()
           .integer("window_min", 1, "narrowest window (nt)", 0)
           .integer("window_max", 20, "widest window (nt); must be less than the sequence length", 0),
       [](const sdk::Params& params, const sdk::SequenceShape& shape) {
         return std::make_unique<WindowMask>(params, shape);
       }});
}

}  // namespace

EVOAUG_PLUGIN("window_mask", "1.0.0", register_components)
