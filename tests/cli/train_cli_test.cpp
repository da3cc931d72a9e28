// The training commands end to end, through the built `evoaug` binary.
#include "catch.h"

#include <sstream>

#include "test_config.h"
#include "test_support.h"

using evoaug::testing::without_timings;

namespace fs = std::filesystem;
using evoaug::testing::Contains;
using evoaug::testing::read_file;
using evoaug::testing::run_host;
using evoaug::testing::write_file;

namespace {

std::string tiny_pipeline(const std::string& extra = "") {
  return "[runtime]\ndevice = \"cpu\"\nthreads = 1\nseed = 2\noutput_dir = \"out\"\n\n"
         "[data]\nformat = \"synthetic\"\nnum_sequences = 200\nlength = 80\ntasks = 1\n\n"
         "[model]\ntype = \"chip_cnn\"\nconv1_filters = 8\n\n"
         "[augment]\nmax_augs_per_seq = 1\n[[augment.ops]]\ntype = \"mutation\"\nmutate_frac = 0.05\n\n"
         "[pretrain]\nmax_epochs = 2\nbatch_size = 32\n\n[finetune]\nmax_epochs = 1\nbatch_size = 32\n" + extra;
}


std::string quoted(const fs::path& p) { return "'" + p.string() + "'"; }

}  // namespace

TEST_CASE("evoaug run trains both stages, prints the comparison and is reproducible", "[cli][train]") {
  evoaug::testing::TempDir dir;
  write_file(dir / "p.toml", tiny_pipeline());
  const auto first = run_host("run " + quoted(dir / "p.toml"));
  INFO(first.output);
  REQUIRE(first.exit_code == 0);
  CHECK_THAT(first.output, Contains("test metric") && Contains("pretrain") && Contains("finetune") &&
                               Contains("auroc") && Contains("report: "));
  CHECK_THAT(first.output, Contains("pretrain epoch 2:"));  // not a terminal: a log line per epoch
  const std::string report = read_file(dir / "out" / "report.json");
  CHECK_THAT(report, Contains("\"finetune\": {") && Contains("\"auroc\""));

  // The same folder again: refused (the earlier results stay) unless --overwrite.
  const auto refused = run_host("--log-level warn run " + quoted(dir / "p.toml"));
  CHECK(refused.exit_code != 0);
  CHECK_THAT(refused.output, Contains("already holds an earlier run") && Contains("--overwrite"));
  CHECK(read_file(dir / "out" / "report.json") == report);
  const auto second = run_host("--log-level warn run " + quoted(dir / "p.toml") + " --overwrite");
  INFO(second.output);
  REQUIRE(second.exit_code == 0);
  CHECK(without_timings(read_file(dir / "out" / "report.json")) == without_timings(report));

  // The checkpoint carries its configuration: no pipeline file needed.
  const auto checkpoint = dir / "out" / "checkpoints" / "finetune-best.pt";
  const auto evaluated = run_host("--log-level warn evaluate --checkpoint " + quoted(checkpoint));
  INFO(evaluated.output);
  CHECK(evaluated.exit_code == 0);
  CHECK_THAT(evaluated.output, Contains("auroc") && Contains("loss"));

  std::string fasta;
  for (int i = 0; i < 3; ++i) fasta += ">seq" + std::to_string(i) + "\n" + std::string(80, "ACGT"[i]) + "\n";
  write_file(dir / "x.fa", fasta);
  const auto predicted = run_host("--log-level warn predict --checkpoint " + quoted(checkpoint) + " --in " +
                                  quoted(dir / "x.fa") + " --out " + quoted(dir / "p.tsv"));
  INFO(predicted.output);
  REQUIRE(predicted.exit_code == 0);
  const std::string tsv = read_file(dir / "p.tsv");
  CHECK(std::count(tsv.begin(), tsv.end(), '\n') == 4);
  CHECK_THAT(tsv, Contains("seq0\t") && Contains("seq2\t"));
}

TEST_CASE("SIGTERM stops a run with a checkpoint and the command to resume it", "[cli][train][signal]") {
  evoaug::testing::TempDir dir;
  write_file(dir / "p.toml", tiny_pipeline() + "\n[evaluate]\nbatch_size = 64\n");
  const std::string pipeline = quoted(dir / "p.toml");
  // Wait for the first epoch's row, then send SIGTERM; the run has two more epochs to go.
  const auto stopped = run_host("run " + pipeline + " --set pretrain.max_epochs=30 --set pretrain.patience=0 "
                                "--set data.num_sequences=2000 2>&1 & pid=$!; "
                                "for i in $(seq 600); do [ -s " + quoted(dir / "out" / "metrics.csv") +
                                " ] && break; kill -0 $pid 2>/dev/null || break; sleep 0.1; done; "
                                "kill -TERM $pid; wait $pid");
  INFO(stopped.output);
  CHECK(stopped.exit_code == 130);
  CHECK_THAT(stopped.output, Contains("interrupted") && Contains("to continue: evoaug run") && Contains("--resume"));
  CHECK(fs::exists(dir / "out" / "checkpoints" / "pretrain-last.pt"));
  CHECK_FALSE(fs::exists(dir / "out" / "report.json"));
}

TEST_CASE("evoaug check validates the example pipelines", "[cli][check]") {
  const fs::path examples = fs::path(EVOAUG_TEST_SOURCE_DIR) / "examples";
  const auto quickstart = run_host("--log-level warn check " + quoted(examples / "quickstart.toml"));
  INFO(quickstart.output);
  CHECK(quickstart.exit_code == 0);
  CHECK_THAT(quickstart.output, Contains("model: chip_cnn") && Contains("parameters") && Contains(": ok"));
  for (const char* name : {"deepstarr.toml", "basset.toml", "chipseq.toml"}) {
    const auto run = run_host("--log-level warn check " + quoted(examples / name));
    INFO(name << "\n" << run.output);
    CHECK(run.exit_code == 0);
    CHECK_THAT(run.output, Contains(": ok"));
  }
}

TEST_CASE("A bad pipeline file is a positioned error", "[cli][check]") {
  evoaug::testing::TempDir dir;
  write_file(dir / "typo.toml", tiny_pipeline().replace(0, 9, "[runtime]\nthreds = 2"));
  const auto typo = run_host("run " + quoted(dir / "typo.toml"));
  CHECK(typo.exit_code == 1);
  CHECK_THAT(typo.output, Contains("typo.toml:2:1") && Contains("did you mean 'threads'"));
  write_file(dir / "good.toml", tiny_pipeline());
  const auto set = run_host("check " + quoted(dir / "good.toml") + " --set pretrain.max_epochs=-1");
  CHECK(set.exit_code == 1);
  CHECK_THAT(set.output, Contains("--set pretrain.max_epochs=-1") && Contains("max_epochs"));
}
