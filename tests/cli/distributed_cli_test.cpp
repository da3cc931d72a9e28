// Data-parallel training end to end: `evoaug run --nproc N` (Gloo over loopback), against
// a single process, and what happens when a rank dies or the rendezvous fails.
#include "catch.h"

#include <chrono>
#include <regex>

#include "evoaug/build_config.h"
#include "test_config.h"
#include "test_support.h"
#include "train/checkpoint.h"

namespace fs = std::filesystem;
using evoaug::testing::Contains;
using evoaug::testing::read_file;
using evoaug::testing::run_host;
using evoaug::testing::run_host_with;
using evoaug::testing::write_file;

namespace {

std::string quoted(const fs::path& p) { return "'" + p.string() + "'"; }

// Shell: rank 1's pid, from the launcher's "started as pids P0 P1" line in $log.
const char* kRankOnePid = "$(sed -n 's/.*started as pids [0-9]* \\([0-9]*\\).*/\\1/p' \"$log\")";

// The exit status a run_host_interrupted() output ends with.
std::string exit_status_in(const std::string& output) {
  std::smatch line;
  return std::regex_search(output, line, std::regex("exit=([0-9]+)")) ? std::string(line[1]) : "none";
}

// No batch norm, no dropout, no augmentation: the global batch's gradient does not depend
// on how its rows are split over ranks.
std::string batchless_pipeline(int pretrain_epochs) {
  return "[plugins]\npaths = [\"" + std::string(EVOAUG_TEST_BATCHLESS_PLUGIN_DIR) + "\"]\n\n"
         "[runtime]\ndevice = \"cpu\"\nthreads = 1\nseed = 4\noutput_dir = \"out\"\ndistributed_timeout_s = 60\n\n"
         "[data]\nformat = \"synthetic\"\nnum_sequences = 200\nlength = 80\ntasks = 1\n\n"
         "[model]\ntype = \"batchless_cnn\"\n\n"
         "[pretrain]\naugment = false\nmax_epochs = " + std::to_string(pretrain_epochs) +
         "\nbatch_size = 20\n\n[finetune]\nmax_epochs = 1\nbatch_size = 20\n";
}

std::string chip_pipeline(int pretrain_epochs) {
  return "[runtime]\ndevice = \"cpu\"\nthreads = 1\nseed = 4\noutput_dir = \"out\"\ndistributed_timeout_s = 30\n\n"
         "[data]\nformat = \"synthetic\"\nnum_sequences = 400\nlength = 80\ntasks = 1\n\n"
         "[model]\ntype = \"chip_cnn\"\nconv1_filters = 8\n\n"
         "[augment]\nmax_augs_per_seq = 1\n[[augment.ops]]\ntype = \"mutation\"\nmutate_frac = 0.05\n\n"
         "[pretrain]\nmax_epochs = " + std::to_string(pretrain_epochs) + "\nbatch_size = 16\n\n"
         "[finetune]\nmax_epochs = 1\nbatch_size = 16\n";
}

void check_same_weights(const fs::path& a, const fs::path& b, double rtol = 1e-4, double atol = 1e-5) {
  const auto left = evoaug::read_checkpoint(a).weights, right = evoaug::read_checkpoint(b).weights;
  REQUIRE(left.size() == right.size());
  for (const auto& [name, tensor] : left) {
    INFO(name);
    CHECK(torch::allclose(tensor, right.at(name), rtol, atol));
  }
}

// The largest difference between two checkpoints' tensors.
double largest_difference(const fs::path& a, const fs::path& b) {
  const auto left = evoaug::read_checkpoint(a).weights, right = evoaug::read_checkpoint(b).weights;
  double largest = 0;
  for (const auto& [name, tensor] : left)
    if (tensor.is_floating_point())
      largest = std::max(largest, (tensor - right.at(name)).abs().max().item<double>());
  return largest;
}

}  // namespace

