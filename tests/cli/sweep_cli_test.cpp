// `evoaug sweep` end to end on a tiny synthetic pipeline: every point as its own run,
// a resumed sweep runs only what is missing, --collect, --emit slurm, an invalid value
// named before anything runs, and the thread budget.
#include "catch.h"

#include <fstream>

#include "test_support.h"

namespace fs = std::filesystem;
using evoaug::testing::Contains;
using evoaug::testing::read_file;
using evoaug::testing::run_host;
using evoaug::testing::write_file;

namespace {

const char* kPipeline =
    "[runtime]\ndevice = \"cpu\"\nthreads = 1\nseed = 2\noutput_dir = \"out\"\n\n"
    "[data]\nformat = \"synthetic\"\nnum_sequences = 160\nlength = 80\ntasks = 1\n\n"
    "[model]\ntype = \"chip_cnn\"\nconv1_filters = 4\n\n"
    "[augment]\nmax_augs_per_seq = 1\n[[augment.ops]]\ntype = \"mutation\"\nmutate_frac = 0.05\n\n"
    "[pretrain]\nmax_epochs = 1\nbatch_size = 32\n\n[finetune]\nmax_epochs = 1\nbatch_size = 32\n";

const char* kSweep =
    "base = \"pipeline.toml\"\n"
    "[axes]\n\"pretrain.max_epochs\" = [1, 2]\n\"runtime.seed\" = [1, 2]\n"
    "[baseline]\n\"pretrain.max_epochs\" = 1\n";

std::string quoted(const fs::path& p) { return "'" + p.string() + "'"; }

std::size_t count_lines_with(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("evoaug sweep runs each point once, resumes only what is missing, and collects", "[cli][sweep]") {
  evoaug::testing::TempDir dir;
  write_file(dir / "pipeline.toml", kPipeline);
  write_file(dir / "sweep.toml", kSweep);
  const fs::path out = dir / "sweep";
  const auto first = run_host("sweep " + quoted(dir / "sweep.toml") + " --jobs 1 --threads 1");
  INFO(first.output);
  REQUIRE(first.exit_code == 0);
  CHECK_THAT(first.output, Contains("4 of 4 points finished (4 now, 0 before)"));
  const std::vector<std::string> names{"max_epochs-1_seed-1", "max_epochs-1_seed-2", "max_epochs-2_seed-1",
                                       "max_epochs-2_seed-2"};
  for (const auto& name : names) {
    CHECK(fs::exists(out / name / "sweep-point.done"));
    CHECK(fs::exists(out / name / "report.html"));  // every run writes its page
  }
  CHECK_THAT(read_file(out / names[2] / "report.json"), Contains("\"epochs_run\": 2"));
  const std::string rows = read_file(out / "sweep.csv");
  CHECK(count_lines_with(rows, ",finished,") == 4);
  const std::string summary = read_file(out / "summary.csv");
  CHECK_THAT(summary, Contains("\nmax_epochs-1,1,yes,2,") && Contains("\nmax_epochs-2,2,,2,"));
  CHECK_THAT(read_file(out / "report.html"), Contains("against pretrain.max_epochs"));

  // An interrupted sweep: one point never ran, one ran but was not marked finished.
  fs::remove_all(out / names[1]);
  fs::remove(out / names[3] / "sweep-point.done");
  const auto untouched = fs::last_write_time(out / names[0] / "report.json");
  const auto again = run_host("sweep " + quoted(dir / "sweep.toml") + " --jobs 2 --threads 1");
  INFO(again.output);
  REQUIRE(again.exit_code == 0);
  CHECK_THAT(again.output, Contains("2 of 4 points finished already; skipped"));
  CHECK_THAT(again.output, Contains("started " + names[1]) && Contains("resuming " + names[3]));
  CHECK_THAT(again.output, !Contains("started " + names[0]) && !Contains("started " + names[2]));
  CHECK_THAT(again.output, Contains("4 of 4 points finished (2 now, 2 before)"));
  CHECK(fs::last_write_time(out / names[0] / "report.json") == untouched);

  fs::remove(out / names[0] / "report.html");
  const auto report = run_host("report " + quoted(out / names[0]));
  CHECK(report.exit_code == 0);
  CHECK_THAT(read_file(out / names[0] / "report.html"), Contains("Learning curves: finetune"));

  const auto collected = run_host("sweep " + quoted(dir / "sweep.toml") + " --collect");
  CHECK(collected.exit_code == 0);
  CHECK_THAT(collected.output, Contains("4 of 4 points finished"));

  const auto emitted = run_host("sweep " + quoted(dir / "sweep.toml") + " --emit slurm --out " + quoted(dir / "cluster"));
  INFO(emitted.output);
  REQUIRE(emitted.exit_code == 0);
  const std::string script = read_file(dir / "cluster" / "sweep.slurm");
  CHECK_THAT(script, Contains("#SBATCH --array=0-3\n"));
  CHECK_THAT(script, Contains("--set pretrain.max_epochs=2 --set runtime.seed=2 --set runtime.output_dir=" +
                              (dir / "cluster" / names[3]).string()));
}

TEST_CASE("evoaug report names a folder that holds no run", "[cli][sweep]") {
  evoaug::testing::TempDir dir;
  CHECK_THAT(run_host("report " + quoted(dir.path())).output, Contains("holds no report.json"));
}

TEST_CASE("a sweep value the pipeline rejects is named, with its axis, before anything runs", "[cli][sweep]") {
  evoaug::testing::TempDir dir;
  write_file(dir / "pipeline.toml", kPipeline);
  write_file(dir / "sweep.toml", "base = \"pipeline.toml\"\n[axes]\n\"pretrain.max_epochs\" = [1, -2]\n");
  const auto run = run_host("sweep " + quoted(dir / "sweep.toml"));
  INFO(run.output);
  CHECK(run.exit_code == 1);
  CHECK_THAT(run.output, Contains("axis \"pretrain.max_epochs\" = -2 (point max_epochs--2)"));
  CHECK_FALSE(fs::exists(dir / "sweep"));
  write_file(dir / "sweep.toml", "base = \"pipeline.toml\"\n[axes]\n\"pretrain.no_such_key\" = [1]\n");
  CHECK_THAT(run_host("sweep " + quoted(dir / "sweep.toml")).output, Contains("axis \"pretrain.no_such_key\" = 1"));
  write_file(dir / "sweep.toml", kSweep);
  CHECK_THAT(run_host("sweep " + quoted(dir / "sweep.toml") + " --jobs 4 --threads 100000").output,
             Contains("--jobs 4 x --threads 100000") && Contains("lower --jobs or --threads"));
}
