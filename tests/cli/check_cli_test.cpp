// `evoaug check` finds what a run would find, and the command line reads as users type it
// (issue 17).
#include "catch.h"

#include <torch/cuda.h>

#include "test_config.h"
#include "test_support.h"

namespace fs = std::filesystem;
using evoaug::testing::Contains;
using evoaug::testing::run_host;
using evoaug::testing::write_file;

namespace {

std::string quoted(const fs::path& p) { return "'" + p.string() + "'"; }

// A FASTA pipeline over `fasta` and `labels`, default length policy (error).
std::string fasta_pipeline() {
  return "[runtime]\nthreads = 1\noutput_dir = \"out\"\n\n"
         "[data]\npath = \"x.fa\"\nlabels = \"y.tsv\"\n\n"
         "[model]\ntype = \"chip_cnn\"\nconv1_filters = 8\n";
}

// `count` sequences of `length` nt (the one at `odd`, if any, one longer), labelled.
void write_fasta(const evoaug::testing::TempDir& dir, int count, int length, int odd = -1, int labelled = -1) {
  std::string fasta, labels = "id\tbound\n";
  for (int i = 0; i < count; ++i) {
    std::string seq;
    for (int j = 0; j < length + (i == odd ? 1 : 0); ++j) seq += "ACGT"[(i * 7 + j * 3) % 4];
    fasta += ">s" + std::to_string(i) + "\n" + seq + "\n";
    if (labelled < 0 || i < labelled) labels += "s" + std::to_string(i) + "\t" + std::to_string(i % 2) + "\n";
  }
  write_file(dir / "x.fa", fasta);
  write_file(dir / "y.tsv", labels);
}

}  // namespace

TEST_CASE("evoaug check loads the data as run does and finds what run would refuse", "[cli][check]") {
  evoaug::testing::TempDir dir;
  write_file(dir / "p.toml", fasta_pipeline());

  write_fasta(dir, 120, 60);
  const auto good = run_host("--log-level warn check " + quoted(dir / "p.toml"));
  INFO(good.output);
  CHECK(good.exit_code == 0);
  CHECK_THAT(good.output, Contains("data checked:") && Contains("sequences of length 60"));

  // One sequence longer than the rest, deep in the file: the header (the first record)
  // looks fine; loading does not.
  write_fasta(dir, 120, 60, 117);
  const auto uneven = run_host("--log-level warn check " + quoted(dir / "p.toml"));
  INFO(uneven.output);
  CHECK(uneven.exit_code == 1);
  CHECK_THAT(uneven.output, Contains("x.fa") && Contains("length"));
  const auto header_only = run_host("--log-level warn check " + quoted(dir / "p.toml") + " --header-only");
  CHECK(header_only.exit_code == 0);

  // Labels missing for the last 30 ids.
  write_fasta(dir, 120, 60, -1, 90);
  const auto unlabelled = run_host("--log-level warn check " + quoted(dir / "p.toml"));
  INFO(unlabelled.output);
  CHECK(unlabelled.exit_code == 1);
  CHECK_THAT(unlabelled.output, Contains("s90"));
}

TEST_CASE("global options are taken anywhere on the command line", "[cli]") {
  evoaug::testing::TempDir dir;
  write_file(dir / "p.toml", fasta_pipeline());
  write_fasta(dir, 60, 40);
  const auto after = run_host("check " + quoted(dir / "p.toml") + " --log-level warn");
  INFO(after.output);
  CHECK(after.exit_code == 0);
  CHECK_THAT(after.output, !Contains("[info]"));
  const auto before = run_host("--log-level=warn check " + quoted(dir / "p.toml"));
  CHECK(before.exit_code == 0);
  CHECK(before.output == after.output);
  const auto bad = run_host("check " + quoted(dir / "p.toml") + " --log-level loud");
  CHECK(bad.exit_code == 1);
  CHECK_THAT(bad.output, Contains("--log-level") && Contains("'loud'"));
}

TEST_CASE("an override gives a string key the text as typed and can append an op", "[cli][check]") {
  evoaug::testing::TempDir dir;
  write_file(dir / "p.toml", fasta_pipeline());
  write_fasta(dir, 60, 40);
  const auto run = run_host("--log-level warn check " + quoted(dir / "p.toml") +
                            " --set runtime.output_dir=nan --set 'augment.ops.+={type = \"inversion\"}' --resolved");
  INFO(run.output);
  CHECK(run.exit_code == 0);
  CHECK_THAT(run.output, Contains("output_dir = 'nan'") || Contains("output_dir = \"nan\""));
  CHECK_THAT(run.output, Contains("inversion"));
  const auto unknown = run_host("check " + quoted(dir / "p.toml") + " --set bogus.x=1");
  CHECK(unknown.exit_code == 1);
  CHECK_THAT(unknown.output, Contains("--set bogus.x=1") && Contains("unknown table"));
}

TEST_CASE("a run logs its output folder as an absolute path first", "[cli][train]") {
  evoaug::testing::TempDir dir;
  write_file(dir / "p.toml", fasta_pipeline() +
                                 "\n[pretrain]\nmax_epochs = 1\nbatch_size = 16\n[finetune]\nenabled = false\n");
  write_fasta(dir, 80, 40);
  const auto run = run_host("pretrain " + quoted(dir / "p.toml"));
  INFO(run.output);
  REQUIRE(run.exit_code == 0);
  CHECK_THAT(run.output, Contains("output folder: " + (dir.path() / "out").lexically_normal().string()));
}

TEST_CASE("evoaug plugin check --device cuda without CUDA says so and checks nothing", "[cli]") {
  if (torch::cuda::is_available()) EVOAUG_SKIP("this machine has CUDA: the checks run there");
  const auto run = run_host("plugin check " + evoaug::testing::fixture_plugin("good").string() + " --device cuda");
  INFO(run.output);
  CHECK(run.exit_code == 1);
  CHECK_THAT(run.output, Contains("no CUDA device") && Contains("nothing was checked"));
  CHECK_THAT(run.output, !Contains("FAIL"));
}

TEST_CASE("the flag --require-device turns the CPU fallback for a missing CUDA device into an error", "[cli][train]") {
  if (torch::cuda::is_available()) EVOAUG_SKIP("this machine has CUDA: there is no fallback to refuse");
  evoaug::testing::TempDir dir;
  write_file(dir / "p.toml", fasta_pipeline() + "\n[pretrain]\nmax_epochs = 1\nbatch_size = 16\n");
  write_fasta(dir, 80, 40);
  const auto refused = run_host("pretrain " + quoted(dir / "p.toml") + " --set runtime.device=cuda --require-device");
  INFO(refused.output);
  CHECK(refused.exit_code == 1);
  CHECK_THAT(refused.output, Contains("require_device") && Contains("CUDA is not available"));
  CHECK_FALSE(fs::exists(dir / "out" / "report.json"));
  const auto fallback = run_host("pretrain " + quoted(dir / "p.toml") + " --set runtime.device=cuda");
  INFO(fallback.output);
  CHECK(fallback.exit_code == 0);
  CHECK_THAT(fallback.output, Contains("falling back to the CPU"));
  const auto misplaced = run_host("plugins --require-device");
  CHECK(misplaced.exit_code == 1);
  CHECK_THAT(misplaced.output, Contains("--require-device applies to run"));
}
