#include "model/convolution_check.h"

#include <ATen/Context.h>
#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <algorithm>
#include <mutex>
#include <vector>

namespace evoaug {
namespace {

struct Shape {
  std::int64_t batch, in, out, length, kernel;
};

// Shapes that came out wrong (convolution_check.h): a tiny one, DeepSTARR's third and
// fourth blocks; 'same' padding as the models use.
const std::vector<Shape>& shapes() {
  static const std::vector<Shape> list{{2, 4, 3, 10, 3}, {4, 60, 60, 62, 5}, {4, 60, 120, 31, 3}};
  return list;
}

// Output, input gradient and weight gradient of one convolution, by whichever backend
// LibTorch's setting selects.
std::vector<at::Tensor> convolve(const at::Tensor& x, const at::Tensor& w, const at::Tensor& upstream,
                                 std::int64_t padding) {
  torch::AutoGradMode grad_on(true);
  const at::Tensor xx = x.clone().requires_grad_(true), ww = w.clone().requires_grad_(true);
  const at::Tensor y = torch::conv1d(xx, ww, {}, 1, padding);
  const auto grads = torch::autograd::grad({y}, {xx, ww}, {upstream});
  return {y.detach(), grads[0], grads[1]};
}

double relative_error(const at::Tensor& a, const at::Tensor& reference) {
  const double scale = std::max(reference.abs().max().item<double>(), 1e-12);
  return (a - reference).abs().max().item<double>() / scale;
}

}  // namespace

double onednn_convolution_error() {
  if (!at::hasMKLDNN()) return 0.0;
  auto& context = at::globalContext();
  const bool was_enabled = context.userEnabledMkldnn();
  at::Generator g = at::make_generator<at::CPUGeneratorImpl>(20261203);
  double worst = 0.0;
  for (const Shape& s : shapes()) {
    const std::int64_t padding = s.kernel / 2;
    const at::Tensor x = torch::randn({s.batch, s.in, s.length}, g);
    const at::Tensor w = torch::randn({s.out, s.in, s.kernel}, g) * 0.1;
    const at::Tensor upstream = torch::randn({s.batch, s.out, s.length}, g);
    context.setUserEnabledMkldnn(true);
    const auto onednn = convolve(x, w, upstream, padding);
    context.setUserEnabledMkldnn(false);
    const auto reference = convolve(x, w, upstream, padding);
    for (std::size_t k = 0; k < onednn.size(); ++k) worst = std::max(worst, relative_error(onednn[k], reference[k]));
  }
  context.setUserEnabledMkldnn(was_enabled);
  return worst;
}

const ConvolutionCheck& guard_cpu_convolutions() {
  static ConvolutionCheck result;
  static std::once_flag once;
  std::call_once(once, [] {
    if (!at::hasMKLDNN() || !at::globalContext().userEnabledMkldnn()) return;
    result.checked = true;
    result.worst_relative_error = onednn_convolution_error();
    if (result.worst_relative_error > kConvolutionTolerance) {
      at::globalContext().setUserEnabledMkldnn(false);
      result.onednn_disabled = true;
      spdlog::warn("LibTorch's oneDNN convolutions are wrong on this machine (off by {:.0f} % on a test "
                   "convolution): evoaug turned oneDNN off for this process, so convolutions are right but "
                   "slower. Another LibTorch build avoids it (docs/reliability.md).",
                   100.0 * result.worst_relative_error);
    }
  });
  return result;
}

}  // namespace evoaug
