// The embedding API end to end on tiny data: the outputs and their schema, fine-tuning
// from the best pretraining weights, interruption and resumption equal to an
// uninterrupted run, SIGINT, positioned errors, and two runtimes side by side.
#include "catch.h"
#include <torch/torch.h>

#include <csignal>
#include <sstream>

#include "data/hdf5_io.h"
#include "evoaug/error.h"
#include "evoaug/runtime.h"
#include "test_support.h"
#include "train/checkpoint.h"

using evoaug::testing::without_timings;

namespace fs = std::filesystem;
using evoaug::testing::Contains;

namespace {

// Tiny synthetic data and a tiny ChIP-seq CNN: a run takes a second or two.
std::string tiny_pipeline(const fs::path& out, const std::string& data = "") {
  return "[runtime]\ndevice = \"cpu\"\nthreads = 1\nseed = 5\noutput_dir = \"" + out.generic_string() + "\"\n\n" +
         (data.empty() ? "[data]\nformat = \"synthetic\"\nnum_sequences = 200\nlength = 80\ntasks = 1\n" : data) +
         "\n[model]\ntype = \"chip_cnn\"\nconv1_filters = 8\n"
         "\n[augment]\nmax_augs_per_seq = 1\n[[augment.ops]]\ntype = \"mutation\"\nmutate_frac = 0.05\n"
         "[[augment.ops]]\ntype = \"insertion\"\ninsert_max = 4\n"
         "\n[pretrain]\nmax_epochs = 2\nbatch_size = 32\n\n[finetune]\nmax_epochs = 2\nbatch_size = 32\n";
}


evoaug::RunOptions resuming() {
  evoaug::RunOptions options;
  options.resume = true;
  return options;
}

std::map<std::string, torch::Tensor> weights_of(const torch::nn::Module& model) {
  std::map<std::string, torch::Tensor> out;
  for (const auto& p : model.named_parameters()) out[p.key()] = p.value().detach().clone();
  for (const auto& b : model.named_buffers()) out[b.key()] = b.value().detach().clone();
  return out;
}

bool same_weights(const std::map<std::string, torch::Tensor>& a, const std::map<std::string, torch::Tensor>& b) {
  if (a.size() != b.size()) return false;
  for (const auto& [name, tensor] : a)
    if (!b.count(name) || !torch::equal(tensor, b.at(name))) return false;
  return true;
}

}  // namespace

TEST_CASE("A run writes report.json, metrics.csv and checkpoints", "[runtime]") {
  evoaug::testing::TempDir dir;
  evoaug::Runtime runtime;
  auto pipeline = runtime.parse(tiny_pipeline(dir / "out"), "tiny.toml");
  int epochs = 0, batches = 0;
  evoaug::Callbacks callbacks;
  callbacks.on_epoch = [&](const evoaug::EpochSummary&) { ++epochs; };
  callbacks.on_batch = [&](const evoaug::BatchProgress& p) {
    ++batches;
    CHECK(p.batch <= p.batches);
  };
  const auto result = pipeline.run(callbacks);

  REQUIRE(result.stages.size() == 2);
  CHECK(result.stages[0].stage == "pretrain");
  CHECK(result.stages[1].stage == "finetune");
  CHECK(epochs == 4);
  CHECK(batches > 0);
  CHECK(result.device == "cpu");
  for (const auto& stage : result.stages) {
    CHECK(stage.epochs_run == 2);
    CHECK(stage.best_epoch >= 1);
    CHECK(stage.test.tasks.size() == 1);
    for (const char* metric : {"auroc", "aupr", "accuracy"}) CHECK(stage.test.mean.count(metric) == 1);
  }
  for (const char* file : {"report.json", "metrics.csv", "checkpoints/pretrain-best.pt", "checkpoints/pretrain-last.pt",
                           "checkpoints/finetune-best.pt", "checkpoints/finetune-last.pt"})
    CHECK(fs::exists(dir / "out" / file));

  const std::string report = evoaug::testing::read_file(dir / "out" / "report.json");
  for (const char* key : {"\"format\": \"evoaug-report\"", "\"seed\": 5", "\"device\": \"cpu\"", "\"stages\": {",
                          "\"pretrain\": {", "\"finetune\": {", "\"epochs_run\": 2", "\"best_epoch\"",
                          "\"stop_reason\": \"max_epochs\"", "\"test\": {", "\"mean\": {", "\"auroc\"", "\"aupr\"",
                          "\"accuracy\"", "\"tasks\": [", "\"components\": [", "\"name\": \"chip_cnn\"",
                          "\"configuration\": {", "\"learning_rate\": 0.0001", "\"wall_seconds\""})
    CHECK_THAT(report, Contains(key));
  CHECK(report.find("nan") == std::string::npos);

  const std::string csv = evoaug::testing::read_file(dir / "out" / "metrics.csv");
  CHECK(csv.rfind("stage,epoch,train_loss,valid_loss,learning_rate,valid_auroc,valid_aupr,valid_accuracy,seconds\n", 0) == 0);
  CHECK(std::count(csv.begin(), csv.end(), '\n') == 5);
  CHECK_THAT(csv, Contains("\npretrain,2,") && Contains("\nfinetune,1,") && Contains("\nfinetune,2,"));

  // evaluate() on the fine-tuned checkpoint reproduces the report's test metrics.
  const auto metrics = pipeline.evaluate(dir / "out" / "checkpoints" / "finetune-best.pt");
  CHECK(metrics.loss == Approx(result.stages[1].test.loss));
  CHECK(metrics.mean.at("auroc") == Approx(result.stages[1].test.mean.at("auroc")));
}

