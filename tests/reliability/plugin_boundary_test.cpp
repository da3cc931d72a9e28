// docs/reliability.md, "A plugin's failure names the plugin": an exception thrown by a
// plugin's code while the host trains (an augmentation's apply() or row kernel, a
// model's forward or backward) ends the run with an error that names the component and
// its library, never with a bare exception or a LibTorch backtrace.
#include "catch.h"

#include <string>

#include "test_config.h"
#include "test_support.h"

namespace fs = std::filesystem;
using evoaug::testing::Contains;
using evoaug::testing::run_host;
using evoaug::testing::TempDir;
using evoaug::testing::write_file;

namespace {

std::string pipeline(const std::string& model, const std::string& augmentation) {
  return "[runtime]\ndevice = \"cpu\"\nthreads = 1\nseed = 2\noutput_dir = \"out\"\n\n"
         "[data]\nformat = \"synthetic\"\nnum_sequences = 200\nlength = 80\ntasks = 1\n\n"
         "[model]\ntype = \"" + model + "\"\n\n"
         "[augment]\nmax_augs_per_seq = 1\n[[augment.ops]]\ntype = \"" + augmentation + "\"\n\n"
         "[pretrain]\nmax_epochs = 1\nbatch_size = 32\n\n[finetune]\nmax_epochs = 1\nbatch_size = 32\n";
}

evoaug::testing::HostRun train(const TempDir& dir, const std::string& model, const std::string& augmentation) {
  write_file(dir / "p.toml", pipeline(model, augmentation));
  return run_host("--log-level warn --plugin-path '" + std::string(EVOAUG_TEST_THROWING_PLUGIN_DIR) + "' run '" +
                  (dir / "p.toml").string() + "'");
}

void require_named_failure(const evoaug::testing::HostRun& run, const std::string& who, const std::string& call,
                           const std::string& cause) {
  INFO(run.output);
  CHECK(run.exit_code == 1);
  CHECK_THAT(run.output, Contains(who) && Contains("(evoaug_throwing.so) failed in " + call + ": ") &&
                             Contains(cause));
  CHECK_THAT(run.output, !Contains("frame #") && !Contains("Exception raised from") && !Contains("terminate"));
}

}  // namespace

TEST_CASE("An augmentation whose apply() throws is named with its library", "[reliability][plugin-boundary]") {
  TempDir dir;
  require_named_failure(train(dir, "chip_cnn", "throws_in_apply"), "augmentation 'throws_in_apply'", "apply()",
                        "fixture: apply always fails");
}

TEST_CASE("An augmentation whose row kernel throws on the CPU fast path is named with its library",
          "[reliability][plugin-boundary]") {
  TempDir dir;
  require_named_failure(train(dir, "chip_cnn", "throws_in_row"), "augmentation 'throws_in_row'", "apply_row()",
                        "fixture: apply_row always fails");
}

TEST_CASE("A model whose forward fails inside LibTorch is named with its library, without a backtrace",
          "[reliability][plugin-boundary]") {
  TempDir dir;
  // Its linear layer gets a (N, A, L) batch: LibTorch's own shape error, which carries a
  // C++ backtrace in what().
  require_named_failure(train(dir, "throws_in_forward", "mutation"), "model ", "forward()", "shapes cannot be multiplied");
}

TEST_CASE("A model whose autograd function throws in backward is named with its library",
          "[reliability][plugin-boundary]") {
  TempDir dir;
  require_named_failure(train(dir, "throws_in_backward", "mutation"), "model ", "backward()",
                        "fixture: backward always fails");
}

TEST_CASE("A pipeline of well-behaved components trains with the throwing plugin loaded beside it",
          "[reliability][plugin-boundary]") {
  TempDir dir;
  const auto run = train(dir, "chip_cnn", "mutation");
  INFO(run.output);
  CHECK(run.exit_code == 0);
  CHECK(fs::exists(dir / "out" / "report.json"));
}
