// evoaug check P.toml [--set table.key=value]...: validates every table, loads the plugins
// the file names, builds the augmentation pipeline and the model at the pipeline's input
// length, loads the data as a run would (every problem a run would meet before training
// is found here), and prints what a run would do. --header-only reads only file headers.
#include <iostream>

#include "cli_args.h"
#include "commands.h"
#include "evoaug/runtime.h"

namespace evoaug::cli {

int command_check(const HostContext& host, const Argv& argv) {
  Args args("evoaug check", argv, {"--set"}, {"--resolved", "--header-only"});
  const std::string path = args.positional(0, "the pipeline file (evoaug check P.toml)");
  args.expect_at_most(1);

  Runtime::Options options;
  options.plugin_folders = host.extra_plugin_folders;
  Runtime runtime(options);
  const Pipeline pipeline = runtime.load(path, args.values("--set"));
  std::cout << pipeline.summary();
  if (!args.flag("--header-only")) std::cout << pipeline.check_data();
  if (args.flag("--resolved")) std::cout << "\n# resolved configuration\n" << pipeline.resolved_toml();
  std::cout << path << ": ok\n";
  return 0;
}

}  // namespace evoaug::cli