TEST_CASE("Fine-tuning starts from the best pretraining weights, not the last", "[runtime]") {
  evoaug::testing::TempDir dir;
  // Train and valid labels disagree, so validation gets worse with every epoch and the
  // best pretraining epoch is the first.
  auto g = torch::make_generator<at::CPUGeneratorImpl>(3);
  auto split = [&](std::int64_t n, float label) {
    auto x = torch::one_hot(torch::randint(0, 4, {n, 60}, g), 4).permute({0, 2, 1}).to(torch::kUInt8).contiguous();
    return evoaug::Split{x, torch::full({n, 1}, label)};
  };
  evoaug::Dataset data{split(96, 1.0f), split(32, 0.0f), split(32, 0.0f), {"bound"}, "diverging"};
  evoaug::write_hdf5_dataset(dir / "diverging.h5", data);

  evoaug::Runtime runtime;
  auto pipeline = runtime.parse(
      tiny_pipeline(dir / "out", "[data]\nformat = \"hdf5\"\npath = \"" + (dir / "diverging.h5").generic_string() + "\"\n"),
      "diverging.toml", {"pretrain.max_epochs=3", "pretrain.learning_rate=0.01"});
  std::map<std::string, torch::Tensor> finetune_start;
  evoaug::Callbacks callbacks;
  callbacks.on_stage_start = [&](const std::string& stage, const torch::nn::Module& model) {
    if (stage == "finetune") finetune_start = weights_of(model);
  };
  const auto result = pipeline.run(callbacks);
  REQUIRE(result.stages[0].best_epoch == 1);
  REQUIRE(result.stages[0].epochs_run == 3);
  const auto best = evoaug::read_checkpoint(dir / "out" / "checkpoints" / "pretrain-best.pt").weights;
  const auto last = evoaug::read_checkpoint(dir / "out" / "checkpoints" / "pretrain-last.pt").weights;
  CHECK(same_weights(finetune_start, best));
  CHECK_FALSE(same_weights(finetune_start, last));
}

TEST_CASE("An interrupted run resumes to the same report as an uninterrupted one", "[runtime][resume]") {
  evoaug::testing::TempDir dir;
  const std::string text = tiny_pipeline(dir / "out");
  std::string uninterrupted;
  {
    evoaug::Runtime runtime;
    runtime.parse(text, "tiny.toml").run();
    uninterrupted = without_timings(evoaug::testing::read_file(dir / "out" / "report.json"));
  }
  // Stopped twice, once in each stage (request_stop from a callback, as an application
  // would), then resumed to the end by fresh runtimes.
  for (const std::string stop_in : {"pretrain", "finetune"}) {
    evoaug::Runtime runtime;
    auto pipeline = runtime.parse(text, "tiny.toml");
    evoaug::Callbacks callbacks;
    callbacks.on_batch = [&](const evoaug::BatchProgress& p) {
      if (p.stage == stop_in && p.epoch == 2 && p.batch == 2) pipeline.request_stop();
    };
    evoaug::RunOptions options;
    options.resume = stop_in == "finetune";
    options.overwrite = !options.resume;  // the first attempt replaces the uninterrupted run's results
    CHECK_THROWS_WITH(pipeline.run(callbacks, options), Contains("--resume"));
  }
  evoaug::Runtime runtime;
  const evoaug::RunOptions resume = resuming();
  runtime.parse(text, "tiny.toml").run({}, resume);
  CHECK(without_timings(evoaug::testing::read_file(dir / "out" / "report.json")) == uninterrupted);
}

