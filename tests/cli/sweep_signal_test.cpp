// A sweep stopped with Ctrl-C: the running point saves and stops, the rest do not start,
// and running the same command again resumes the stopped point and runs the others.
#include "catch.h"

#include "test_support.h"

namespace fs = std::filesystem;
using evoaug::testing::Contains;
using evoaug::testing::read_file;
using evoaug::testing::run_host;
using evoaug::testing::write_file;

namespace {
std::string quoted(const fs::path& p) { return "'" + p.string() + "'"; }
}  // namespace

TEST_CASE("evoaug sweep stopped by SIGINT saves the running point and resumes it on the next run",
          "[cli][sweep]") {
  evoaug::testing::TempDir dir;
  write_file(dir / "pipeline.toml",
             "[runtime]\ndevice = \"cpu\"\nthreads = 1\nseed = 2\noutput_dir = \"out\"\n\n"
             "[data]\nformat = \"synthetic\"\nnum_sequences = 300\nlength = 80\ntasks = 1\n\n"
             "[model]\ntype = \"chip_cnn\"\nconv1_filters = 4\n\n"
             "[pretrain]\naugment = false\nmax_epochs = 12\nbatch_size = 16\npatience = 0\n\n"
             "[finetune]\nmax_epochs = 1\nbatch_size = 16\n");
  write_file(dir / "sweep.toml", "base = \"pipeline.toml\"\n[axes]\n\"runtime.seed\" = [1, 2, 3]\n");
  // SIGINT to the sweep once its first point has saved an epoch.
  const std::string stopped = evoaug::testing::run_host_interrupted(
      dir.path(), "sweep sweep.toml --jobs 1 --threads 1",
      dir / "sweep" / "seed-1" / "checkpoints" / "pretrain-last.pt", "kill -INT $pid");
  INFO(stopped);
  CHECK_THAT(stopped, Contains("sweep: stopping") && Contains("seed-1 stopped; it resumes"));
  CHECK_THAT(stopped, Contains("interrupted") && !Contains("exit=0"));
  CHECK_FALSE(fs::exists(dir / "sweep" / "seed-1" / "sweep-point.done"));
  CHECK_FALSE(fs::exists(dir / "sweep" / "seed-2"));  // never started

  const auto again = run_host("sweep " + quoted(dir / "sweep.toml") + " --jobs 1 --threads 1");
  INFO(again.output);
  REQUIRE(again.exit_code == 0);
  CHECK_THAT(again.output, Contains("resuming seed-1") && Contains("started seed-2") && Contains("started seed-3"));
  CHECK_THAT(again.output, Contains("3 of 3 points finished (3 now, 0 before)"));
  CHECK_THAT(read_file(dir / "sweep" / "seed-1" / "report.json"), Contains("\"epochs_run\": 12"));
}
