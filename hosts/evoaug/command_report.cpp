// evoaug report RUN_DIR: (re)writes the run's report.html from its report.json and
// metrics.csv (the run writes it too; this draws it again, e.g. after an upgrade).
#include <iostream>

#include "cli_args.h"
#include "commands.h"
#include "evoaug/run_report.h"

namespace evoaug::cli {

int command_report(const HostContext&, const Argv& argv) {
  Args args("evoaug report", argv, {}, {});
  const std::string dir = args.positional(0, "the output folder of a run (evoaug report runs/x)");
  args.expect_at_most(1);
  std::cout << write_run_report(dir).string() << "\n";
  return 0;
}

}  // namespace evoaug::cli