TEST_CASE("A fresh run never removes an earlier run's results unless told to", "[runtime][outputs]") {
  evoaug::testing::TempDir dir;
  const std::string text = tiny_pipeline(dir / "out");
  const auto checkpoints = dir / "out" / "checkpoints";
  evoaug::Runtime runtime;
  runtime.parse(text, "tiny.toml").run();
  const std::string report = evoaug::testing::read_file(dir / "out" / "report.json");

  // Again into the same folder: refused, naming the folder and the ways on; nothing touched.
  CHECK_THROWS_WITH(runtime.parse(text, "tiny.toml").run(),
                    Contains("already holds an earlier run") && Contains((dir / "out").string()) &&
                        Contains("--resume") && Contains("--overwrite") && Contains("runtime.output_dir"));
  CHECK(evoaug::testing::read_file(dir / "out" / "report.json") == report);
  CHECK(std::filesystem::exists(checkpoints / "finetune-best.pt"));

  // Fine-tuning from a checkpoint this run would replace: refused even with overwrite.
  evoaug::RunOptions overwrite;
  overwrite.overwrite = true;
  CHECK_THROWS_WITH(runtime.parse(text, "tiny.toml").finetune(checkpoints / "finetune-best.pt", {}, overwrite),
                    Contains("would replace it") && Contains("finetune-best.pt"));
  CHECK(std::filesystem::exists(checkpoints / "finetune-best.pt"));

  // A fine-tuning on its own, from a copy: the earlier report is kept beside the new one.
  std::filesystem::copy_file(checkpoints / "pretrain-best.pt", dir / "start.pt");
  runtime.parse(text, "tiny.toml").finetune(dir / "start.pt", {}, overwrite);
  CHECK(evoaug::testing::read_file(dir / "out" / "report.before-finetune.json") == report);
  CHECK_THAT(evoaug::testing::read_file(dir / "out" / "report.json"), Contains("\"finetune\""));
}

TEST_CASE("A stop during pretraining's last epoch is honoured before fine-tuning starts", "[runtime][resume]") {
  evoaug::testing::TempDir dir;
  const std::string text = tiny_pipeline(dir / "out");
  {
    evoaug::Runtime runtime;
    auto pipeline = runtime.parse(text, "tiny.toml");
    evoaug::Callbacks callbacks;
    int finetune_batches = 0;
    callbacks.on_epoch = [&](const evoaug::EpochSummary& e) {
      if (e.stage == "pretrain" && e.epoch == 2) pipeline.request_stop();  // the last one
    };
    callbacks.on_batch = [&](const evoaug::BatchProgress& p) { finetune_batches += p.stage == "finetune"; };
    CHECK_THROWS_WITH(pipeline.run(callbacks), Contains("stopped before fine-tuning") && Contains("--resume"));
    CHECK(finetune_batches == 0);
    CHECK_FALSE(fs::exists(dir / "out" / "checkpoints" / "finetune-last.pt"));
  }
  evoaug::Runtime runtime;
  const evoaug::RunOptions resume = resuming();
  const auto result = runtime.parse(text, "tiny.toml").run({}, resume);
  REQUIRE(result.stages.size() == 2);
  CHECK(result.stages[1].stage == "finetune");
}

TEST_CASE("Resuming with a changed configuration is refused, naming what changed", "[runtime][resume]") {
  evoaug::testing::TempDir dir;
  const std::string text = tiny_pipeline(dir / "out");
  {
    evoaug::Runtime runtime;
    auto pipeline = runtime.parse(text, "tiny.toml");
    evoaug::Callbacks callbacks;
    callbacks.on_batch = [&](const evoaug::BatchProgress& p) {
      if (p.batch == 2) pipeline.request_stop();
    };
    CHECK_THROWS_AS(pipeline.run(callbacks), evoaug::Interrupted);
  }
  evoaug::Runtime runtime;
  const evoaug::RunOptions resume = resuming();
  CHECK_THROWS_WITH(runtime.parse(text, "tiny.toml", {"pretrain.batch_size=16"}).run({}, resume),
                    Contains("another configuration") && Contains("was [pretrain] batch_size = 32") &&
                        Contains("now [pretrain] batch_size = 16"));
}

TEST_CASE("SIGINT finishes the batch, writes a checkpoint and stops", "[runtime][signal]") {
  evoaug::testing::TempDir dir;
  evoaug::Runtime runtime;
  auto pipeline = runtime.parse(tiny_pipeline(dir / "out"), "tiny.toml");
  evoaug::Callbacks callbacks;
  callbacks.on_batch = [](const evoaug::BatchProgress& p) {
    if (p.epoch == 1 && p.batch == 2) std::raise(SIGINT);
  };
  evoaug::RunOptions options;
  options.handle_signals = true;
  CHECK_THROWS_AS(pipeline.run(callbacks, options), evoaug::Interrupted);
  const auto saved = evoaug::read_checkpoint(dir / "out" / "checkpoints" / "pretrain-last.pt");
  CHECK(saved.state.epoch == 0);
  CHECK(saved.state.batches_done == 2);
}