TEST_CASE("evoaug run --nproc 2 trains a model without batch norm to a single process's weights",
          "[cli][distributed]") {
  evoaug::testing::TempDir dir;
  write_file(dir / "p.toml", batchless_pipeline(2));
  const auto single = run_host("--log-level warn run " + quoted(dir / "p.toml") + " --set runtime.output_dir=one");
  INFO(single.output);
  REQUIRE(single.exit_code == 0);
  const auto pair = run_host("run " + quoted(dir / "p.toml") + " --set runtime.output_dir=two --nproc 2");
  INFO(pair.output);
  REQUIRE(pair.exit_code == 0);
  CHECK_THAT(pair.output, Contains("ranks 0-1 started") && Contains("2 ranks over gloo"));
  // Rank 0 alone reports: one result table, not two.
  CHECK(std::count(pair.output.begin(), pair.output.end(), '\n') > 0);
  CHECK(pair.output.find("best epoch / run") == pair.output.rfind("best epoch / run"));
  for (const char* file : {"pretrain-best.pt", "pretrain-last.pt", "finetune-best.pt"})
    check_same_weights(dir / "one" / "checkpoints" / file, dir / "two" / "checkpoints" / file);
  const std::string report = read_file(dir / "two" / "report.json");
  CHECK_THAT(report, Contains("\"world_size\": 2") && Contains("\"backend\": \"gloo\""));
  CHECK_THAT(read_file(dir / "one" / "report.json"), Contains("\"world_size\": 1"));
  // The reports agree: every test metric (computed from the gathered predictions of the
  // sharded test set) and every validation loss of metrics.csv, to float tolerance.
  const auto metrics_of = [](const std::string& text) {
    std::vector<double> values;
    const std::regex metric("\"(loss|auroc|aupr|accuracy|best_valid_loss)\": ([-0-9.eE+]+)");
    for (auto it = std::sregex_iterator(text.begin(), text.end(), metric); it != std::sregex_iterator(); ++it)
      values.push_back(std::stod((*it)[2]));
    return values;
  };
  const auto single_metrics = metrics_of(read_file(dir / "one" / "report.json"));
  const auto pair_metrics = metrics_of(report);
  REQUIRE(single_metrics.size() == pair_metrics.size());
  REQUIRE(single_metrics.size() >= 8);
  for (std::size_t i = 0; i < single_metrics.size(); ++i) CHECK(pair_metrics[i] == Approx(single_metrics[i]).margin(1e-4));

  // The data-parallel run resumes on another number of ranks: once finished, nothing to do.
  const auto resumed = run_host("--log-level warn run " + quoted(dir / "p.toml") +
                                " --set runtime.output_dir=two --resume");
  INFO(resumed.output);
  CHECK(resumed.exit_code == 0);
}

TEST_CASE("sync_batchnorm: two ranks normalise over the global batch, as one process does", "[cli][distributed]") {
  // The ChIP-seq CNN without dropout or augmentation: only batch norm couples the rows.
  evoaug::testing::TempDir dir;
  write_file(dir / "p.toml",
             "[runtime]\ndevice = \"cpu\"\nthreads = 1\nseed = 3\noutput_dir = \"one\"\nsync_batchnorm = true\n\n"
             "[data]\nformat = \"synthetic\"\nnum_sequences = 400\nlength = 100\ntasks = 1\n\n"
             "[model]\ntype = \"chip_cnn\"\nconv1_filters = 8\nconv_dropout = 0.0\ndropout = 0.0\n\n"
             "[pretrain]\naugment = false\nmax_epochs = 2\nbatch_size = 20\n\n[finetune]\nenabled = false\n");
  const std::string run = "--log-level warn run " + quoted(dir / "p.toml");
  REQUIRE(run_host(run).exit_code == 0);
  const auto synced = run_host(run + " --set runtime.output_dir=synced --nproc 2");
  INFO(synced.output);
  REQUIRE(synced.exit_code == 0);
  const auto local = run_host(run + " --set runtime.output_dir=local --set runtime.sync_batchnorm=false --nproc 2");
  REQUIRE(local.exit_code == 0);
  const fs::path one = dir / "one" / "checkpoints" / "pretrain-last.pt";
  // Weights and running statistics agree (the dense layer's bias before its batch norm
  // gets a gradient that is rounding noise, which Adam scales up to a step: hence atol).
  check_same_weights(one, dir / "synced" / "checkpoints" / "pretrain-last.pt", 1e-3, 2e-3);
  // Each rank's own statistics train another model: the comparison can tell.
  CHECK(largest_difference(one, dir / "local" / "checkpoints" / "pretrain-last.pt") > 0.05);
}

TEST_CASE("evoaug run --nproc: a rank killed mid-run stops the job, named, and the checkpoint resumes",
          "[cli][distributed]") {
  evoaug::testing::TempDir dir;
  write_file(dir / "p.toml", chip_pipeline(8));
  // Once the first checkpoint exists, rank 1 is killed with SIGKILL.
  const fs::path checkpoint = dir / "out" / "checkpoints" / "pretrain-last.pt";
  const auto start = std::chrono::steady_clock::now();
  const std::string output =
      evoaug::testing::run_host_interrupted(dir.path(), "run p.toml --nproc 2", checkpoint,
                                            std::string("kill -9 ") + kRankOnePid);
  // The launcher stops the survivor at once, long before its collectives would time out.
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(30));
  INFO(output);
  CHECK_THAT(output, Contains("rank 1 (pid") && Contains("signal 9") && Contains("the other ranks were stopped"));
  CHECK(exit_status_in(output) == "137");
  // What rank 0 wrote before is whole, and the run continues from it.
  const auto saved = evoaug::read_checkpoint(checkpoint);
  CHECK(saved.state.epoch >= 1);
  CHECK(saved.state.generator_states.count("default/rank1") == 1);  // every rank's random state
  CHECK_FALSE(fs::exists(dir / "out" / "report.json"));
  const auto resumed = run_host("run " + quoted(dir / "p.toml") + " --resume --nproc 2");
  INFO(resumed.output);
  CHECK(resumed.exit_code == 0);
  CHECK_THAT(resumed.output, Contains("resuming after epoch"));
  CHECK_THAT(read_file(dir / "out" / "report.json"), Contains("\"world_size\": 2"));
}

