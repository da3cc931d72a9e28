// `evoaug COMMAND [SUBCOMMAND] --help` for every command: a page with the usage and an
// example that names every option the command accepts (read from the command's own
// "unknown option" message, so a new option without help fails here).
#include "catch.h"

#include <sstream>

#include "test_support.h"

using evoaug::testing::Contains;
using evoaug::testing::run_host;

namespace {

// The options a command accepts, as its error for an unknown one lists them.
std::vector<std::string> accepted_options(const std::string& command) {
  const auto run = run_host(command + " --no-such-option");
  const auto at = run.output.find("known: ");
  REQUIRE(at != std::string::npos);
  std::vector<std::string> options;
  std::stringstream list(run.output.substr(at + 7, run.output.find('\n', at) - at - 7));
  for (std::string item; std::getline(list, item, ',');) {
    item.erase(0, item.find_first_not_of(' '));
    options.push_back(item);
  }
  return options;
}

}  // namespace

TEST_CASE("every command and subcommand has --help naming each of its options, with an example", "[cli]") {
  const std::vector<std::string> commands{"run",     "pretrain", "finetune",     "evaluate",   "predict",
                                          "check",   "augment",  "data inspect", "synth",      "plugins",
                                          "plugin check", "bench augment", "bench train", "bench compare", "sweep",
                                          "attribute", "score-variants", "filters"};
  for (const auto& command : commands) {
    const auto help = run_host(command + " --help");
    INFO(command << "\n" << help.output);
    CHECK(help.exit_code == 0);
    CHECK_THAT(help.output, Contains("usage: evoaug " + command) && Contains("example: evoaug"));
    for (const auto& option : accepted_options(command)) CHECK_THAT(help.output, Contains(option));
  }
  // -h too, and before the command as well as after it.
  CHECK(run_host("-h bench train").output == run_host("bench train --help").output);
  // The overview for no command, and for one that does not exist.
  CHECK_THAT(run_host("--help").output, Contains("commands:"));
  CHECK_THAT(run_host("frobnicate --help").output, Contains("commands:"));
}