TEST_CASE("Bad values in the core's tables are positioned errors", "[runtime][errors]") {
  evoaug::testing::TempDir dir;
  evoaug::Runtime runtime;
  const std::string base = tiny_pipeline(dir / "out");
  CHECK_THROWS_WITH(runtime.parse(base + "\n[evaluate]\nbatch_sise = 3\n", "p.toml"),
                    Contains("p.toml:") && Contains("[evaluate]") && Contains("did you mean 'batch_size'"));
  std::string typo = base;
  typo.replace(typo.find("[pretrain]\n"), 11, "[pretrain]\nlerning_rate = 0.1\n");
  const auto line = std::count(typo.begin(), typo.begin() + static_cast<long>(typo.find("lerning")), '\n') + 1;
  CHECK_THROWS_WITH(runtime.parse(typo, "q.toml"),
                    Contains("q.toml:" + std::to_string(line) + ":1") && Contains("did you mean 'learning_rate'"));
  CHECK_THROWS_WITH(runtime.parse(base, "r.toml", {"runtime.device=gpu"}),
                    Contains("--set runtime.device=gpu") && Contains("not a device"));
  CHECK_THROWS_WITH(runtime.parse(base, "s.toml", {"finetune.max_epochs=0"}),
                    Contains("max_epochs") && Contains("out of range"));
  CHECK_THROWS_WITH(runtime.parse(base, "t.toml", {"pretrain.optimizer=adma"}), Contains("did you mean \"adam\""));
  CHECK_THROWS_WITH(runtime.parse(base, "u.toml", {"pretrain.enabled=false", "finetune.enabled=false"}),
                    Contains("nothing to train"));
}

TEST_CASE("Two runtimes coexist, each with its own plugins", "[runtime]") {
  evoaug::Runtime::Options bare;
  bare.scan_default_folders = false;
  evoaug::Runtime empty(bare);
  evoaug::Runtime full;
  evoaug::testing::TempDir dir;
  CHECK_NOTHROW(full.parse(tiny_pipeline(dir / "out"), "p.toml"));
  CHECK_THROWS_WITH(empty.parse(tiny_pipeline(dir / "out"), "p.toml"), Contains("none are known"));
  CHECK(full.plugins().has_model("chip_cnn"));
  CHECK_FALSE(empty.plugins().has_model("chip_cnn"));
}

TEST_CASE("A stop asked for before the run stops it after its first batch, and is used up by it", "[runtime]") {
  evoaug::testing::TempDir dir;
  evoaug::Runtime runtime;
  auto pipeline = runtime.parse(tiny_pipeline(dir / "out"), "tiny.toml");
  pipeline.request_stop();
  int batches = 0;
  evoaug::Callbacks callbacks;
  callbacks.on_batch = [&](const evoaug::BatchProgress&) { ++batches; };
  CHECK_THROWS_AS(pipeline.run(callbacks), evoaug::Interrupted);
  CHECK(batches == 1);
  CHECK(fs::exists(dir / "out" / "checkpoints" / "pretrain-last.pt"));
  // The request ended with that run: resuming runs to the end.
  CHECK_NOTHROW(pipeline.run({}, resuming()));
  CHECK(fs::exists(dir / "out" / "report.json"));
}

TEST_CASE("An epoch reports how long its loop waited for batches, within the epoch's time", "[runtime]") {
  evoaug::testing::TempDir dir;
  evoaug::Runtime runtime;
  // prefetch = 0: each batch is prepared in turn inside the wait, so the wait is the whole
  // preparation and cannot be zero; with the worker it may be, but never more than the epoch.
  for (const char* prefetch : {"0", "2"}) {
    auto pipeline = runtime.parse(tiny_pipeline(dir / prefetch), "tiny.toml",
                                  {std::string("runtime.prefetch=") + prefetch, "finetune.enabled=false"});
    std::vector<evoaug::EpochSummary> epochs;
    evoaug::Callbacks callbacks;
    callbacks.on_epoch = [&](const evoaug::EpochSummary& e) { epochs.push_back(e); };
    pipeline.run(callbacks);
    REQUIRE(epochs.size() == 2);
    for (const auto& e : epochs) {
      INFO("prefetch " << prefetch << ": waited " << e.data_wait_seconds << " of " << e.seconds << " s");
      CHECK(e.data_wait_seconds >= 0.0);
      CHECK(e.data_wait_seconds <= e.seconds);
      if (std::string(prefetch) == "0") CHECK(e.data_wait_seconds > 0.0);
    }
  }
}