TEST_CASE("evoaug run --nproc: Ctrl-C stops every rank after a batch, saved; --resume finishes the run",
          "[cli][distributed]") {
  evoaug::testing::TempDir dir;
  write_file(dir / "p.toml", chip_pipeline(8));
  // SIGINT to the launcher alone (as a terminal's Ctrl-C reaches it): it forwards it.
  const std::string output = evoaug::testing::run_host_interrupted(
      dir.path(), "run p.toml --nproc 2", dir / "out" / "checkpoints" / "pretrain-last.pt", "kill -INT $pid");
  INFO(output);
  CHECK_THAT(output, Contains("interrupted"));
  CHECK(exit_status_in(output) == "130");
  CHECK_FALSE(output.find("ended with") != std::string::npos);  // not reported as a failure
  const auto resumed = run_host("--log-level warn run " + quoted(dir / "p.toml") + " --resume --nproc 2");
  INFO(resumed.output);
  CHECK(resumed.exit_code == 0);
  CHECK_THAT(read_file(dir / "out" / "report.json"), Contains("\"epochs_run\": 8"));
}

TEST_CASE("a rank that stops answering makes the others fail after distributed_timeout_s, naming it",
          "[cli][distributed]") {
  evoaug::testing::TempDir dir;
  write_file(dir / "p.toml", chip_pipeline(30));
  const fs::path checkpoint = dir / "out" / "checkpoints" / "pretrain-last.pt";
  // Rank 1 is frozen (SIGSTOP): no exit for the launcher to see; rank 0 must time out.
  const auto start = std::chrono::steady_clock::now();
  const std::string output = evoaug::testing::run_host_interrupted(
      dir.path(), "run p.toml --nproc 2 --set runtime.distributed_timeout_s=3", checkpoint,
      std::string("kill -STOP ") + kRankOnePid);
  INFO(output);
  CHECK_THAT(output, Contains("rank 0 of 2") && Contains("distributed_timeout_s = 3 s"));
  CHECK_THAT(output, Contains("rank 0 (pid") && Contains("the other ranks were stopped"));
  CHECK(exit_status_in(output) != "0");
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(60));
  CHECK_NOTHROW(evoaug::read_checkpoint(checkpoint));
}

TEST_CASE("a rank that cannot reach the rendezvous, or holds a busy port, fails with a clear error",
          "[cli][distributed]") {
  evoaug::testing::TempDir dir;
  write_file(dir / "p.toml", chip_pipeline(1));
  // Rank 1 of 2 with nobody listening: the rendezvous's timeout, then the error.
  const auto lonely = run_host_with("RANK=1 WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=1",
                                    "--log-level warn run " + quoted(dir / "p.toml") +
                                        " --set runtime.distributed_timeout_s=2");
  INFO(lonely.output);
  CHECK(lonely.exit_code != 0);
  CHECK_THAT(lonely.output, Contains("rank 1 of 2") && Contains("cannot reach the rendezvous at 127.0.0.1:1"));
  // --nproc inside a job that already has ranks, and a count that is no count.
  const auto nested = run_host_with("RANK=0 WORLD_SIZE=2", "--log-level warn run " + quoted(dir / "p.toml") + " --nproc 2");
  CHECK(nested.exit_code != 0);
  CHECK_THAT(nested.output, Contains("already a rank of a job (WORLD_SIZE is set)"));
  const auto zero = run_host("--log-level warn run " + quoted(dir / "p.toml") + " --nproc 0");
  CHECK(zero.exit_code != 0);
  CHECK_THAT(zero.output, Contains("--nproc 0: the number of processes must be 1 to 1024"));
  // A batch too small to share.
  const auto small = run_host("--log-level warn run " + quoted(dir / "p.toml") +
                              " --set pretrain.batch_size=2 --nproc 2");
  INFO(small.output);
  CHECK(small.exit_code != 0);
  CHECK_THAT(small.output, Contains("[pretrain] batch_size = 2 cannot be shared by 2 ranks"));
  CHECK_FALSE(fs::exists(dir / "out" / "report.json"));
}

TEST_CASE("NCCL runs on two GPUs where LibTorch has NCCL", "[cli][distributed][cuda]") {
  if (!EVOAUG_WITH_NCCL) EVOAUG_SKIP("this LibTorch has no NCCL (a CPU build): the NCCL path is not compiled");
  if (torch::cuda::device_count() < 2) EVOAUG_SKIP("NCCL needs two GPUs, this machine has fewer");
  evoaug::testing::TempDir dir;
  write_file(dir / "p.toml", chip_pipeline(1));
  const auto run = run_host("--log-level warn run " + quoted(dir / "p.toml") +
                            " --set runtime.device=cuda --set runtime.backend=nccl --nproc 2");
  INFO(run.output);
  CHECK(run.exit_code == 0);
  CHECK_THAT(read_file(dir / "out" / "report.json"), Contains("\"backend\": \"nccl\""));
}
