// The shared training step: batch preparation is a pure function of (epoch seed, batch
// index), so it can run ahead on another thread; mixed precision and loss scaling.
#include "catch.h"
#include <torch/torch.h>

#include "augment/augment_config.h"
#include "evoaug/error.h"
#include "test_support.h"
#include "train/loss_scaler.h"
#include "train/training_step.h"
#include "util/torch_compat.h"

using evoaug::testing::Contains;

namespace {

evoaug::Split random_split(std::int64_t n, std::int64_t length) {
  auto g = torch::make_generator<at::CPUGeneratorImpl>(4);
  const auto letters = torch::randint(0, 4, {n, length}, g);
  return {torch::one_hot(letters, 4).permute({0, 2, 1}).to(torch::kUInt8).contiguous(), torch::randn({n, 1}, g)};
}

struct Flat : evoaug::sdk::Model {
  explicit Flat(std::int64_t inputs) { linear = register_module("linear", torch::nn::Linear(inputs, 1)); }
  at::Tensor forward(const at::Tensor& x) override { return linear(x.flatten(1)); }
  evoaug::sdk::OutputKind output_kind() const override { return evoaug::sdk::OutputKind::regression; }
  torch::nn::Linear linear{nullptr};
};

}  // namespace

TEST_CASE("A prepared batch depends only on the epoch seed and its index", "[training_step]") {
  const auto registry = evoaug::testing::builtin_registry();
  const auto pipeline = evoaug::read_augment_pipeline(evoaug::pipeline_from_text(R"(
[augment]
max_augs_per_seq = 2
[[augment.ops]]
type = "insertion"
insert_max = 5
[[augment.ops]]
type = "noise"
)",
                                                                                "<test>"),
                                                      *registry, {4, 30});
  const evoaug::BatchLoader loader(random_split(40, 30), 8, true, 3);
  const evoaug::BatchPreparer prepare(loader.epoch(1), pipeline, true, c10::kCPU, 17);
  const auto b2 = prepare(2);
  prepare(0);  // another batch in between changes nothing
  const auto again = prepare(2);
  CHECK(b2.x.sizes() == at::IntArrayRef({8, 4, 35}));
  CHECK(torch::equal(b2.x, again.x));
  CHECK(torch::equal(b2.y, again.y));
  CHECK_FALSE(torch::equal(prepare(3).x, b2.x));
  const evoaug::BatchPreparer other_epoch(loader.epoch(1), pipeline, true, c10::kCPU, 18);
  CHECK_FALSE(torch::equal(other_epoch(2).x, b2.x));
  const evoaug::BatchPreparer padding(loader.epoch(1), pipeline, false, c10::kCPU, 17);
  const auto padded = padding(2);
  CHECK(torch::equal(padded.x.narrow(2, 0, 30), loader.epoch(1).batch(2).x));  // no augmentation, padding at 3'
}

TEST_CASE("bf16 training steps on the CPU, and fp16 without CUDA is refused naming the key", "[training_step]") {
  at::set_num_threads(1);
  torch::manual_seed(1);
  Flat model(4 * 30);
  evoaug::StageSettings settings;
  settings.learning_rate = 0.01;
  const evoaug::BatchLoader loader(random_split(32, 30), 16, true, 3);
  const evoaug::AugmentPipeline identity(evoaug::sdk::SequenceShape{4, 30});
  const evoaug::BatchPreparer prepare(loader.epoch(1), identity, false, c10::kCPU, 1);
  evoaug::TrainingStep bf16(model, settings, evoaug::LossKind::mse, evoaug::Precision::bf16, c10::kCPU);
  const auto before = model.linear->weight.clone();
  const double first = bf16.run(prepare(0));
  CHECK(std::isfinite(first));
  CHECK_FALSE(torch::equal(before, model.linear->weight));  // it stepped
  CHECK(model.linear->weight.scalar_type() == at::kFloat);  // master weights stay float32
  CHECK_FALSE(evoaug::compat::autocast_enabled(c10::DeviceType::CPU));               // autocast off again after the step

  try {
    evoaug::TrainingStep fp16(model, settings, evoaug::LossKind::mse, evoaug::Precision::fp16, c10::kCPU);
    FAIL("fp16 on the CPU must be refused");
  } catch (const evoaug::Error& e) {
    CHECK_THAT(e.what(), Contains("[runtime] precision") && Contains("bf16"));
  }
}

TEST_CASE("Loss scaling skips a step whose gradients overflowed and adapts the scale", "[training_step]") {
  evoaug::LossScaler scaler(1024.0, /*growth_interval=*/2);
  auto p = torch::ones({3}, torch::requires_grad());
  (scaler.scale((p * 2).sum())).backward();
  CHECK(p.grad()[0].item<double>() == Approx(2048.0));
  CHECK(scaler.unscale({p}));
  CHECK(p.grad()[0].item<double>() == Approx(2.0));  // divided back
  CHECK(scaler.current_scale() == 1024.0);

  p.mutable_grad().fill_(std::numeric_limits<float>::infinity());
  CHECK_FALSE(scaler.unscale({p}));
  CHECK(scaler.current_scale() == 512.0);  // halved, and the good-step count restarts

  p.mutable_grad().fill_(1.0);
  CHECK(scaler.unscale({p}));
  CHECK(scaler.current_scale() == 512.0);
  p.mutable_grad().fill_(1.0);
  CHECK(scaler.unscale({p}));
  CHECK(scaler.current_scale() == 1024.0);  // doubled after growth_interval good steps
}
