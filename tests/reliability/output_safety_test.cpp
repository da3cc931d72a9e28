// Nothing a user made is lost (docs/reliability.md): the `evoaug` host driven as a careless
// user or a failing machine would drive it. An output that names an input, a folder, or an
// existing file; fine-tunings and --overwrite against earlier reports; temporaries left by
// kill -9; a disk that fills up while a run writes, then --resume.
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "catch.h"
#include "run_folder.h"
#include "test_support.h"

namespace fs = std::filesystem;
using evoaug::testing::Contains;
using evoaug::testing::HostRun;
using evoaug::testing::read_file;
using evoaug::testing::run_host;
using evoaug::testing::TempDir;
using evoaug::testing::without_timings;
using evoaug::testing::write_file;
using evoaug::testing::comparable;
using evoaug::testing::promised_outputs;
using evoaug::testing::quoted;
using evoaug::testing::temporaries_in;
using evoaug::testing::tiny_pipeline;

namespace {

// A stage's entry in report.json's "stages" (the configuration holds tables of the same
// names, one level up).
const std::string kStagePretrain = "\"pretrain\": {\n      \"epochs_run\"";
const std::string kStageFinetune = "\"finetune\": {\n      \"epochs_run\"";



// A pid that no process has: a child's, once it has exited and been reaped.
pid_t dead_pid() {
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ::waitpid(child, nullptr, 0);
  return child;
}

// Every file under `dir` and its bytes (a link: where it points), to show that a refused
// command changed nothing.
std::map<std::string, std::string> snapshot(const fs::path& dir) {
  std::map<std::string, std::string> out;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    const std::string name = entry.path().lexically_relative(dir).string();
    if (entry.is_symlink()) out[name] = "-> " + fs::read_symlink(entry.path()).string();
    else if (entry.is_regular_file()) out[name] = read_file(entry.path());
    else out[name] = "(folder)";
  }
  return out;
}



std::string fasta(int count, int length) {
  std::string text;
  for (int i = 0; i < count; ++i) text += ">seq" + std::to_string(i) + "\n" + std::string(length, "ACGT"[i % 4]) + "\n";
  return text;
}


// A tmpfs of a given size mounted on a folder for the life of the object (unmounted in
// every path out of the test, failed checks included).
class Tmpfs {
 public:
  Tmpfs(const fs::path& where, std::uint64_t bytes) : where_(where) {
    fs::create_directories(where);
    if (::mount("tmpfs", where.c_str(), "tmpfs", 0, ("size=" + std::to_string(bytes)).c_str()) == 0)
      mounted_ = true;
    else
      error_ = std::strerror(errno);
  }
  ~Tmpfs() {
    if (mounted_) ::umount2(where_.c_str(), MNT_DETACH);
  }
  Tmpfs(const Tmpfs&) = delete;
  Tmpfs& operator=(const Tmpfs&) = delete;
  bool mounted() const { return mounted_; }
  const std::string& error() const { return error_; }
  bool resize(std::uint64_t bytes) {
    return ::mount("tmpfs", where_.c_str(), "tmpfs", MS_REMOUNT, ("size=" + std::to_string(bytes)).c_str()) == 0;
  }

 private:
  fs::path where_;
  bool mounted_ = false;
  std::string error_;
};

std::uint64_t pages(std::uint64_t bytes) { return (bytes + 4095) / 4096; }

}  // namespace

