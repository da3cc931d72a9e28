// Gaussian noise (paper, Methods): an independent N(noise_mean, noise_std^2) draw is
// added to every element of the one-hot matrix. The only augmentation whose columns are
// no longer one-hot.
#include <evoaug/sdk/kernels.h>
#include <evoaug/sdk/plugin.h>

namespace {

namespace sdk = evoaug::sdk;
namespace kernels = evoaug::sdk::kernels;

class Noise final : public sdk::Augmentation, public kernels::RowKernel {
 public:
  Noise(const sdk::Params& params, const sdk::SequenceShape& shape)
      : mean_(params.real("noise_mean")), std_(params.real("noise_std")), alphabet_(shape.alphabet) {
    if (!std::isfinite(mean_)) throw sdk::ParamError("noise_mean", "noise_mean must be a finite number");
    if (!(std_ >= 0.0) || !std::isfinite(std_))
      throw sdk::ParamError("noise_std", "noise_std must be >= 0, got " + std::to_string(std_));
  }

  bool keeps_one_hot() const override { return false; }

  at::Tensor apply(const at::Tensor& batch, at::Generator& generator) const override {
    kernels::check_batch(batch, generator, alphabet_, "noise");
    if (!kernels::use_fast_path(batch))
      return batch + at::normal(mean_, std_, batch.sizes(), generator, batch.options());
    return kernels::apply_rows(*this, batch, batch.size(2), kernels::draw_seed(generator));
  }

  void apply_row(const float* in, std::int64_t in_stride, float* out, std::int64_t out_stride, std::int64_t length,
                 kernels::Rng& rng) const override {
    kernels::add_gaussian(in, in_stride, out, out_stride, alphabet_, length, static_cast<float>(mean_),
                          static_cast<float>(std_), rng);
  }

 private:
  double mean_;
  double std_;
  std::int64_t alphabet_;
};

void register_components(sdk::Registrar& registrar) {
  registrar.add_augmentation(
      {"noise", "1.0.0", sdk::priority::noise, "add Gaussian noise N(noise_mean, noise_std^2) to every element",
       sdk::Schema()
           .real("noise_mean", 0.0, "mean of the noise (paper: 0)")
           .real("noise_std", 0.3, "standard deviation of the noise (paper, DeepSTARR: 0.3)", 0.0),
       [](const sdk::Params& params, const sdk::SequenceShape& shape) {
         return std::make_unique<Noise>(params, shape);
       }});
}

}  // namespace

EVOAUG_PLUGIN("noise", "1.0.0", register_components)
