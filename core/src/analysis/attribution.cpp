#include "analysis/attribution.h"

#include <torch/torch.h>

#include "evoaug/error.h"
#include "model/convolution_check.h"
#include "util/suggest.h"

namespace evoaug::analysis {
namespace {

void check_input(const at::Tensor& x, const char* what) {
  if (!x.defined() || x.dim() != 3)
    throw Error(std::string(what) + ": sequences must be one-hot (N, A, L), not of rank " +
                std::to_string(x.defined() ? x.dim() : 0));
}

at::Tensor task_column(const at::Tensor& outputs, std::int64_t task, const char* what) {
  if (outputs.dim() != 2) throw Error(std::string(what) + ": the model's output must be (N, T)");
  if (task < 0 || task >= outputs.size(1))
    throw Error(std::string(what) + ": --task " + std::to_string(task) + " is out of range: the model has " +
                std::to_string(outputs.size(1)) + " output(s), 0 to " + std::to_string(outputs.size(1) - 1));
  return outputs.select(1, task);
}

}  // namespace

const std::vector<std::string>& attribution_method_names() {
  static const std::vector<std::string> names{"saliency", "input_x_gradient", "ism", "gradient_shap"};
  return names;
}

AttributionMethod parse_attribution_method(const std::string& name) {
  const auto& names = attribution_method_names();
  for (std::size_t k = 0; k < names.size(); ++k)
    if (names[k] == name) return static_cast<AttributionMethod>(k);
  throw Error("--method: " + unknown_name_message("attribution method", name, names));
}

std::string attribution_method_name(AttributionMethod method) {
  return attribution_method_names().at(static_cast<std::size_t>(method));
}

at::Tensor correct_gradients(const at::Tensor& gradients) {
  const std::int64_t channel_dim = gradients.dim() == 3 ? 1 : 0;
  return gradients - gradients.mean(channel_dim, /*keepdim=*/true);
}

at::Tensor input_gradients(const ForwardFn& forward, const at::Tensor& x, std::int64_t task, std::int64_t batch_size) {
  check_input(x, "saliency");
  std::vector<at::Tensor> parts;
  for (std::int64_t start = 0; start < x.size(0); start += batch_size) {
    const std::int64_t count = std::min(batch_size, x.size(0) - start);
    at::Tensor input = x.narrow(0, start, count).to(torch::kFloat32).detach().clone().set_requires_grad(true);
    torch::AutoGradMode enable(true);
    const at::Tensor out = task_column(forward(input), task, "attribute");
    // Each sequence's output depends on its own input only, so the gradient of the sum
    // gives every sequence's gradient in one backward pass.
    const at::Tensor grad = torch::autograd::grad({out.sum()}, {input}, {}, false, false, true)[0];
    parts.push_back(grad.defined() ? grad.detach().cpu() : torch::zeros_like(input).cpu());
  }
  return parts.empty() ? torch::zeros(x.sizes(), torch::kFloat32) : torch::cat(parts);
}

at::Tensor in_silico_mutagenesis(const ForwardFn& forward, const at::Tensor& x, std::int64_t task,
                                 std::int64_t batch_size) {
  check_input(x, "ism");
  torch::NoGradGuard no_grad;
  const std::int64_t n = x.size(0), a = x.size(1), l = x.size(2);
  const at::Tensor base = x.to(torch::kFloat32).cpu();
  at::Tensor map = torch::zeros({n, a, l}, torch::kFloat32);
  const std::int64_t per_batch = std::max<std::int64_t>(1, batch_size);
  for (std::int64_t i = 0; i < n; ++i) {
    const at::Tensor seq = base[i];
    const double reference = task_column(forward(seq.unsqueeze(0)), task, "attribute")[0].item<double>();
    // Mutant m = position m / a set to nucleotide m % a.
    for (std::int64_t start = 0; start < a * l; start += per_batch) {
      const std::int64_t count = std::min(per_batch, a * l - start);
      at::Tensor mutants = seq.unsqueeze(0).repeat({count, 1, 1});
      const at::Tensor m = torch::arange(start, start + count, torch::kLong);
      const at::Tensor rows = torch::arange(count, torch::kLong);
      const at::Tensor pos = m.div(a, "floor"), nuc = m.remainder(a);
      mutants.index_put_({rows, torch::indexing::Slice(), pos}, torch::zeros({count, a}));
      mutants.index_put_({rows, nuc, pos}, torch::ones({count}));
      const at::Tensor out = task_column(forward(mutants), task, "attribute").to(torch::kFloat64) - reference;
      map[i].index_put_({nuc, pos}, out.to(torch::kFloat32));
    }
  }
  // The observed nucleotide's "mutant" is the sequence itself: exactly 0, not rounding.
  return map.masked_fill(base > 0.5, 0.0);
}

at::Tensor gradient_shap(const ForwardFn& forward, const at::Tensor& x, const AttributionOptions& options) {
  check_input(x, "gradient_shap");
  if (options.references < 1) throw Error("--references must be at least 1, not " + std::to_string(options.references));
  const std::int64_t n = x.size(0), a = x.size(1), l = x.size(2), r = options.references;
  at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(options.seed);
  const at::Tensor base = x.to(torch::kFloat32).cpu();
  at::Tensor map = torch::zeros({n, a, l}, torch::kFloat32);
  for (std::int64_t i = 0; i < n; ++i) {
    at::Tensor sum = torch::zeros({a, l}, torch::kFloat64);
    for (std::int64_t start = 0; start < r; start += options.batch_size) {
      const std::int64_t count = std::min(options.batch_size, r - start);
      const at::Tensor letters = torch::randint(0, a, {count, l}, generator, torch::kLong);
      const at::Tensor refs = torch::one_hot(letters, a).permute({0, 2, 1}).to(torch::kFloat32);
      const at::Tensor alpha = torch::rand({count, 1, 1}, generator, torch::kFloat32);
      const at::Tensor delta = base[i].unsqueeze(0) - refs;
      const at::Tensor points = refs + alpha * delta;
      at::Tensor grad = input_gradients(forward, points, options.task, count);
      if (options.correct) grad = correct_gradients(grad);
      sum += (grad * delta).sum(0).to(torch::kFloat64);
    }
    map[i] = (sum / static_cast<double>(r)).to(torch::kFloat32);
  }
  return map;
}

at::Tensor attribute(const ForwardFn& forward, const at::Tensor& x, const AttributionOptions& options) {
  if (options.batch_size < 1) throw Error("attribute: the batch size must be at least 1");
  guard_cpu_convolutions();  // gradients through wrong oneDNN convolutions would be wrong maps
  switch (options.method) {
    case AttributionMethod::saliency: {
      const at::Tensor g = input_gradients(forward, x, options.task, options.batch_size);
      return options.correct ? correct_gradients(g) : g;
    }
    case AttributionMethod::input_x_gradient: {
      at::Tensor g = input_gradients(forward, x, options.task, options.batch_size);
      if (options.correct) g = correct_gradients(g);
      return g * x.to(torch::kFloat32).cpu();
    }
    case AttributionMethod::ism:
      return in_silico_mutagenesis(forward, x, options.task, options.batch_size);
    case AttributionMethod::gradient_shap:
      return gradient_shap(forward, x, options);
  }
  throw Error("attribute: unknown method");
}

}  // namespace evoaug::analysis
