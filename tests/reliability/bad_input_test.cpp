// docs/reliability.md, "Bad input is refused, by name, before any work": the `evoaug`
// host driven through labels a loss cannot take, damaged and crafted checkpoints, a
// checkpoint of another sequence length, plugins with null descriptor fields, sizes no
// machine has, and the misleading messages of the reliability issue. Every refusal must
// name what to change and never show a LibTorch backtrace.
#include "catch.h"


#include <unistd.h>

#include <functional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "test_config.h"
#include "damaged_checkpoint.h"
#include "test_support.h"

namespace fs = std::filesystem;
using evoaug::testing::Contains;
using evoaug::testing::run_host;
using evoaug::testing::TempDir;
using evoaug::testing::write_file;

using evoaug::testing::rewrite_largest_record;

namespace {

std::string quoted(const fs::path& p) { return "'" + p.string() + "'"; }

// A pipeline that trains in seconds; `data` replaces its [data] table.
std::string tiny_pipeline(const std::string& data =
                              "format = \"synthetic\"\nnum_sequences = 200\nlength = 80\ntasks = 1\n") {
  return "[runtime]\ndevice = \"cpu\"\nthreads = 1\nseed = 2\noutput_dir = \"out\"\n\n[data]\n" + data +
         "\n[model]\ntype = \"chip_cnn\"\nconv1_filters = 8\n\n"
         "[augment]\nmax_augs_per_seq = 1\n[[augment.ops]]\ntype = \"mutation\"\nmutate_frac = 0.05\n\n"
         "[pretrain]\nmax_epochs = 1\nbatch_size = 32\n\n[finetune]\nmax_epochs = 1\nbatch_size = 32\n";
}

// What a refusal must look like: a non-zero exit (not a crash), the words that say what
// is wrong, and no LibTorch backtrace.
void require_refused(const evoaug::testing::HostRun& run) {
  INFO(run.output);
  CHECK(run.exit_code == 1);
  CHECK_THAT(run.output, !Contains("Exception raised from") && !Contains("frame #") &&
                             !Contains("DefaultCPUAllocator") && !Contains("Segmentation"));
}

// Trains the tiny pipeline in `dir` and returns its fine-tuned checkpoint.
fs::path trained_checkpoint(const TempDir& dir, const std::string& data = "") {
  write_file(dir / "p.toml", data.empty() ? tiny_pipeline() : tiny_pipeline(data));
  const auto run = run_host("--log-level warn run " + quoted(dir / "p.toml"));
  INFO(run.output);
  REQUIRE(run.exit_code == 0);
  return dir / "out" / "checkpoints" / "finetune-best.pt";
}

std::string fasta_of(int count, int length, const std::string& prefix = "s") {
  std::string out;
  for (int i = 0; i < count; ++i) {
    out += ">" + prefix + std::to_string(i) + "\n";
    for (int j = 0; j < length; ++j) out += "ACGT"[(i * 7 + j * (i % 5 + 1)) % 4];
    out += "\n";
  }
  return out;
}

}  // namespace

TEST_CASE("Labels outside [0, 1] for a binary cross-entropy model are refused with file, split and row",
          "[reliability][labels]") {
  TempDir dir;
  // FASTA with a TSV of labels 0/1 and two impossible ones.
  write_file(dir / "x.fa", fasta_of(60, 80));
  std::string labels = "id\tbound\n";
  for (int i = 0; i < 60; ++i) labels += "s" + std::to_string(i) + "\t" + (i == 17 ? "5" : i == 40 ? "-3" : std::to_string(i % 2)) + "\n";
  write_file(dir / "labels.tsv", labels);
  write_file(dir / "fasta.toml", tiny_pipeline("path = \"x.fa\"\nlabels = \"labels.tsv\"\n"));
  const auto fasta = run_host("--log-level warn run " + quoted(dir / "fasta.toml"));
  require_refused(fasta);
  // The label file's line, the sequence and the value (the splits are a random draw).
  CHECK_THAT(fasta.output, Contains("labels.tsv:19: sequence 's17', task 'bound': label 5 is not in [0, 1]") &&
                               Contains("split '") && Contains("loss"));
  CHECK_FALSE(fs::exists(dir / "out" / "report.json"));

  // Continuous labels (the synthetic regression task) with a classifier model.
  const auto synth = run_host("--log-level warn synth --task regression --num-sequences 200 --length 120 --out " +
                              quoted(dir / "regression.h5"));
  INFO(synth.output);
  REQUIRE(synth.exit_code == 0);
  write_file(dir / "hdf5.toml", tiny_pipeline("path = \"regression.h5\"\n"));
  const auto hdf5 = run_host("--log-level warn run " + quoted(dir / "hdf5.toml"));
  require_refused(hdf5);
  CHECK_THAT(hdf5.output, Contains("regression.h5") && Contains("split 'train'") && Contains("not in [0, 1]"));
}

