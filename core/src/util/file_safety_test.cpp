// Atomic writes, the output check, and stale temporaries, on real files.
#include "util/file_safety.h"

#include <sys/wait.h>
#include <unistd.h>

#include "catch.h"
#include "evoaug/error.h"
#include "test_support.h"

namespace fs = std::filesystem;
using evoaug::testing::Contains;
using evoaug::testing::read_file;
using evoaug::testing::TempDir;
using evoaug::testing::write_file;

namespace {

// A pid that no process has: a child's, once it has exited and been reaped.
pid_t dead_pid() {
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ::waitpid(child, nullptr, 0);
  return child;
}

}  // namespace

TEST_CASE("write_file_atomically replaces a file whole and leaves no temporary", "[util][files]") {
  TempDir dir;
  evoaug::write_file_atomically(dir / "sub" / "a.txt", "first");
  evoaug::write_file_atomically(dir / "sub" / "a.txt", "second");
  CHECK(read_file(dir / "sub" / "a.txt") == "second");
  CHECK(std::distance(fs::directory_iterator(dir / "sub"), fs::directory_iterator()) == 1);
  CHECK(evoaug::temporary_sibling(dir / "a.txt").filename() == "a.txt.tmp-" + std::to_string(::getpid()));

  // Onto a folder: the message says so (it once said "Success").
  fs::create_directories(dir / "folder");
  CHECK_THROWS_WITH(evoaug::write_file_atomically(dir / "folder", "x"), Contains("is a directory"));
}

TEST_CASE("same_file sees through symbolic links, hard links and spelled-out paths", "[util][files]") {
  TempDir dir;
  write_file(dir / "x.fa", ">a\nACGT\n");
  fs::create_symlink(dir / "x.fa", dir / "soft.fa");
  fs::create_hard_link(dir / "x.fa", dir / "hard.fa");
  fs::create_directories(dir / "sub");
  CHECK(evoaug::same_file(dir / "x.fa", dir / "soft.fa"));
  CHECK(evoaug::same_file(dir / "hard.fa", dir / "x.fa"));
  CHECK(evoaug::same_file(dir / "sub" / ".." / "x.fa", dir / "x.fa"));
  CHECK(evoaug::same_file(dir / "new.tsv", dir / "sub" / ".." / "new.tsv"));  // neither exists
  CHECK_FALSE(evoaug::same_file(dir / "new.tsv", dir / "x.fa"));
  write_file(dir / "copy.fa", ">a\nACGT\n");
  CHECK_FALSE(evoaug::same_file(dir / "copy.fa", dir / "x.fa"));
}

TEST_CASE("check_output_file refuses inputs, folders and (unless told) existing files", "[util][files]") {
  TempDir dir;
  write_file(dir / "x.fa", ">a\nACGT\n");
  write_file(dir / "old.tsv", "id\n");
  fs::create_symlink(dir / "x.fa", dir / "link.tsv");
  const std::vector<evoaug::NamedPath> inputs = {{"--in", dir / "x.fa"}};
  CHECK_THROWS_WITH(evoaug::check_output_file(dir / "x.fa", "--out", inputs, true),
                    Contains("--out '") && Contains("is also the --in file") && Contains("replace that input"));
  CHECK_THROWS_WITH(evoaug::check_output_file(dir / "link.tsv", "--out", inputs, true),
                    Contains("is the --in file") && Contains("through a link"));
  CHECK_THROWS_WITH(evoaug::check_output_file(dir.path(), "--out", inputs, true), Contains("is a directory"));
  CHECK_THROWS_WITH(evoaug::check_output_file(dir / "old.tsv", "--out", inputs, false),
                    Contains("already exists") && Contains("--force"));
  CHECK_NOTHROW(evoaug::check_output_file(dir / "old.tsv", "--out", inputs, true));
  CHECK_NOTHROW(evoaug::check_output_file(dir / "new.tsv", "--out", inputs, false));
  CHECK(read_file(dir / "x.fa") == ">a\nACGT\n");
}

TEST_CASE("remove_stale_temporaries removes only what a dead process left", "[util][files]") {
  TempDir dir;
  const std::string dead = std::to_string(dead_pid());
  const std::string alive = std::to_string(::getpid());
  for (const std::string& name : std::vector<std::string>{"a.pt.tmp-" + dead, "b.csv.tmp-" + dead,
                                                         "a.pt.tmp-" + alive, "a.pt",
                                                         "a.pt.tmp-12345678901234",  // an earlier version's tag
                                                         "notes.tmp-x"})
    write_file(dir / name, "x");
  CHECK(evoaug::remove_stale_temporaries(dir.path(), "a.pt") == std::vector<fs::path>{dir / ("a.pt.tmp-" + dead)});
  CHECK(fs::exists(dir / ("b.csv.tmp-" + dead)));
  CHECK(evoaug::remove_stale_temporaries(dir.path()).size() == 1);
  CHECK_FALSE(fs::exists(dir / ("b.csv.tmp-" + dead)));
  for (const std::string& name : std::vector<std::string>{"a.pt.tmp-" + alive, "a.pt", "a.pt.tmp-12345678901234",
                                                         "notes.tmp-x"})
    CHECK(fs::exists(dir / name));
}
