// docs/reliability.md, "Faults while writing": a disk that fails under a run (a failing
// fsync, a failing rename, a write that finds the disk full), injected into the `evoaug`
// host with the LD_PRELOAD library of tests/support/fault_injection.cpp, and kill -9 at
// many random moments. After each, every file of the run folder is whole (the earlier
// version or the new one, never part of one), the error names the file and the system's
// reason, no temporary is left, and --resume finishes the run.
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <string>

#include "catch.h"
#include "run_folder.h"
#include "test_config.h"
#include "test_support.h"
#include "train/checkpoint.h"

namespace fs = std::filesystem;
using evoaug::testing::comparable;
using evoaug::testing::Contains;
using evoaug::testing::HostRun;
using evoaug::testing::promised_outputs;
using evoaug::testing::quoted;
using evoaug::testing::read_file;
using evoaug::testing::run_host;
using evoaug::testing::run_host_with;
using evoaug::testing::TempDir;
using evoaug::testing::temporaries_in;
using evoaug::testing::tiny_pipeline;
using evoaug::testing::write_file;

namespace {

// `evoaug run P.toml` with one file operation failing (EVOAUG_FAULT=OP:TEXT:SKIP).
HostRun run_with_fault(const fs::path& pipeline, const std::string& fault) {
  return run_host_with("LD_PRELOAD=" + std::string(EVOAUG_TEST_FAULT_LIBRARY) + " EVOAUG_FAULT='" + fault + "'",
                       "--log-level warn run " + quoted(pipeline));
}

// The data rows of metrics.csv (its lines after the header).
long metrics_rows(const fs::path& out) {
  const std::string text = read_file(out / "metrics.csv");
  return static_cast<long>(std::count(text.begin(), text.end(), '\n')) - 1;
}

// Every file a resume would read is whole: each checkpoint passes the reader's size and
// checksum verification, report.json is a complete JSON object, metrics.csv ends its
// last line. Returns the epochs of pretrain-last.pt (-1 when absent).
int require_whole_run_folder(const fs::path& out) {
  int epochs = -1;
  if (fs::exists(out / "checkpoints"))
    for (const auto& entry : fs::directory_iterator(out / "checkpoints")) {
      if (entry.path().extension() != ".pt") continue;
      INFO(entry.path());
      REQUIRE_NOTHROW(evoaug::read_checkpoint(entry.path()));
      if (entry.path().filename() == "pretrain-last.pt") epochs = evoaug::read_checkpoint(entry.path()).state.epoch;
    }
  if (fs::exists(out / "report.json")) {
    const std::string report = read_file(out / "report.json");
    CHECK(report.rfind("{", 0) == 0);
    CHECK(report.substr(report.find_last_not_of("\n"), 1) == "}");
  }
  if (fs::exists(out / "metrics.csv")) {
    const std::string metrics = read_file(out / "metrics.csv");
    CHECK((metrics.empty() || metrics.back() == '\n'));
  }
  return epochs;
}

void require_resume_finishes(const fs::path& pipeline, const fs::path& out, const fs::path& reference) {
  const HostRun resumed = run_host("--log-level warn run " + quoted(pipeline) + " --resume");
  INFO(resumed.output);
  REQUIRE(resumed.exit_code == 0);
  for (const auto& file : promised_outputs(out, {"pretrain", "finetune"})) CHECK(fs::exists(file));
  CHECK(temporaries_in(out).empty());
  CHECK(comparable(read_file(out / "report.json")) == comparable(read_file(reference)));
}

// A finished run of the same pipeline, to compare the resumed ones with.
struct Reference {
  TempDir dir;
  fs::path report;
  int milliseconds = 0;  ///< how long the run took, start-up included
  explicit Reference(const std::string& pipeline) {
    write_file(dir / "p.toml", pipeline);
    const auto start = std::chrono::steady_clock::now();
    const HostRun run = run_host("--log-level warn run " + quoted(dir / "p.toml"));
    milliseconds = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count());
    INFO(run.output);
    REQUIRE(run.exit_code == 0);
    report = dir / "out" / "report.json";
  }
};

}  // namespace

