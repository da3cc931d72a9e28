#include "model/model_summary.h"

#include "catch.h"
#include <torch/torch.h>

#include "test_support.h"

using evoaug::testing::Contains;
using evoaug::testing::EndsWith;

using namespace evoaug;

namespace {

// A model that is not a chain of Sequential children: the summary lists its children.
class TwoBranch final : public sdk::Model {
 public:
  TwoBranch() {
    left_ = register_module("left", torch::nn::Conv1d(4, 3, 1));
    right_ = register_module("right", torch::nn::Conv1d(4, 3, 1));
  }
  at::Tensor forward(const at::Tensor& x) override { return (left_->forward(x) + right_->forward(x)).mean(2); }
  sdk::OutputKind output_kind() const override { return sdk::OutputKind::regression; }

 private:
  torch::nn::Conv1d left_{nullptr}, right_{nullptr};
};

}  // namespace

TEST_CASE("modeling: count_parameters counts trainable values, not batch-norm buffers", "[summary]") {
  CHECK(count_parameters(*torch::nn::Linear(3, 2)) == 3 * 2 + 2);
  CHECK(count_parameters(*torch::nn::BatchNorm1d(5)) == 10);
  CHECK(count_parameters(*torch::nn::Sequential(torch::nn::Linear(3, 2), torch::nn::ReLU())) == 8);
}

TEST_CASE("modeling: the summary lists every layer of a plugin model with its output shape", "[summary]") {
  auto registry = testing::builtin_registry();
  const sdk::ModelShape shape{4, 249, 2};
  auto model = registry->make_model("deepstarr", sdk::Params::defaults(registry->model("deepstarr").schema), shape);
  model->train();
  const std::string summary = summarize_model(*model, shape);
  INFO(summary);
  for (const char* expected : {"input", "[N, 4, 249]", "conv1", "[N, 256, 124]", "conv4", "[N, 120, 15]",
                               "flatten", "[N, 1800]", "fc2", "[N, 256]", "output", "[N, 2]", "ConvBlock"})
    CHECK_THAT(summary, Contains(expected));
  CHECK_THAT(summary, EndsWith("parameters: 622226\n"));
  CHECK(model->is_training());  // the mode the caller had is restored
}

TEST_CASE("modeling: the summary follows the input length, insertion padding included", "[summary]") {
  auto registry = testing::builtin_registry();
  const sdk::ModelShape shape{4, 269, 2};
  auto model = registry->make_model("deepstarr", sdk::Params::defaults(registry->model("deepstarr").schema), shape);
  model->eval();
  const std::string summary = summarize_model(*model, shape);
  CHECK_THAT(summary, Contains("[N, 1920]"));
  CHECK_THAT(summary, EndsWith("parameters: 652946\n"));
  CHECK_FALSE(model->is_training());
}

TEST_CASE("modeling: a model built otherwise gets a row per child and its output shape", "[summary]") {
  TwoBranch model;
  const std::string summary = summarize_model(model, {4, 10, 3});
  INFO(summary);
  CHECK_THAT(summary, Contains("left"));
  CHECK_THAT(summary, Contains("right"));
  CHECK_THAT(summary, Contains("[N, 3]"));
  CHECK_THAT(summary, EndsWith("parameters: 30\n"));
}

TEST_CASE("modeling: an input the model cannot take is an error naming the shape", "[summary]") {
  TwoBranch model;
  CHECK_THROWS_WITH(summarize_model(model, {5, 10, 3}), Contains("(N, 5, 10)"));
}