TEST_CASE("A damaged checkpoint is refused with its path by evaluate, predict and finetune",
          "[reliability][checkpoint]") {
  TempDir dir;
  const fs::path good = trained_checkpoint(dir);
  fs::copy_file(good, dir / "short.pt");
  rewrite_largest_record(dir / "short.pt", [](std::string& bytes) { bytes.resize(bytes.size() / 2); });
  fs::copy_file(good, dir / "flipped.pt");
  rewrite_largest_record(dir / "flipped.pt", [](std::string& bytes) { bytes[bytes.size() / 3] ^= 0x20; });
  write_file(dir / "x.fa", fasta_of(3, 80));

  for (const char* name : {"short.pt", "flipped.pt"}) {
    const std::string checkpoint = quoted(dir / name);
    for (const std::string& command :
         {"evaluate --checkpoint " + checkpoint,
          "predict --checkpoint " + checkpoint + " --in " + quoted(dir / "x.fa") + " --out " + quoted(dir / "p.tsv"),
          "finetune --from " + checkpoint + " --set runtime.output_dir=" + quoted(dir / "again")}) {
      const auto run = run_host("--log-level warn " + command);
      require_refused(run);
      CHECK_THAT(run.output, Contains(name) && Contains("is damaged"));
    }
  }
  CHECK_FALSE(fs::exists(dir / "p.tsv"));
  CHECK_FALSE(fs::exists(dir / "again" / "report.json"));

  // A folder given for a checkpoint says so (not "basic_filebuf::underflow error").
  const auto folder = run_host("--log-level warn evaluate --checkpoint " + quoted(dir / "out"));
  require_refused(folder);
  CHECK_THAT(folder.output, Contains("is a folder") && !Contains("underflow"));

  // The intact checkpoint still evaluates.
  const auto evaluated = run_host("--log-level warn evaluate --checkpoint " + quoted(good));
  INFO(evaluated.output);
  CHECK(evaluated.exit_code == 0);
}

TEST_CASE("A checkpoint of another sequence length is refused alike by evaluate, finetune --from and predict",
          "[reliability][checkpoint]") {
  TempDir dir;
  const std::string checkpoint = quoted(trained_checkpoint(dir));
  write_file(dir / "x100.fa", fasta_of(3, 100));
  const std::string length_100 = " --set data.length=100";
  for (const std::string& command :
       {"evaluate --checkpoint " + checkpoint + length_100,
        "finetune --from " + checkpoint + length_100 + " --set runtime.output_dir=" + quoted(dir / "again"),
        "predict --checkpoint " + checkpoint + length_100 + " --in " + quoted(dir / "x100.fa") + " --out " +
            quoted(dir / "p.tsv")}) {
    const auto run = run_host("--log-level warn " + command);
    require_refused(run);
    CHECK_THAT(run.output, Contains("finetune-best.pt") && Contains("trained on input of length 80") &&
                               Contains("length 100"));
  }
  CHECK_FALSE(fs::exists(dir / "p.tsv"));
}

TEST_CASE("A plugin descriptor with a null field is a warning when scanned and an error when loaded",
          "[reliability][plugins]") {
  TempDir dir;
  write_file(dir / "p.toml", tiny_pipeline());
  const std::string folder = quoted(EVOAUG_TEST_MALICIOUS_PLUGIN_DIR);
  const auto listed = run_host("--plugin-path " + folder + " plugins");
  INFO(listed.output);
  CHECK(listed.exit_code == 0);
  CHECK_THAT(listed.output, Contains("evoaug_malicious_null_register") && Contains("register_fn") &&
                                Contains("evoaug_malicious_null_name") && Contains("plugin_name") &&
                                Contains("evoaug_malicious_null_torch") && Contains("torch_version") &&
                                Contains("evoaug_malicious_bad_name") && Contains("'Bad-Name' is not snake_case") &&
                                Contains("mutation"));
  const auto checked = run_host("--plugin-path " + folder + " check " + quoted(dir / "p.toml"));
  INFO(checked.output);
  CHECK(checked.exit_code == 0);

  const auto loaded = run_host("plugin check " + quoted(fs::path(EVOAUG_TEST_MALICIOUS_PLUGIN_DIR) /
                                                        "evoaug_malicious_null_register.so"));
  require_refused(loaded);
  CHECK_THAT(loaded.output, Contains("evoaug_malicious_null_register.so") && Contains("register_fn"));

  // A folder that cannot be read is a listed failure, not an empty folder.
  if (::geteuid() != 0) {
    fs::create_directories(dir / "locked");
    fs::permissions(dir / "locked", fs::perms::none);
    const auto locked = run_host("--plugin-path " + quoted(dir / "locked") + " plugins");
    fs::permissions(dir / "locked", fs::perms::owner_all);
    CHECK_THAT(locked.output, Contains("locked") && Contains("cannot be read"));
  } else {
    WARN("not checked as root (root reads any folder): an unreadable plugin folder");
  }

  // A folder asked for by name that is not there is an error, not a silent skip.
  const auto missing = run_host("--plugin-path " + quoted(dir / "no-such-folder") + " plugins");
  require_refused(missing);
  CHECK_THAT(missing.output, Contains("no-such-folder") && Contains("no such folder"));
}