TEST_CASE("A failing fsync or rename while a run writes leaves the earlier files whole, names the file, and --resume "
          "finishes",
          "[reliability][faults]") {
  const std::string pipeline = tiny_pipeline(3);
  const Reference reference(pipeline);
  struct Case {
    std::string fault, file, reason;
  };
  // Each fault hits the file's second write (its first, epoch 1's, succeeds): one call per
  // write for rename; two fsyncs per write (the data, then the name) for fsync.
  const std::vector<Case> cases = {
      {"fsync:metrics.csv.tmp-:2", "metrics.csv", "Input/output error"},
      {"rename:pretrain-last.pt:1", "pretrain-last.pt", "No space left on device"},
      {"write:pretrain-best.pt.tmp-:1", "pretrain-best.pt", "No space left on device"},
      {"rename:report.json:0", "report.json", "No space left on device"},
  };
  for (const Case& c : cases) {
    DYNAMIC_SECTION(c.fault) {
      TempDir dir;
      write_file(dir / "p.toml", pipeline);
      const fs::path out = dir / "out";
      const HostRun failed = run_with_fault(dir / "p.toml", c.fault);
      INFO(failed.output);
      CHECK(failed.exit_code == 1);
      CHECK_THAT(failed.output, Contains("cannot write '") && Contains(c.file + "': " + c.reason));
      CHECK_THAT(failed.output, !Contains("frame #") && !Contains("terminate"));
      CHECK(temporaries_in(out).empty());  // the failed write removed its temporary
      const int epochs = require_whole_run_folder(out);
      if (c.file != "report.json") {
        CHECK(epochs >= 1);               // epoch 1's checkpoint is there and whole
        CHECK(metrics_rows(out) >= 1);    // and its row
      }
      require_resume_finishes(dir / "p.toml", out, reference.report);
    }
  }
}

TEST_CASE("kill -9 at many random moments of a run never leaves a file a resume would trust half-written",
          "[reliability][faults][kill]") {
  const std::string pipeline = tiny_pipeline(4, 600);
  const Reference reference(pipeline);
  TempDir dir;
  write_file(dir / "p.toml", pipeline);
  const fs::path out = dir / "out";
  // The moments come from Catch's seed (--rng-seed), so a failure can be replayed.
  std::mt19937 random(Catch::rngSeed());
  // Anywhere from start-up to the end of an uninterrupted run.
  std::uniform_int_distribution<int> moment_ms(100, std::max(200, reference.milliseconds * 9 / 10));
  int killed = 0;
  for (int attempt = 0; attempt < 8; ++attempt) {
    const int ms = moment_ms(random);
    const std::string resume = fs::exists(out / "checkpoints") ? " --resume" : " --overwrite";
    // timeout sends SIGKILL after `ms`; its status is then 128 + 9.
    const HostRun run = evoaug::testing::run_host_with(
        "", "--log-level warn run " + quoted(dir / "p.toml") + resume + " & pid=$!; sleep " +
                std::to_string(ms / 1000.0) + "; kill -KILL $pid 2>/dev/null; wait $pid");
    INFO("attempt " << attempt << ", killed after " << ms << " ms: " << run.output);
    if (run.exit_code == 128 + SIGKILL) ++killed;
    else REQUIRE(run.exit_code == 0);  // finished before the kill
    require_whole_run_folder(out);
    if (run.exit_code == 0) fs::remove_all(out);  // start again, to be killed another time
  }
  CHECK(killed >= 4);  // most moments fell inside the run
  if (!fs::exists(out / "checkpoints")) fs::remove_all(out);
  require_resume_finishes(dir / "p.toml", out, reference.report);
}
