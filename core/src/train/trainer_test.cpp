// The training loop on a tiny in-test model: the best weights (not the last) are kept,
// early stopping and the learning-rate decay act on real validation losses, an
// interrupted stage resumes to exactly the uninterrupted result, and a NaN loss stops
// training with the best checkpoint kept.
#include "catch.h"
#include <torch/torch.h>

#include <cmath>
#include <sstream>

#include "evoaug/error.h"
#include "test_support.h"
#include "augment/augment_config.h"
#include "distributed/test_ranks.h"
#include "train/trainer.h"

using evoaug::testing::Contains;

namespace {

using evoaug::sdk::OutputKind;

struct TinyModel : evoaug::sdk::Model {
  TinyModel(std::int64_t inputs, double dropout, int nan_after = -1) : nan_after_(nan_after) {
    linear = register_module("linear", torch::nn::Linear(inputs, 1));
    drop = register_module("drop", torch::nn::Dropout(dropout));
  }
  // Outputs start at 0, the validation labels' value: training can only move away.
  void zero() {
    torch::NoGradGuard no_grad;
    for (auto& p : parameters()) p.zero_();
  }
  at::Tensor forward(const at::Tensor& x) override {
    at::Tensor out = linear(drop(x.flatten(1)));
    if (nan_after_ >= 0 && is_training() && ++calls_ > nan_after_) out = out * std::nan("");
    return out;
  }
  OutputKind output_kind() const override { return OutputKind::regression; }
  torch::nn::Linear linear{nullptr};
  torch::nn::Dropout drop{nullptr};
  int nan_after_;
  int calls_ = 0;
};

evoaug::Split make_split(std::int64_t n, double label, torch::Generator& g) {
  const auto letters = torch::randint(0, 4, {n, 8}, g);
  auto x = torch::one_hot(letters, 4).permute({0, 2, 1}).to(torch::kUInt8).contiguous();
  auto y = label == label ? torch::full({n, 1}, label)
                          : x.to(torch::kFloat32).select(1, 0).sum(1, true) / 8.0;  // NaN: a learnable target
  return {x, y};
}

// Train and valid labels disagree (1 vs 0): every epoch of training makes validation worse.
evoaug::Dataset diverging_data() {
  auto g = torch::make_generator<at::CPUGeneratorImpl>(7);
  return {make_split(40, 1.0, g), make_split(16, 0.0, g), make_split(16, 0.0, g), {"t"}, "test"};
}

evoaug::Dataset learnable_data() {
  auto g = torch::make_generator<at::CPUGeneratorImpl>(8);
  return {make_split(40, NAN, g), make_split(16, NAN, g), make_split(16, NAN, g), {"a_count"}, "test"};
}

struct Fixture {
  evoaug::testing::TempDir dir;
  evoaug::AugmentPipeline augment{evoaug::sdk::SequenceShape{4, 8}};

  evoaug::StageRun stage(evoaug::sdk::Model& model, const evoaug::Dataset& data, int epochs) {
    evoaug::StageRun run;
    run.model = &model;
    run.data = &data;
    run.augment = &augment;
    run.settings.name = "pretrain";
    run.settings.max_epochs = epochs;
    run.settings.batch_size = 8;
    run.settings.learning_rate = 0.05;
    run.settings.schedule = {0, 0, 0.1, 0.0};
    run.loss = evoaug::LossKind::mse;
    run.seed = 11;
    run.best_checkpoint = dir / "best.pt";
    run.last_checkpoint = dir / "last.pt";
    run.metrics_csv = dir / "metrics.csv";
    return run;
  }
};

// metrics.csv without its timing column.
std::string without_seconds(const std::string& csv) {
  std::istringstream in(csv);
  std::string out, line;
  while (std::getline(in, line)) out += line.substr(0, line.rfind(',')) + "\n";
  return out;
}

}  // namespace

TEST_CASE("A stage ends with the best-validation weights, not the last", "[trainer]") {
  at::set_num_threads(1);
  Fixture f;
  const auto data = diverging_data();
  torch::manual_seed(1);
  TinyModel model(32, 0.0);
  model.zero();
  auto run = f.stage(model, data, 3);
  run.settings.learning_rate = 0.002;  // small steps: no overshoot past the training labels
  const auto result = evoaug::train_stage(run);
  REQUIRE(result.epochs_run == 3);
  REQUIRE(result.best_epoch == 1);  // validation only gets worse
  const auto best = evoaug::read_checkpoint(f.dir / "best.pt").weights;
  const auto last = evoaug::read_checkpoint(f.dir / "last.pt").weights;
  CHECK(torch::equal(model.linear->bias, best.at("linear.bias")));
  CHECK_FALSE(torch::equal(model.linear->bias, last.at("linear.bias")));
  CHECK(result.test.loss == Approx(evoaug::evaluate_split(model, data.test, f.augment, evoaug::LossKind::mse,
                                                          data.task_names, c10::kCPU, 256, 11).loss));
}

