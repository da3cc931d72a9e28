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

TEST_CASE("check reports every independent problem of a pipeline in one run, in file order, each positioned",
          "[cli][check]") {
  evoaug::testing::TempDir dir;
  write_file(dir / "bad.toml",
             "[runtime]\nthreds = 1\nseed = -5\n\n"
             "[data]\nformat = \"synthetic\"\nnum_sequences = 200\nlength = 8000000000\n\n"
             "[model]\ntype = \"deepstar\"\n\n"
             "[augment]\n[[augment.ops]]\ntype = \"delition\"\n[[augment.ops]]\ntype = \"insertion\"\ninsert_max = -3\n\n"
             "[pretrain]\nmax_epochs = 0\nlr = 1\n");
  const auto run = run_host("check " + quoted(dir / "bad.toml"));
  INFO(run.output);
  CHECK(run.exit_code == 1);
  const std::vector<std::string> expected = {
      "bad.toml:2:1: [runtime]: unknown key 'threds' (did you mean 'threads'?)",
      "bad.toml:3:8: [runtime]: key 'seed' = -5 is out of range",
      "bad.toml:8:10: [data]: key 'length' = 8000000000 is out of range",
      "bad.toml:11:8: [model]: unknown model 'deepstar' (did you mean 'deepstarr'?)",
      "bad.toml:15:8: [[augment.ops]] #1: unknown augmentation 'delition' (did you mean 'deletion'?)",
      "bad.toml:18:14: [[augment.ops]] #2 insertion: key 'insert_max' = -3 is out of range",
      "bad.toml:21:14: [pretrain]: key 'max_epochs' = 0 is out of range",
      "bad.toml:22:1: [pretrain]: unknown key 'lr'"};
  CHECK_THAT(run.output, Contains(std::to_string(expected.size()) + " problems:"));
  std::size_t at = 0;
  for (const auto& line : expected) {
    const auto found = run.output.find(line, at);
    CHECK(found != std::string::npos);  // present, and after the one before it
    if (found != std::string::npos) at = found;
  }
}

TEST_CASE("check still builds what it can: a bad op beside good data and model is the only problem", "[cli][check]") {
  evoaug::testing::TempDir dir;
  write_file(dir / "p.toml",
             "[data]\nformat = \"synthetic\"\nnum_sequences = 200\nlength = 80\n\n"
             "[model]\ntype = \"chip_cnn\"\nconv1_filters = 8\n\n"
             "[augment]\nmax_augs_per_seq = 2\n[[augment.ops]]\ntype = \"deletion\"\ndelete_max = 500\n");
  const auto run = run_host("check " + quoted(dir / "p.toml"));
  INFO(run.output);
  CHECK(run.exit_code == 1);
  CHECK_THAT(run.output, Contains("p.toml:14:14: [[augment.ops]] #1 deletion: key 'delete_max'") &&
                             !Contains("problems:"));
}