TEST_CASE("An output that is an input of the command is refused, through links too", "[reliability][outputs]") {
  TempDir dir;
  write_file(dir / "p.toml", tiny_pipeline());
  REQUIRE(run_host("--log-level warn pretrain " + quoted(dir / "p.toml")).exit_code == 0);
  fs::copy_file(dir / "out" / "checkpoints" / "pretrain-best.pt", dir / "keep.pt");
  write_file(dir / "x.fa", fasta(3, 80));
  write_file(dir / "aug.toml", "[augment]\nmax_augs_per_seq = 1\n[[augment.ops]]\ntype = \"mutation\"\n");
  fs::create_symlink(dir / "keep.pt", dir / "link.tsv");
  fs::create_hard_link(dir / "x.fa", dir / "hard.tsv");
  fs::create_directories(dir / "results");
  const auto before = snapshot(dir.path());

  const std::string predict =
      "predict --checkpoint " + quoted(dir / "keep.pt") + " --in " + quoted(dir / "x.fa") + " --out ";
  const std::string augment =
      "augment --config " + quoted(dir / "aug.toml") + " --in " + quoted(dir / "x.fa") + " --out ";
  const std::vector<std::pair<std::string, std::string>> refused = {
      {predict + quoted(dir / "keep.pt"), "is also the --checkpoint file"},
      {predict + quoted(dir / "x.fa"), "is also the --in file"},
      {predict + quoted(dir / "link.tsv"), "is the --checkpoint file"},  // a symbolic link to it
      {predict + quoted(dir / "hard.tsv"), "is the --in file"},          // a hard link to it
      {predict + quoted(dir / "results" / ".." / "x.fa"), "--in file"},
      {"predict " + quoted(dir / "p.toml") + " --checkpoint " + quoted(dir / "keep.pt") + " --in " +
           quoted(dir / "x.fa") + " --out " + quoted(dir / "p.toml"),
       "is also the pipeline file"},
      {predict + quoted(dir / "results"), "is a directory"},
      {augment + quoted(dir / "x.fa"), "is also the --in file"},
      {augment + quoted(dir / "aug.toml"), "is also the --config file"},
      {augment + quoted(dir / "hard.tsv"), "is the --in file"},
      {"synth --out " + quoted(dir / "results"), "is a directory"},
  };
  for (const auto& [arguments, expected] : refused) {
    const HostRun run = run_host(arguments);
    INFO(arguments << "\n" << run.output);
    CHECK(run.exit_code == 1);
    CHECK_THAT(run.output, Contains("--out '") && Contains(expected));
    CHECK_THAT(run.output, !Contains("Success"));
  }
  CHECK(snapshot(dir.path()) == before);

  // An existing file that is no input: replaced only when asked to (--force).
  write_file(dir / "old.tsv", "old\n");
  for (const std::string& arguments :
       {predict + quoted(dir / "old.tsv"), augment + quoted(dir / "old.tsv"), "synth --out " + quoted(dir / "old.tsv")}) {
    const HostRun run = run_host(arguments);
    INFO(arguments << "\n" << run.output);
    CHECK(run.exit_code == 1);
    CHECK_THAT(run.output, Contains("already exists") && Contains("--force"));
    CHECK(read_file(dir / "old.tsv") == "old\n");
  }
  const HostRun forced = run_host("--log-level warn " + predict + quoted(dir / "old.tsv") + " --force");
  INFO(forced.output);
  REQUIRE(forced.exit_code == 0);
  CHECK_THAT(read_file(dir / "old.tsv"), Contains("id\t") && Contains("seq2\t"));
  CHECK(read_file(dir / "x.fa") == before.at("x.fa"));
  CHECK(read_file(dir / "keep.pt") == before.at("keep.pt"));
}

TEST_CASE("A run never writes its outputs over the files it reads", "[reliability][outputs]") {
  TempDir dir;
  // The data, in the folder the run writes to, under the name of one of its outputs.
  REQUIRE(run_host("synth --out " + quoted(dir / "out" / "metrics.csv") + " --num-sequences 200 --length 80 --tasks 1")
              .exit_code == 0);
  const std::string data = read_file(dir / "out" / "metrics.csv");
  write_file(dir / "p.toml", tiny_pipeline(1, 200, "[data]\npath = \"out/metrics.csv\"\n\n"));
  const HostRun run = run_host("pretrain " + quoted(dir / "p.toml"));
  INFO(run.output);
  CHECK(run.exit_code == 1);
  CHECK_THAT(run.output, Contains("metrics.csv") && Contains("[data] path") && Contains("runtime.output_dir"));
  CHECK(read_file(dir / "out" / "metrics.csv") == data);

  // The pipeline file itself, in the output folder as report.json.
  fs::create_directories(dir / "out2");
  write_file(dir / "out2" / "report.json", tiny_pipeline().replace(tiny_pipeline().find("\"out\""), 5, "\".\""));
  const std::string pipeline = read_file(dir / "out2" / "report.json");
  const HostRun own = run_host("pretrain " + quoted(dir / "out2" / "report.json"));
  INFO(own.output);
  CHECK(own.exit_code == 1);
  CHECK_THAT(own.output, Contains("pipeline file"));
  CHECK(read_file(dir / "out2" / "report.json") == pipeline);
}

