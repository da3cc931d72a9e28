// evoaug plugins [--json] [--describe NAME] [--markdown]
#include <toml++/toml.h>

#include <cstdio>
#include <iostream>

#include "cli_args.h"
#include "commands.h"
#include "config/schema_check.h"
#include "evoaug/error.h"
#include "toml_reference.h"
#include "util/json.h"

namespace evoaug::cli {
namespace {

const char* type_word(sdk::ParamType type) {
  switch (type) {
    case sdk::ParamType::integer: return "integer";
    case sdk::ParamType::real: return "number";
    case sdk::ParamType::boolean: return "boolean";
    case sdk::ParamType::string: return "string";
  }
  return "?";
}

toml::table schema_as_table(const sdk::Schema& schema) {
  toml::array params;
  for (const auto& spec : schema.specs()) {
    toml::table p{{"name", spec.name}, {"type", type_word(spec.type)}, {"doc", spec.doc},
                  {"default", format_value(spec.default_value)}, {"expected", describe_expected(spec)}};
    params.push_back(std::move(p));
  }
  return toml::table{{"parameters", std::move(params)}};
}

void describe(const PluginRegistry& registry, const std::string& name) {
  const ComponentListing& c = registry.listing(name);
  std::cout << c.name << " (" << to_string(c.kind) << " " << c.version << ", plugin '" << c.plugin << "')\n"
            << "  " << c.summary << "\n  file: " << c.file.string() << "\n";
  if (c.kind == ComponentKind::augmentation)
    std::cout << "  default priority: " << c.default_priority << " (lower runs first; override with priority = N)\n";
  std::cout << "\nparameters (TOML keys, besides type = \"" << c.name << "\"):\n";
  if (c.schema->specs().empty()) std::cout << "  (none)\n";
  for (const auto& spec : c.schema->specs())
    std::cout << "  " << spec.name << " = " << format_value(spec.default_value) << "\n      " << spec.doc
              << "\n      " << describe_expected(spec) << "\n";
}

}  // namespace

int command_plugins(const HostContext& host, const Argv& argv) {
  Args args("evoaug plugins", argv, {"--describe"}, {"--json", "--markdown"});
  args.expect_at_most(0);
  auto registry = host.make_registry();
  if (args.flag("--markdown")) {  // the TOML reference, docs/toml-reference.md
    std::cout << toml_reference_markdown(*registry);
    return 0;
  }
  if (auto name = args.value("--describe")) {
    describe(*registry, *name);
    return 0;
  }
  const auto components = registry->components();
  if (args.flag("--json")) {
    toml::array list;
    for (const auto& c : components) {
      toml::table entry{{"kind", to_string(c.kind)}, {"name", c.name}, {"version", c.version},
                        {"plugin", c.plugin},        {"file", c.file.string()}, {"summary", c.summary}};
      if (c.kind == ComponentKind::augmentation) entry.insert("default_priority", c.default_priority);
      entry.insert("schema", schema_as_table(*c.schema));
      list.push_back(std::move(entry));
    }
    toml::array failed;
    for (const auto& f : registry->failures())
      failed.push_back(toml::table{{"file", f.file.string()}, {"reason", f.reason}});
    std::cout << to_json(toml::table{{"components", std::move(list)}, {"failed", std::move(failed)}}) << "\n";
    return 0;
  }
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
