#include "catch.h"
#include <toml++/toml.h>
#include <torch/torch.h>

#include "../model_checks.h"
#include "config/schema_check.h"

using namespace evoaug;
using namespace evoaug::testing;
namespace checks = evoaug::testing::model_checks;

TEST_CASE("deepstarr: parameter counts match the reference implementation", "[deepstarr]") {
  auto registry = builtin_registry();
  // Paper length, and the length after 20 nt of insertion padding.
  CHECK(count_parameters(*checks::make_model(*registry, "deepstarr", {4, 249, 2})) == 622226);
  CHECK(count_parameters(*checks::make_model(*registry, "deepstarr", {4, 269, 2})) == 652946);
}

TEST_CASE("deepstarr: outputs are (N, T) regression values", "[deepstarr]") {
  auto registry = builtin_registry();
  auto model = checks::make_model(*registry, "deepstarr", {4, 249, 3});
  CHECK(model->output_kind() == sdk::OutputKind::regression);
  model->eval();
  torch::NoGradGuard no_grad;
  CHECK(model->forward(checks::one_hot_batch(5, {4, 249, 3}, 0)).sizes() == torch::IntArrayRef({5, 3}));
  // The output layer is linear: no sigmoid squashing into (0, 1). A bias of 5 puts a
  // linear output well above 1 whatever the (random) weights give.
  model->named_parameters()["layers.output.bias"].fill_(5.0);
  const at::Tensor out = model->forward(checks::one_hot_batch(64, {4, 249, 3}, 1));
  CHECK((out > 1).any().item<bool>());
}

TEST_CASE("deepstarr: layers follow the paper", "[deepstarr]") {
  auto registry = builtin_registry();
  auto model = checks::make_model(*registry, "deepstarr", {4, 249, 2});
  const auto parameters = model->named_parameters();
  CHECK(parameters["layers.conv1.conv.weight"].sizes() == torch::IntArrayRef({256, 4, 7}));
  CHECK(parameters["layers.conv2.conv.weight"].sizes() == torch::IntArrayRef({60, 256, 3}));
  CHECK(parameters["layers.conv3.conv.weight"].sizes() == torch::IntArrayRef({60, 60, 5}));
  CHECK(parameters["layers.conv4.conv.weight"].sizes() == torch::IntArrayRef({120, 60, 3}));
  CHECK_FALSE(parameters.contains("layers.conv1.conv.bias"));  // batch norm follows
  CHECK(parameters["layers.fc1.linear.weight"].sizes() == torch::IntArrayRef({256, 120 * 15}));
  CHECK(parameters.contains("layers.fc1.linear.bias"));
  CHECK(parameters["layers.fc1.bn.weight"].numel() == 256);
  CHECK(parameters["layers.output.weight"].sizes() == torch::IntArrayRef({2, 256}));
  // Kaiming normal: standard deviation sqrt(2 / fan_in).
  const at::Tensor w = parameters["layers.conv2.conv.weight"];
  CHECK(w.std().item<double>() == Approx(std::sqrt(2.0 / (256 * 3))).epsilon(0.03));
}

TEST_CASE("deepstarr: parameters change the architecture and are validated", "[deepstarr]") {
  auto registry = builtin_registry();
  const sdk::Schema& schema = registry->model("deepstarr").schema;
  auto narrow = checks::make_model(*registry, "deepstarr", {4, 249, 2}, {{"conv1_filters", std::int64_t{128}}});
  // conv1: 128 fewer filters of 4x7 and their batch norm; conv2 sees 128 fewer channels.
  CHECK(count_parameters(*narrow) == 622226 - 128 * (4 * 7 + 2) - 60 * 128 * 3);
  CHECK_NOTHROW(checks::make_model(*registry, "deepstarr", {4, 249, 2}, {{"tasks", std::int64_t{2}}}));
  try {
    checks::make_model(*registry, "deepstarr", {4, 249, 2}, {{"tasks", std::int64_t{3}}});
    FAIL("a tasks value that disagrees with the data must be refused");
  } catch (const ParamError& error) {
    CHECK(error.key() == "tasks");
    CHECK_THAT(error.what(), Contains("data has 2"));
  }
  try {
    checks::make_model(*registry, "deepstarr", {4, 249, 2}, {{"dropout", 1.0}});
    FAIL("dropout 1 must be refused");
  } catch (const ParamError& error) {
    CHECK(error.key() == "dropout");
  }
  for (const char* text : {"dropout = 1.5", "dropout = -0.1", "conv1_filters = 0", "tasks = -1"}) {
    INFO(text);
    const toml::table table = toml::parse(text);
    CHECK_THROWS_AS(params_from_table(table, schema, "[model]", {"type"}), Error);
  }
}

TEST_CASE("deepstarr: an input too short for the pooling is refused at construction", "[deepstarr]") {
  auto registry = builtin_registry();
  CHECK_NOTHROW(checks::make_model(*registry, "deepstarr", {4, 16, 2}));
  CHECK_THROWS_WITH(checks::make_model(*registry, "deepstarr", {4, 15, 2}), Contains("L >= 16"));
  auto model = checks::make_model(*registry, "deepstarr", {4, 249, 2});
  CHECK_THROWS_WITH(model->forward(torch::zeros({2, 4, 200})), Contains("(N, 4, 249)"));
}

TEST_CASE("deepstarr: forward and backward on CPU", "[deepstarr]") {
  auto registry = builtin_registry();
  checks::check_forward_backward(*checks::make_model(*registry, "deepstarr", {4, 249, 2}), {4, 249, 2});
}

TEST_CASE("deepstarr: train and eval modes differ as dropout and batch norm should", "[deepstarr]") {
  auto registry = builtin_registry();
  checks::check_train_eval(*checks::make_model(*registry, "deepstarr", {4, 249, 2}), {4, 249, 2});
}

TEST_CASE("deepstarr: a save/load round trip gives identical outputs", "[deepstarr]") {
  auto registry = builtin_registry();
  checks::check_save_load(*registry, "deepstarr", {4, 249, 2});
}

TEST_CASE("deepstarr: runs on CUDA", "[deepstarr][cuda]") {
  auto registry = builtin_registry();
  checks::check_cuda(*registry, "deepstarr", {4, 249, 2});
}
