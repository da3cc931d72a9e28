// evoaug plugins [--json] [--describe NAME] [--markdown]: the components of the plugins
// found, through the public API (evoaug/plugin_docs.h).
#include <cstdio>
#include <iostream>

#include "cli_args.h"
#include "commands.h"
#include "evoaug/error.h"
#include "evoaug/plugin_docs.h"

namespace evoaug::cli {

int command_plugins(const HostContext& host, const Argv& argv) {
  Args args("evoaug plugins", argv, {"--describe"}, {"--json", "--markdown"});
  args.expect_at_most(0);
  auto registry = host.make_registry();
  if (args.flag("--markdown")) {  // the TOML reference, docs/toml-reference.md
    std::cout << toml_reference_markdown(*registry);
    return 0;
  }
  if (auto name = args.value("--describe")) {
    std::cout << component_description(*registry, *name);
    return 0;
  }
  if (args.flag("--json")) {
    std::cout << components_json(*registry) << "\n";
    return 0;
  }
  const auto components = registry->components();
  std::printf("%-13s %-20s %-8s %s\n", "KIND", "NAME", "VERSION", "FILE");
  for (const auto& c : components)
    std::printf("%-13s %-20s %-8s %s\n", to_string(c.kind), c.name.c_str(), c.version.c_str(),
                c.file.string().c_str());
  if (components.empty()) std::printf("(no plugins found; see EVOAUG_PLUGIN_PATH and --plugin-path)\n");
  for (const auto& f : registry->failures())
    std::printf("%-13s %-20s %-8s %s\n    reason: %s\n", "FAILED", f.file.stem().string().c_str(), "-",
                f.file.string().c_str(), f.reason.c_str());
  return 0;
}

}  // namespace evoaug::cli