TEST_CASE("Early stopping and the learning-rate decay act on validation losses", "[trainer]") {
  at::set_num_threads(1);
  Fixture f;
  const auto data = diverging_data();
  torch::manual_seed(1);
  TinyModel model(32, 0.0);
  model.zero();
  auto run = f.stage(model, data, 20);
  run.settings.learning_rate = 0.002;
  run.settings.schedule = {3, 1, 0.5, 0.0};  // stop after 3 bad epochs; halve the rate after each
  const auto result = evoaug::train_stage(run);
  CHECK(result.stop_reason == "early_stopping");
  CHECK(result.epochs_run == 4);  // epoch 1 best, 2-4 worse
  const std::string csv = evoaug::testing::read_file(f.dir / "metrics.csv");
  std::istringstream in(csv);
  std::string line;
  std::getline(in, line);
  CHECK(line.rfind("stage,epoch,train_loss,valid_loss,learning_rate,valid_mse,valid_pearson,valid_spearman,seconds", 0) == 0);
  std::vector<double> rates;
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::stringstream row(line);
    for (std::string c; std::getline(row, c, ',');) cells.push_back(c);
    rates.push_back(std::stod(cells.at(4)));
  }
  REQUIRE(rates.size() == 4);
  CHECK(rates[0] == Approx(0.002));
  CHECK(rates[1] == Approx(0.002));   // epoch 2 (first bad) trained at the old rate ...
  CHECK(rates[2] == Approx(0.001));   // ... and decayed the rate for epoch 3
  CHECK(rates[3] == Approx(0.0005));
}

TEST_CASE("An interrupted stage resumes to exactly the uninterrupted result", "[trainer][resume]") {
  at::set_num_threads(1);
  const auto data = learnable_data();

  Fixture whole;
  torch::manual_seed(3);
  TinyModel a(32, 0.3);  // dropout: the resumed run must also restore the random state
  const auto full = evoaug::train_stage(whole.stage(a, data, 3));

  Fixture parts;
  torch::manual_seed(3);
  TinyModel b(32, 0.3);
  auto run = parts.stage(b, data, 3);
  int batches = 0;
  run.callbacks.on_batch = [&](const evoaug::BatchProgress&) { ++batches; };
  run.stop_requested = [&] { return batches == 7; };  // epoch 2, batch 2 of 5
  CHECK_THROWS_AS(evoaug::train_stage(run), evoaug::Interrupted);
  const auto saved = evoaug::read_checkpoint(parts.dir / "last.pt");
  CHECK(saved.state.epoch == 1);
  CHECK(saved.state.batches_done == 2);

  torch::manual_seed(99);  // a different start: everything must come from the checkpoint
  TinyModel c(32, 0.3);
  auto resumed_run = parts.stage(c, data, 3);
  resumed_run.resume = &saved;
  const auto resumed = evoaug::train_stage(resumed_run);

  CHECK(torch::equal(a.linear->weight, c.linear->weight));
  CHECK(torch::equal(a.linear->bias, c.linear->bias));
  CHECK(resumed.best_epoch == full.best_epoch);
  CHECK(resumed.test.loss == full.test.loss);
  CHECK(without_seconds(evoaug::testing::read_file(parts.dir / "metrics.csv")) ==
        without_seconds(evoaug::testing::read_file(whole.dir / "metrics.csv")));
}

TEST_CASE("A NaN loss stops training with a clear error and keeps the best checkpoint", "[trainer][nan]") {
  at::set_num_threads(1);
  Fixture f;
  const auto data = learnable_data();
  torch::manual_seed(1);
  TinyModel model(32, 0.0, /*nan_after=*/12);  // epoch 3, batch 3
  try {
    evoaug::train_stage(f.stage(model, data, 5));
    FAIL("no error");
  } catch (const evoaug::Error& e) {
    const std::string message = e.what();
    CHECK_THAT(message, Contains("loss became nan") && Contains("epoch 3, batch 3") &&
                            Contains("best checkpoint so far") && Contains("learning_rate"));
  }
  const auto best = evoaug::read_checkpoint(f.dir / "best.pt");
  CHECK(best.state.epoch >= 1);
  CHECK(best.state.epoch <= 2);
  for (const auto& [name, tensor] : best.weights) CHECK(torch::isfinite(tensor).all().item<bool>());
}

namespace {

// DeepSTARR-like augmentation on the tiny model's sequences of length 8 (no op changes
// the length, so the tiny model's input size stays 4 x 8).
evoaug::AugmentPipeline augmenting_pipeline(const evoaug::PluginRegistry& registry) {
  const char* toml = R"(
[augment]
max_augs_per_seq = 2
mode = "hard"
[[augment.ops]]
type = "translocation"
shift_min = 0
shift_max = 3
[[augment.ops]]
type = "mutation"
mutate_frac = 0.25
[[augment.ops]]
type = "noise"
noise_std = 0.2
)";
  return evoaug::read_augment_pipeline(evoaug::pipeline_from_text(toml, "<test>"), registry, {4, 8});
}

}  // namespace