TEST_CASE("Fine-tuning never loses the pretraining report, and a refused command changes nothing",
          "[reliability][reports]") {
  TempDir dir;
  write_file(dir / "p.toml", tiny_pipeline());
  const std::string p = quoted(dir / "p.toml");
  REQUIRE(run_host("--log-level warn pretrain " + p).exit_code == 0);
  const fs::path out = dir / "out";
  const std::string pretraining = read_file(out / "report.json");
  REQUIRE_THAT(pretraining, Contains(kStagePretrain));
  fs::copy_file(out / "checkpoints" / "pretrain-best.pt", dir / "start.pt");
  const std::string finetune = "finetune " + p + " --from " + quoted(dir / "start.pt");

  // With --resume but nothing to resume, the fine-tuning starts: the report is kept aside.
  HostRun run = run_host(finetune + " --resume");
  INFO(run.output);
  REQUIRE(run.exit_code == 0);
  CHECK(read_file(out / "report.before-finetune.json") == pretraining);
  CHECK_THAT(read_file(out / "report.json"), Contains(kStageFinetune) && !Contains(kStagePretrain));

  // Fine-tuning again, twice, with --overwrite: its own report is replaced, never the kept one.
  for (int i = 0; i < 2; ++i) {
    run = run_host("--log-level warn " + finetune + " --overwrite");
    INFO(run.output);
    REQUIRE(run.exit_code == 0);
    CHECK(read_file(out / "report.before-finetune.json") == pretraining);
    CHECK_THAT(read_file(out / "report.json"), Contains(kStageFinetune) && !Contains(kStagePretrain));
  }
  CHECK_FALSE(fs::exists(out / "report.before-finetune-2.json"));

  // Refused commands touch nothing: not the report, not a checkpoint.
  const auto before = snapshot(dir.path());
  for (const std::string& arguments : {finetune, finetune + " --resume --overwrite", "pretrain " + p,
                                       "run " + p + " --resume --overwrite"}) {
    run = run_host(arguments);
    INFO(arguments << "\n" << run.output);
    CHECK(run.exit_code == 1);
    CHECK_THAT(run.output, Contains("already holds an earlier run") || Contains("cannot be used together"));
    CHECK(snapshot(dir.path()) == before);
  }
}

