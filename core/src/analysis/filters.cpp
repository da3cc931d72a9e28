#include "analysis/filters.h"

#include <torch/torch.h>

#include "evoaug/error.h"

namespace evoaug::analysis {

FirstLayer first_layer_activations(torch::nn::Module& model, const at::Tensor& x, std::int64_t batch_size) {
  std::shared_ptr<torch::nn::Conv1dImpl> conv;
  for (const auto& module : model.modules(/*include_self=*/true))
    if (auto found = std::dynamic_pointer_cast<torch::nn::Conv1dImpl>(module)) {
      conv = found;
      break;
    }
  if (!conv) throw Error("filters: the model has no Conv1d layer, so it has no first-layer filters to interpret");
  const auto& options = conv->options;
  if (options.in_channels() != x.size(1))
    throw Error("filters: the model's first Conv1d takes " + std::to_string(options.in_channels()) +
                " channels, not the " + std::to_string(x.size(1)) + " of one-hot DNA");
  if ((*options.stride())[0] != 1 || (*options.dilation())[0] != 1)
    throw Error("filters: the model's first Conv1d has a stride or dilation other than 1; windows cannot be aligned");
  FirstLayer out;
  out.width = (*options.kernel_size())[0];
  torch::NoGradGuard no_grad;
  const auto device = conv->weight.device();
  std::vector<at::Tensor> parts;
  for (std::int64_t start = 0; start < x.size(0); start += batch_size)
    parts.push_back(
        conv->forward(x.narrow(0, start, std::min(batch_size, x.size(0) - start)).to(device, torch::kFloat32)).cpu());
  out.activations = torch::cat(parts);
  // The left padding from the output length (L' = L + 2p - w + 1), which reads the same
  // for explicit, "same" and "valid" padding in every LibTorch version.
  out.padding = (out.activations.size(2) - x.size(2) + out.width - 1) / 2;
  return out;
}

std::vector<Motif> filter_pfms(const FirstLayer& layer, const at::Tensor& x, double threshold) {
  if (!(threshold > 0 && threshold < 1)) throw Error("filters: --threshold must be between 0 and 1 (exclusive)");
  const at::Tensor act = layer.activations;
  const std::int64_t filters = act.size(1), length = x.size(2);
  const at::Tensor one_hot = x.to(torch::kFloat64).cpu();
  std::vector<Motif> motifs;
  for (std::int64_t f = 0; f < filters; ++f) {
    const at::Tensor a = act.select(1, f);  // (N, L')
    const double peak = a.max().item<double>();
    at::Tensor counts = torch::zeros({4, layer.width}, torch::kFloat64);
    std::int64_t sites = 0;
    if (peak > 0) {
      const at::Tensor hits = torch::nonzero(a > threshold * peak);  // (K, 2): sequence, position
      const auto h = hits.accessor<std::int64_t, 2>();
      for (std::int64_t k = 0; k < hits.size(0); ++k) {
        const std::int64_t start = h[k][1] - layer.padding;
        if (start < 0 || start + layer.width > length) continue;
        counts += one_hot[h[k][0]].narrow(1, start, layer.width);
        ++sites;
      }
    }
    Motif m;
    m.name = "filter_" + std::to_string(f);
    m.sites = sites;
    for (std::int64_t j = 0; j < layer.width; ++j) {
      const at::Tensor column = counts.select(1, j);
      const double total = column.sum().item<double>();
      std::array<double, 4> c{0.25, 0.25, 0.25, 0.25};
      if (total > 0)
        for (int k = 0; k < 4; ++k) c[k] = column[k].item<double>() / total;
      m.columns.push_back(c);
    }
    motifs.push_back(std::move(m));
  }
  return motifs;
}

}  // namespace evoaug::analysis