TEST_CASE("A batch of one is refused by its key: batch_size 1 and a training split of one",
          "[reliability][sizes]") {
  TempDir dir;
  write_file(dir / "p.toml", tiny_pipeline());
  const std::string pipeline = quoted(dir / "p.toml");
  const auto batch = run_host("--log-level warn check " + pipeline + " --set pretrain.batch_size=1");
  require_refused(batch);
  CHECK_THAT(batch.output, Contains("batch_size") && Contains(">= 2"));

  for (const char* command : {"check", "run"}) {
    const auto one = run_host("--log-level warn " + std::string(command) + " " + pipeline +
                              " --set data.num_sequences=400 --set data.downsample=0.001");
    require_refused(one);
    CHECK_THAT(one.output, Contains("downsample") && Contains("at least 2") &&
                               !Contains("Expected more than 1 value per channel"));
  }
}

TEST_CASE("Sizes beyond memory and floats beyond float32 are refused by key before any work",
          "[reliability][sizes]") {
  TempDir dir;
  write_file(dir / "p.toml", tiny_pipeline());
  const std::string pipeline = quoted(dir / "p.toml");
  // 100 million sequences of 10,000 nt: terabytes.
  for (const char* command : {"check", "run"}) {
    const auto huge = run_host("--log-level warn " + std::string(command) + " " + pipeline +
                               " --set data.num_sequences=100000000 --set data.length=10000");
    require_refused(huge);
    CHECK_THAT(huge.output, Contains("num_sequences") && Contains("of memory") && Contains("available"));
  }
  const auto rate = run_host("--log-level warn check " + pipeline + " --set pretrain.learning_rate=1e300");
  require_refused(rate);
  CHECK_THAT(rate.output, Contains("learning_rate") && Contains("32-bit float") &&
                              !Contains("cannot be converted to type float"));
}

TEST_CASE("Messages name the real problem: an empty or missing .h5, a checkpoint's own configuration",
          "[reliability][messages]") {
  TempDir dir;
  write_file(dir / "empty.h5", "");
  const auto empty = run_host("data inspect " + quoted(dir / "empty.h5"));
  require_refused(empty);
  CHECK_THAT(empty.output, Contains("empty.h5") && Contains("0 bytes") && !Contains("FASTA"));
  const auto missing = run_host("data inspect " + quoted(dir / "x.h5"));
  require_refused(missing);
  CHECK_THAT(missing.output, Contains("x.h5") && Contains("does not exist") && !Contains("FASTA"));
  write_file(dir / "h5.toml", tiny_pipeline("path = \"empty.h5\"\n"));
  const auto pipeline = run_host("check " + quoted(dir / "h5.toml"));
  require_refused(pipeline);
  CHECK_THAT(pipeline.output, Contains("[data] path") && Contains("0 bytes") && !Contains("FASTA"));

  // An error in the configuration a checkpoint carries (its data file is gone) names the
  // checkpoint, not a line of a pipeline file that does not have that many.
  const auto synth = run_host("--log-level warn synth --num-sequences 200 --length 80 --out " + quoted(dir / "d.h5"));
  INFO(synth.output);
  REQUIRE(synth.exit_code == 0);
  const std::string checkpoint = quoted(trained_checkpoint(dir, "path = \"d.h5\"\n"));
  fs::remove(dir / "d.h5");
  const auto saved = run_host("--log-level warn evaluate --checkpoint " + checkpoint);
  require_refused(saved);
  CHECK_THAT(saved.output, Contains("finetune-best.pt") && Contains("configuration saved in it") &&
                               Contains("d.h5") && Contains("does not exist"));
}

TEST_CASE("Every file of the fuzz corpus is read or refused with an error, never a crash", "[reliability][fuzz]") {
  // The seed corpus of tests/fuzz and the inputs the fuzzers found (regression-*), through
  // the host as a user would give them: data files to `data inspect`, pipelines (whose
  // leading "--set" lines are overrides) to `check`.
  const fs::path corpus = fs::path(EVOAUG_TEST_SOURCE_DIR) / "tests" / "fuzz" / "corpus";
  int files = 0;
  for (const char* kind : {"fuzz_fasta", "fuzz_hdf5"})
    for (const auto& entry : fs::directory_iterator(corpus / kind)) {
      const auto run = run_host("data inspect " + quoted(entry.path()));
      INFO(entry.path() << ": " << run.output);
      CHECK((run.exit_code == 0 || run.exit_code == 1));
      if (run.exit_code == 1) require_refused(run);
      ++files;
    }
  TempDir dir;
  for (const auto& entry : fs::directory_iterator(corpus / "fuzz_pipeline")) {
    std::istringstream in(evoaug::testing::read_file(entry.path()));
    std::string line, text, sets;
    while (std::getline(in, line)) {
      if (text.empty() && line.rfind("--set ", 0) == 0) sets += " --set " + quoted(fs::path(line.substr(6)));
      else text += line + "\n";
    }
    write_file(dir / "p.toml", text);
    const auto run = run_host("check --header-only " + quoted(dir / "p.toml") + sets);
    INFO(entry.path() << ": " << run.output);
    CHECK((run.exit_code == 0 || run.exit_code == 1));
    if (run.exit_code == 1) require_refused(run);
    ++files;
  }
  CHECK(files >= 9);
}