TEST_CASE("pretrain --overwrite replaces only the stages it writes", "[reliability][reports]") {
  TempDir dir;
  write_file(dir / "p.toml", tiny_pipeline());
  const std::string p = quoted(dir / "p.toml");
  REQUIRE(run_host("--log-level warn run " + p).exit_code == 0);
  const fs::path out = dir / "out", checkpoints = out / "checkpoints";
  const std::string report = read_file(out / "report.json"), metrics = read_file(out / "metrics.csv");
  const std::string finetune_best = read_file(checkpoints / "finetune-best.pt");
  const std::string finetune_last = read_file(checkpoints / "finetune-last.pt");
  const std::string pretrain_last = read_file(checkpoints / "pretrain-last.pt");

  // A fine-tuning refused (its checkpoints are there) has not renamed the report either.
  fs::copy_file(checkpoints / "pretrain-best.pt", dir / "start.pt");
  const auto before = snapshot(dir.path());
  const HostRun refused = run_host("finetune " + p + " --from " + quoted(dir / "start.pt"));
  INFO(refused.output);
  CHECK(refused.exit_code == 1);
  CHECK_THAT(refused.output, Contains("already holds an earlier run") && Contains("finetune-best.pt"));
  CHECK(snapshot(dir.path()) == before);

  const HostRun run = run_host("pretrain " + p + " --overwrite --set pretrain.max_epochs=2");
  INFO(run.output);
  REQUIRE(run.exit_code == 0);
  CHECK(read_file(checkpoints / "pretrain-last.pt") != pretrain_last);
  CHECK(read_file(checkpoints / "finetune-best.pt") == finetune_best);
  CHECK(read_file(checkpoints / "finetune-last.pt") == finetune_last);
  CHECK_THAT(run.output, Contains("finetune-best.pt is kept"));
  // The report and the metrics rows of the fine-tuning it does not redo are kept aside.
  CHECK(read_file(out / "report.before-pretrain.json") == report);
  CHECK(read_file(out / "metrics.before-pretrain.csv") == metrics);
  CHECK_THAT(read_file(out / "report.json"), Contains(kStagePretrain) && !Contains(kStageFinetune));
}

TEST_CASE("Temporaries of a dead process are removed when a run folder opens", "[reliability][temporaries]") {
  TempDir dir;
  write_file(dir / "p.toml", tiny_pipeline());
  const std::string p = quoted(dir / "p.toml");
  REQUIRE(run_host("--log-level warn pretrain " + p).exit_code == 0);
  const fs::path out = dir / "out", checkpoints = out / "checkpoints";
  const std::string dead = std::to_string(dead_pid()), alive = std::to_string(::getpid());
  auto leave = [](const fs::path& file) { write_file(file, std::string(12 << 20, 'x')); };  // 12 MB, as kill -9 did

  for (const std::string mode : {" --resume", " --overwrite", " --set runtime.output_dir=fresh"}) {
    const fs::path folder = mode.find("fresh") != std::string::npos ? dir / "fresh" : out;
    fs::create_directories(folder / "checkpoints");
    const std::vector<fs::path> stale = {folder / "checkpoints" / ("pretrain-last.pt.tmp-" + dead),
                                         folder / ("metrics.csv.tmp-" + dead)};
    for (const auto& file : stale) leave(file);
    const fs::path live = folder / "checkpoints" / ("pretrain-best.pt.tmp-" + alive);  // this test's own pid
    write_file(live, "in progress");
    const HostRun run = run_host("pretrain " + p + mode);
    INFO(mode << "\n" << run.output);
    REQUIRE(run.exit_code == 0);
    for (const auto& file : stale) {
      CHECK_FALSE(fs::exists(file));
      CHECK_THAT(run.output, Contains(file.filename().string()) && Contains("no longer running"));
    }
    CHECK(fs::exists(live));
    fs::remove(live);
  }

  // Beside a file given with --out, too.
  write_file(dir / "x.fa", fasta(2, 80));
  const fs::path stale = dir / ("p.tsv.tmp-" + dead);
  leave(stale);
  const HostRun predicted = run_host("predict --checkpoint " + quoted(checkpoints / "pretrain-best.pt") + " --in " +
                                     quoted(dir / "x.fa") + " --out " + quoted(dir / "p.tsv"));
  INFO(predicted.output);
  REQUIRE(predicted.exit_code == 0);
  CHECK_FALSE(fs::exists(stale));
}

