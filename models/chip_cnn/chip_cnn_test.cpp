#include "catch.h"
#include <evoaug/sdk/layers.h>
#include <torch/torch.h>

#include "../model_checks.h"

using namespace evoaug;
using namespace evoaug::testing;
namespace checks = evoaug::testing::model_checks;

TEST_CASE("chip_cnn: parameter count matches the reference implementation", "[chip_cnn]") {
  auto registry = builtin_registry();
  CHECK(count_parameters(*checks::make_model(*registry, "chip_cnn", {4, 200, 1})) == 292161);
  // 20 nt of insertion padding: 220 -> 55 -> 13 -> 6 positions, as at 200.
  CHECK(count_parameters(*checks::make_model(*registry, "chip_cnn", {4, 220, 1})) == 292161);
  // 232 -> 58 -> 14 -> 7 positions: one more position of 128 channels into 256 units.
  CHECK(count_parameters(*checks::make_model(*registry, "chip_cnn", {4, 232, 1})) == 292161 + 128 * 256);
}

TEST_CASE("chip_cnn: outputs are (N, T) logits", "[chip_cnn]") {
  auto registry = builtin_registry();
  auto model = checks::make_model(*registry, "chip_cnn", {4, 200, 1});
  CHECK(model->output_kind() == sdk::OutputKind::logits);
  model->eval();
  torch::NoGradGuard no_grad;
  CHECK(model->forward(checks::one_hot_batch(7, {4, 200, 1}, 0)).sizes() == torch::IntArrayRef({7, 1}));
}

TEST_CASE("chip_cnn: layers follow the paper", "[chip_cnn]") {
  auto registry = builtin_registry();
  auto model = checks::make_model(*registry, "chip_cnn", {4, 200, 1});
  const auto parameters = model->named_parameters();
  CHECK(parameters["layers.conv1.conv.weight"].sizes() == torch::IntArrayRef({64, 4, 7}));
  CHECK(parameters["layers.conv2.conv.weight"].sizes() == torch::IntArrayRef({96, 64, 5}));
  CHECK(parameters["layers.conv3.conv.weight"].sizes() == torch::IntArrayRef({128, 96, 5}));
  CHECK(parameters["layers.fc1.linear.weight"].sizes() == torch::IntArrayRef({256, 128 * 6}));
  CHECK(parameters.contains("layers.fc1.linear.bias"));
  // Dropout 0.2 in every conv block, 0.5 before the output.
  const auto modules = model->named_modules();
  for (const char* block : {"layers.conv1", "layers.conv2", "layers.conv3"}) {
    INFO(block);
    auto dropout = std::dynamic_pointer_cast<torch::nn::DropoutImpl>(modules[std::string(block) + ".dropout"]);
    REQUIRE(dropout);
    CHECK(dropout->options.p() == Approx(0.2));
  }
  auto last = std::dynamic_pointer_cast<torch::nn::DropoutImpl>(modules["layers.fc1.dropout"]);
  REQUIRE(last);
  CHECK(last->options.p() == Approx(0.5));
  // Kaiming uniform: bound sqrt(6 / fan_in), wider than PyTorch's default 1 / sqrt(fan_in).
  const at::Tensor w = parameters["layers.conv2.conv.weight"];
  const double fan_in = 64 * 5;
  CHECK(w.abs().max().item<double>() <= std::sqrt(6.0 / fan_in));
  CHECK(w.abs().max().item<double>() > 1.0 / std::sqrt(fan_in));
}

TEST_CASE("chip_cnn: a conv block pools, then drops out, as the reference does", "[chip_cnn]") {
  // The block chip_cnn's convolutions are made of (sdk/include/evoaug/sdk/layers.h).
  sdk::layers::ConvBlock block(sdk::layers::ConvBlockOptions(4, 16, 7).pool(4).dropout(0.5));
  block->train();
  torch::NoGradGuard no_grad;
  const at::Tensor x = checks::one_hot_batch(16, {4, 200, 1}, 3);
  const at::Tensor out = block->forward(x);
  // Dropout after the pool: each output is 0 or the pooled activation times 1 / (1 - p).
  // (Dropout before the pool would give the max of the scaled survivors instead.) Batch
  // statistics in train mode make the pooled activations reproducible from the same x.
  const at::Tensor pooled = block->pool->forward(torch::relu(block->bn->forward(block->conv->forward(x))));
  REQUIRE(out.sizes() == pooled.sizes());
  const at::Tensor kept = out.ne(0);
  CHECK(at::allclose(out.masked_select(kept), 2.0 * pooled.masked_select(kept), 1e-5, 1e-6));
  const double kept_fraction = kept.to(at::kFloat).mean().item<double>();
  const double positive_fraction = pooled.gt(0).to(at::kFloat).mean().item<double>();
  CHECK(kept_fraction == Approx(0.5 * positive_fraction).epsilon(0.05));
}

TEST_CASE("chip_cnn: dropout rates are validated", "[chip_cnn]") {
  auto registry = builtin_registry();
  try {
    checks::make_model(*registry, "chip_cnn", {4, 200, 1}, {{"conv_dropout", 1.0}});
    FAIL("conv_dropout 1 must be refused");
  } catch (const ParamError& error) {
    CHECK(error.key() == "conv_dropout");
  }
  auto no_conv_dropout = checks::make_model(*registry, "chip_cnn", {4, 200, 1}, {{"conv_dropout", 0.0}});
  CHECK(no_conv_dropout->named_modules().find("layers.conv1.dropout") == nullptr);
}

TEST_CASE("chip_cnn: an input too short for the pooling is refused at construction", "[chip_cnn]") {
  auto registry = builtin_registry();
  CHECK_NOTHROW(checks::make_model(*registry, "chip_cnn", {4, 32, 1}));
  CHECK_THROWS_WITH(checks::make_model(*registry, "chip_cnn", {4, 31, 1}), Contains("L >= 32"));
}

TEST_CASE("chip_cnn: forward and backward on CPU", "[chip_cnn]") {
  auto registry = builtin_registry();
  checks::check_forward_backward(*checks::make_model(*registry, "chip_cnn", {4, 200, 1}), {4, 200, 1});
}

TEST_CASE("chip_cnn: train and eval modes differ as dropout and batch norm should", "[chip_cnn]") {
  auto registry = builtin_registry();
  checks::check_train_eval(*checks::make_model(*registry, "chip_cnn", {4, 200, 1}), {4, 200, 1});
}

TEST_CASE("chip_cnn: a save/load round trip gives identical outputs", "[chip_cnn]") {
  auto registry = builtin_registry();
  checks::check_save_load(*registry, "chip_cnn", {4, 200, 1});
}

TEST_CASE("chip_cnn: runs on CUDA", "[chip_cnn]") {
  auto registry = builtin_registry();
  checks::check_cuda(*registry, "chip_cnn", {4, 200, 1});
}
