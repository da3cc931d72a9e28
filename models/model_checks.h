// Checks shared by the model plugins' tests (header-only; tests only). Each takes the
// model's registered name and builds it through the real plugin loader.
#pragma once

#include "catch.h"
#include <torch/torch.h>

#include <string>

#include "evoaug/error.h"
#include "evoaug/plugin_registry.h"
#include "model/model_summary.h"
#include "test_support.h"

namespace evoaug::testing::model_checks {

/// A (n, alphabet, length) one-hot batch, reproducible from `seed`.
inline at::Tensor one_hot_batch(std::int64_t n, const sdk::ModelShape& shape, std::uint64_t seed) {
  torch::manual_seed(seed);
  const at::Tensor bases = torch::randint(shape.alphabet, {n, shape.length}, torch::kLong);
  return torch::one_hot(bases, shape.alphabet).permute({0, 2, 1}).to(torch::kFloat32).contiguous();
}

/// The model `name` with its schema's defaults, except `overrides`.
inline std::shared_ptr<sdk::Model> make_model(const PluginRegistry& registry, const std::string& name,
                                              const sdk::ModelShape& shape,
                                              const std::map<std::string, sdk::ParamValue>& overrides = {}) {
  sdk::Params params = sdk::Params::defaults(registry.model(name).schema);
  for (const auto& [key, value] : overrides) params.set(key, value);
  return registry.make_model(name, params, shape);
}

/// Forward and backward in training mode on a batch of 2: (2, T) finite outputs and a
/// gradient reaching every parameter, the first convolution included.
inline void check_forward_backward(sdk::Model& model, const sdk::ModelShape& shape) {
  model.train();
  const at::Tensor out = model.forward(one_hot_batch(2, shape, 1));
  REQUIRE(out.sizes() == torch::IntArrayRef({2, shape.tasks}));
  REQUIRE(torch::isfinite(out).all().item<bool>());
  model.zero_grad();
  out.pow(2).sum().backward();
  for (const auto& parameter : model.named_parameters()) {
    INFO(parameter.key());
    REQUIRE(parameter.value().grad().defined());
    REQUIRE(torch::isfinite(parameter.value().grad()).all().item<bool>());
  }
  const at::Tensor first_conv = model.named_parameters()["layers.conv1.conv.weight"].grad();
  CHECK(first_conv.abs().sum().item<double>() > 0.0);
}

/// Training mode is stochastic (dropout) and updates batch-norm statistics; evaluation
/// mode is deterministic and leaves them alone.
inline void check_train_eval(sdk::Model& model, const sdk::ModelShape& shape) {
  torch::NoGradGuard no_grad;
  const at::Tensor x = one_hot_batch(4, shape, 2);
  const at::Tensor running_mean = model.named_buffers()["layers.conv1.bn.running_mean"];
  model.eval();
  const at::Tensor before = running_mean.clone();
  const at::Tensor eval_a = model.forward(x), eval_b = model.forward(x);
  CHECK(torch::equal(eval_a, eval_b));
  CHECK(torch::equal(running_mean, before));
  model.train();
  const at::Tensor train_a = model.forward(x), train_b = model.forward(x);
  CHECK_FALSE(torch::allclose(train_a, train_b));  // dropout
  CHECK_FALSE(torch::equal(running_mean, before));  // batch norm momentum
  CHECK_FALSE(torch::allclose(train_a, eval_a));
}

/// Saving one model and loading it into a freshly initialised one gives identical outputs.
inline void check_save_load(const PluginRegistry& registry, const std::string& name, const sdk::ModelShape& shape) {
  TempDir dir;
  const auto file = (dir / "model.pt").string();
  auto original = make_model(registry, name, shape);
  original->train();
  {
    torch::NoGradGuard no_grad;
    original->forward(one_hot_batch(4, shape, 3));  // moves batch-norm statistics off their defaults
  }
  original->eval();
  torch::serialize::OutputArchive out;
  original->save(out);
  out.save_to(file);

  auto restored = make_model(registry, name, shape);
  restored->eval();
  const at::Tensor x = one_hot_batch(3, shape, 4);
  torch::NoGradGuard no_grad;
  REQUIRE_FALSE(torch::equal(original->forward(x), restored->forward(x)));
  torch::serialize::InputArchive in;
  in.load_from(file);
  restored->load(in);
  CHECK(torch::equal(original->forward(x), restored->forward(x)));
}

/// Forward and backward on CUDA, matching the CPU result; a visible skip without CUDA.
inline void check_cuda(const PluginRegistry& registry, const std::string& name, const sdk::ModelShape& shape) {
  if (!torch::cuda::is_available()) EVOAUG_SKIP("CUDA not available");
  auto model = make_model(registry, name, shape);
  model->eval();
  const at::Tensor x = one_hot_batch(2, shape, 5);
  const at::Tensor cpu = model->forward(x).detach();
  model->to(torch::kCUDA);
  const at::Tensor gpu = model->forward(x.to(torch::kCUDA));
  REQUIRE(gpu.device().is_cuda());
  CHECK(torch::allclose(gpu.cpu(), cpu, 1e-3, 1e-4));
  model->train();
  model->forward(x.to(torch::kCUDA)).sum().backward();
  CHECK(model->named_parameters()["layers.conv1.conv.weight"].grad().device().is_cuda());
}

}  // namespace evoaug::testing::model_checks
