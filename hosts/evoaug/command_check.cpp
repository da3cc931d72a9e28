// evoaug check P.toml [--set table.key=value]...
#include <spdlog/spdlog.h>

#include <iostream>

#include "cli_args.h"
#include "commands.h"
#include "evoaug/error.h"
#include "pipeline/pipeline_file.h"

namespace evoaug::cli {

int command_check(const HostContext& host, const Argv& argv) {
  Args args("evoaug check", argv, {"--set"}, {});
  const std::string path = args.positional(0, "the pipeline file (evoaug check P.toml)");
  args.expect_at_most(1);
  std::vector<Override> overrides;
  for (const auto& s : args.values("--set")) overrides.push_back(parse_override(s));

  PipelineFile file = read_pipeline_file(path, overrides);
  auto registry = host.make_registry();
  load_plugins_table(file, *registry);

  if (const toml::table* model = find_table(file, "model")) {
    const auto choice = read_component(*model, "[model]", ComponentKind::model, *registry);
    std::cout << "model: " << choice.type << "\n";
  }
  if (const toml::table* augment = find_table(file, "augment")) {
    if (const toml::node* ops = augment->get("ops")) {
      const toml::array* list = ops->as_array();
      if (!list) throw Error(position_of(*ops) + ": [augment]: 'ops' must be an array of tables ([[augment.ops]])");
      sdk::Schema extra;
      extra.integer("priority", 0, "order among ops (lower first)");
      std::size_t index = 0;
      for (const auto& op : *list) {
        ++index;
        if (!op.is_table()) throw Error(position_of(op) + ": [[augment.ops]] entries must be tables");
        const auto choice = read_component(*op.as_table(), "[[augment.ops]] #" + std::to_string(index),
                                           ComponentKind::augmentation, *registry, extra);
        std::cout << "augmentation: " << choice.type << "\n";
      }
    }
  }
  std::cout << path << ": ok\n";
  return 0;
}

}  // namespace evoaug::cli
