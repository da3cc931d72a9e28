#include "runtime/config_diff.h"

#include "catch.h"

using namespace evoaug;

TEST_CASE("config_differences names the keys that changed, table by table", "[runtime]") {
  const std::string saved = "[runtime]\nseed = 1\nthreads = 2\n\n[pretrain]\nmax_epochs = 5\n";
  const std::string now = "[runtime]\nseed = 2\nthreads = 2\n\n[pretrain]\nmax_epochs = 5\n";
  CHECK(qualified_lines(saved) ==
        std::vector<std::string>{"[runtime] seed = 1", "[runtime] threads = 2", "[pretrain] max_epochs = 5"});
  CHECK(config_differences(saved, now) == "was [runtime] seed = 1; now [runtime] seed = 2");
  // The same key under another table is another key.
  CHECK(config_differences("[a]\nx = 1\n", "[b]\nx = 1\n") == "was [a] x = 1; now [b] x = 1");
  CHECK(config_differences(saved, saved) == "the order of keys");
  std::string many_before, many_after;
  for (int i = 0; i < 5; ++i) {
    many_before += "k" + std::to_string(i) + " = 0\n";
    many_after += "k" + std::to_string(i) + " = 1\n";
  }
  const std::string long_diff = config_differences("[t]\n" + many_before, "[t]\n" + many_after);
  CHECK(long_diff.size() > 4);
  CHECK(long_diff.substr(long_diff.size() - 5) == "; ...");
}

TEST_CASE("a run resumes on another thread count or prefetch depth, not with another seed", "[runtime]") {
  const std::string saved = "[runtime]\nseed = 1\nthreads = 1\nprefetch = 2\n\n[pretrain]\nmax_epochs = 5\n";
  CHECK(resumable_with(saved, "[runtime]\nseed = 1\nthreads = 4\nprefetch = 0\n\n[pretrain]\nmax_epochs = 5\n"));
  CHECK_FALSE(resumable_with(saved, "[runtime]\nseed = 2\nthreads = 1\nprefetch = 2\n\n[pretrain]\nmax_epochs = 5\n"));
  CHECK_FALSE(resumable_with(saved, "[runtime]\nseed = 1\nthreads = 1\nprefetch = 2\n\n[pretrain]\nmax_epochs = 6\n"));
  CHECK(config_differences(saved, "[runtime]\nseed = 2\nthreads = 4\nprefetch = 2\n\n[pretrain]\nmax_epochs = 5\n") ==
        "was [runtime] seed = 1; now [runtime] seed = 2");
}