TEST_CASE("kill -9 during training, then --resume: the same results, no temporaries left", "[reliability][kill]") {
  TempDir dir;
  const std::string pipeline = tiny_pipeline(6, 1000);
  for (const char* run : {"a", "b"}) {
    fs::create_directories(dir / run);
    write_file(dir / run / "p.toml", pipeline);
  }
  const HostRun reference = run_host("--log-level warn run " + quoted(dir / "a" / "p.toml"));
  INFO(reference.output);
  REQUIRE(reference.exit_code == 0);

  // Killed once its first epoch is written, at some point of the next one.
  const fs::path out = dir / "b" / "out";
  const HostRun killed =
      run_host("--log-level warn run " + quoted(dir / "b" / "p.toml") + " 2>&1 & pid=$!; for i in $(seq 600); do [ -s " +
               quoted(out / "metrics.csv") + " ] && break; kill -0 $pid 2>/dev/null || break; sleep 0.05; done; " +
               "sleep 0.3; kill -KILL $pid; wait $pid");
  INFO(killed.output);
  if (killed.exit_code == 0) WARN("the run finished before kill -9 reached it; the resume below has nothing to do");
  else CHECK(killed.exit_code == 128 + SIGKILL);

  const HostRun resumed = run_host("run " + quoted(dir / "b" / "p.toml") + " --resume");
  INFO(resumed.output);
  REQUIRE(resumed.exit_code == 0);
  for (const auto& file : promised_outputs(out, {"pretrain", "finetune"})) CHECK(fs::exists(file));
  CHECK(temporaries_in(out).empty());
  CHECK(comparable(read_file(out / "report.json")) == comparable(read_file(dir / "a" / "out" / "report.json")));
}

TEST_CASE("A full disk while a run writes: after --resume every promised output is there",
          "[reliability][disk]") {
  if (::geteuid() != 0)
    EVOAUG_SKIP("the full-disk test mounts a small tmpfs, which needs root (running as uid " << ::geteuid() << ")");
  TempDir dir;
  write_file(dir / "p.toml", tiny_pipeline());
  const fs::path disk = dir / "disk", out = disk / "out";
  const std::string pretrain = "pretrain " + quoted(dir / "p.toml") + " --set runtime.output_dir=" + quoted(out);

  // The same run on an unbounded disk first: how many pages its two checkpoints take.
  // The disk gets exactly that, so the first metrics.csv (written after them) does not fit.
  HostRun run = run_host("--log-level warn " + pretrain);
  INFO(run.output);
  REQUIRE(run.exit_code == 0);
  const fs::path checkpoints = out / "checkpoints";
  std::uint64_t size = 4096 * (pages(fs::file_size(checkpoints / "pretrain-best.pt")) +
                               pages(fs::file_size(checkpoints / "pretrain-last.pt")));
  fs::remove_all(out);

  Tmpfs tmpfs(disk, size);
  if (!tmpfs.mounted()) EVOAUG_SKIP("cannot mount a tmpfs on " << disk << ": " << tmpfs.error());
  for (int attempt = 0; attempt < 3; ++attempt) {
    run = run_host(pretrain);
    if (run.exit_code != 0) break;
    // Everything fitted (a checkpoint came out a page smaller than measured): again, smaller.
    fs::remove_all(out);
    size -= 4096;
    REQUIRE(tmpfs.resize(size));
  }
  INFO(run.output);
  REQUIRE(run.exit_code == 1);
  CHECK_THAT(run.output, Contains("No space left on device"));
  if (run.output.find("metrics.csv") == std::string::npos)
    WARN("the disk filled on another file than metrics.csv; the resume is checked all the same");
  CHECK(temporaries_in(disk).empty());  // a failed write removes its temporary

  // Space again: the resume restores every output the run promises.
  REQUIRE(tmpfs.resize(64 << 20));
  const HostRun resumed = run_host(pretrain + " --resume");
  INFO(resumed.output);
  REQUIRE(resumed.exit_code == 0);
  for (const auto& file : promised_outputs(out, {"pretrain"})) CHECK(fs::exists(file));
  const std::string metrics = read_file(out / "metrics.csv");
  CHECK(std::count(metrics.begin(), metrics.end(), '\n') == 2);  // the header and the one epoch
  CHECK_THAT(metrics, Contains("\npretrain,1,"));
  CHECK_THAT(read_file(out / "report.json"), Contains(kStagePretrain));
  CHECK(temporaries_in(disk).empty());
}