TEST_CASE("Prefetched batches train exactly as batches prepared in turn, and resume exactly", "[trainer][prefetch]") {
  // Two threads: the serial path prepares its batches on both, the prefetch worker on one.
  const int threads_before = at::get_num_threads();
  at::set_num_threads(2);
  const auto registry = evoaug::testing::builtin_registry();
  const auto data = learnable_data();
  struct Trained {
    at::Tensor weight;
    std::string metrics;
  };
  const auto train = [&](int prefetch, int stop_after_batches, const evoaug::Checkpoint* resume,
                         Fixture& f) -> Trained {
    f.augment = augmenting_pipeline(*registry);
    torch::manual_seed(resume ? 99 : 5);
    TinyModel model(32, 0.3);
    auto run = f.stage(model, data, 2);
    run.prefetch = prefetch;
    run.resume = resume;
    int batches = 0;
    run.callbacks.on_batch = [&](const evoaug::BatchProgress&) { ++batches; };
    if (stop_after_batches > 0) run.stop_requested = [&] { return batches == stop_after_batches; };
    evoaug::train_stage(run);
    return {model.linear->weight.clone(), without_seconds(evoaug::testing::read_file(f.dir / "metrics.csv"))};
  };
  Fixture serial_dir, prefetch_dir, deep_dir;
  const Trained serial = train(0, 0, nullptr, serial_dir);
  const Trained prefetched = train(2, 0, nullptr, prefetch_dir);
  const Trained deep = train(16, 0, nullptr, deep_dir);
  CHECK(torch::equal(serial.weight, prefetched.weight));  // bitwise
  CHECK(torch::equal(serial.weight, deep.weight));
  CHECK(serial.metrics == prefetched.metrics);

  // Stopped mid-epoch while the worker is ahead, then resumed: the same result.
  Fixture parts;
  CHECK_THROWS_AS(train(2, 3, nullptr, parts), evoaug::Interrupted);
  const auto saved = evoaug::read_checkpoint(parts.dir / "last.pt");
  REQUIRE(saved.state.batches_done == 3);
  const Trained resumed = train(2, 0, &saved, parts);
  CHECK(torch::equal(serial.weight, resumed.weight));
  CHECK(serial.metrics == resumed.metrics);
  at::set_num_threads(threads_before);
}

TEST_CASE("Evaluation on two or three ranks gathers the predictions of one process, padding included",
          "[trainer][distributed]") {
  // An insertion op: evaluation appends random padding (8 -> 11 nt), drawn per batch.
  const auto registry = evoaug::testing::builtin_registry();
  const evoaug::AugmentPipeline augment = evoaug::read_augment_pipeline(
      evoaug::pipeline_from_text("[augment]\n[[augment.ops]]\ntype = \"insertion\"\ninsert_min = 0\ninsert_max = 3\n",
                                 "<test>"),
      *registry, {4, 8});
  REQUIRE(augment.output_length() == 11);
  const evoaug::Dataset data = learnable_data();
  torch::manual_seed(5);
  TinyModel single(4 * 11, 0.0);
  const auto alone = evoaug::evaluate_split(single, data.train, augment, evoaug::LossKind::mse, data.task_names,
                                            c10::kCPU, /*batch_size=*/6, /*seed=*/3);
  // Another seed pads otherwise: the comparison below can tell.
  const auto other = evoaug::evaluate_split(single, data.train, augment, evoaug::LossKind::mse, data.task_names,
                                            c10::kCPU, 6, 4);
  CHECK(other.loss != Approx(alone.loss).epsilon(1e-9));
  for (int ranks : {2, 3}) {
    std::vector<evoaug::Metrics> metrics(static_cast<std::size_t>(ranks));
    evoaug::testing::on_ranks(ranks, [&](int rank, evoaug::Communicator& communicator) {
      TinyModel copy(4 * 11, 0.0);
      {
        torch::NoGradGuard no_grad;
        for (std::size_t k = 0; k < copy.parameters().size(); ++k) copy.parameters()[k].copy_(single.parameters()[k]);
      }
      metrics[static_cast<std::size_t>(rank)] = evoaug::evaluate_split(
          copy, data.train, augment, evoaug::LossKind::mse, data.task_names, c10::kCPU, 6, 3, &communicator);
    });
    for (const auto& m : metrics) {
      INFO(ranks << " ranks");
      CHECK(m.loss == Approx(alone.loss).epsilon(1e-6));
      CHECK(m.mean.at("pearson") == Approx(alone.mean.at("pearson")).epsilon(1e-6));
    }
  }
}
