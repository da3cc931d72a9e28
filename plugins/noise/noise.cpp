// Gaussian noise (paper, Methods): an independent N(noise_mean, noise_std^2) draw is
// added to every element of the one-hot matrix. The only augmentation whose columns are
// no longer one-hot.
#include <evoaug/sdk/kernels.h>
#include <evoaug/sdk/plugin.h>

namespace {

namespace sdk = evoaug::sdk;
namespace kernels = evoaug::sdk::kernels;

class Noise final : public sdk::Augmentation {
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
    const at::Tensor in = batch.contiguous();
    at::Tensor out = at::empty_like(in);
    const std::int64_t row = in.size(1) * in.size(2);
    const float* src = in.data_ptr<float>();
    float* dst = out.data_ptr<float>();
    const float mean = static_cast<float>(mean_), sd = static_cast<float>(std_);
    const std::uint64_t seed = kernels::draw_seed(generator);
    kernels::for_each_row(in.size(0), row, [&](std::int64_t r) {
      kernels::Rng rng(seed, static_cast<std::uint64_t>(r));
      const float* s = src + r * row;
      float* d = dst + r * row;
      kernels::add_gaussian(s, d, row, mean, sd, rng);
    });
    return out;
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
