#include "catch.h"
#include <torch/torch.h>

#include "../model_checks.h"

using namespace evoaug;
using namespace evoaug::testing;
namespace checks = evoaug::testing::model_checks;

TEST_CASE("basset: parameter counts match the reference implementation", "[basset]") {
  auto registry = builtin_registry();
  // Paper length, and the length after 30 nt of insertion padding.
  CHECK(count_parameters(*checks::make_model(*registry, "basset", {4, 600, 161})) == 4529361);
  CHECK(count_parameters(*checks::make_model(*registry, "basset", {4, 630, 161})) == 4729361);
}

TEST_CASE("basset: outputs are (N, T) logits", "[basset]") {
  auto registry = builtin_registry();
  auto model = checks::make_model(*registry, "basset", {4, 600, 161});
  CHECK(model->output_kind() == sdk::OutputKind::logits);
  model->eval();
  torch::NoGradGuard no_grad;
  // Raw logits, no sigmoid: a bias of 5 puts a logit well above 1 whatever the weights give.
  model->named_parameters()["layers.output.bias"].fill_(5.0);
  const at::Tensor out = model->forward(checks::one_hot_batch(3, {4, 600, 161}, 0));
  CHECK(out.sizes() == torch::IntArrayRef({3, 161}));
  CHECK((out > 1).any().item<bool>());
}

TEST_CASE("basset: layers follow the paper and the reference implementation", "[basset]") {
  auto registry = builtin_registry();
  auto model = checks::make_model(*registry, "basset", {4, 600, 161});
  const auto parameters = model->named_parameters();
  CHECK(parameters["layers.conv1.conv.weight"].sizes() == torch::IntArrayRef({300, 4, 19}));
  CHECK(parameters["layers.conv2.conv.weight"].sizes() == torch::IntArrayRef({200, 300, 11}));
  CHECK(parameters["layers.conv3.conv.weight"].sizes() == torch::IntArrayRef({200, 200, 7}));
  CHECK_FALSE(parameters.contains("layers.conv3.conv.bias"));
  // 600 -> 200 -> 50 -> 12 positions after pools of 3, 4 and 4 (floored).
  CHECK(parameters["layers.fc1.linear.weight"].sizes() == torch::IntArrayRef({1000, 200 * 12}));
  CHECK_FALSE(parameters.contains("layers.fc1.linear.bias"));
  CHECK_FALSE(parameters.contains("layers.fc2.linear.bias"));
  CHECK(parameters.contains("layers.output.bias"));
  const at::Tensor w = parameters["layers.conv2.conv.weight"];  // Kaiming normal
  CHECK(w.std().item<double>() == Approx(std::sqrt(2.0 / (300 * 11))).epsilon(0.03));
}

TEST_CASE("basset: schema parameters are applied", "[basset]") {
  auto registry = builtin_registry();
  auto model = checks::make_model(*registry, "basset", {4, 600, 10}, {{"conv1_filters", std::int64_t{100}}});
  CHECK(count_parameters(*model) == 4529361 - 200 * (4 * 19 + 2) - 200 * 200 * 11 - 151 * 1001);
  CHECK_THROWS_AS(checks::make_model(*registry, "basset", {4, 600, 10}, {{"tasks", std::int64_t{161}}}),
                  ParamError);
}

TEST_CASE("basset: an input too short for the pooling is refused at construction", "[basset]") {
  auto registry = builtin_registry();
  CHECK_NOTHROW(checks::make_model(*registry, "basset", {4, 48, 161}));
  CHECK_THROWS_WITH(checks::make_model(*registry, "basset", {4, 47, 161}),
                    Contains("basset") && Contains("L >= 48"));
}

TEST_CASE("basset: forward and backward on CPU", "[basset]") {
  auto registry = builtin_registry();
  checks::check_forward_backward(*checks::make_model(*registry, "basset", {4, 600, 161}), {4, 600, 161});
}

TEST_CASE("basset: train and eval modes differ as dropout and batch norm should", "[basset]") {
  auto registry = builtin_registry();
  checks::check_train_eval(*checks::make_model(*registry, "basset", {4, 600, 161}), {4, 600, 161});
}

TEST_CASE("basset: a save/load round trip gives identical outputs", "[basset]") {
  auto registry = builtin_registry();
  checks::check_save_load(*registry, "basset", {4, 600, 161});
}

TEST_CASE("basset: runs on CUDA", "[basset][cuda]") {
  auto registry = builtin_registry();
  checks::check_cuda(*registry, "basset", {4, 600, 161});
}
