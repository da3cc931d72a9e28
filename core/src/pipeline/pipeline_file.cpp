#include "pipeline/pipeline_file.h"

#include <set>

#include "config/problem_list.h"
#include "config/schema_check.h"
#include "evoaug/error.h"
#include "util/suggest.h"

namespace evoaug {
namespace fs = std::filesystem;
namespace {

const std::vector<std::string> kKnownTables = {"runtime", "data",     "model",    "augment",
                                               "pretrain", "finetune", "evaluate", "plugins"};

void check_top_level(const PipelineFile& file) {
  ProblemList problems;
  for (const auto& [key, node] : file.root) {
    const std::string name(key.str());
    if (std::find(kKnownTables.begin(), kKnownTables.end(), name) == kKnownTables.end())
      problems.add(position_of(key.source().begin ? key.source() : node.source()) + ": " +
                  unknown_name_message("table", "[" + name + "]", [] {
                    std::vector<std::string> names;
                    for (const auto& t : kKnownTables) names.push_back("[" + t + "]");
                    return names;
                  }()));
    else if (!node.is_table())
      problems.add(position_of(node) + ": '" + name + "' must be a table ([" + name + "]), not a single value");
  }
  problems.throw_if_any();
}

}  // namespace

PipelineFile read_pipeline_file(const fs::path& file, const std::vector<Override>& overrides) {
  PipelineFile out{load_toml_file(file, overrides), file.string(), fs::absolute(file).parent_path()};
  check_top_level(out);
  return out;
}

PipelineFile pipeline_from_text(const std::string& text, const std::string& source_name,
                                const std::vector<Override>& overrides, const fs::path& base_dir) {
  PipelineFile out{parse_toml_text(text, source_name, overrides), source_name, base_dir};
  check_top_level(out);
  return out;
}

const toml::table* find_table(const PipelineFile& file, const std::string& name) {
  const toml::node* node = file.root.get(name);
  if (!node) return nullptr;
  if (!node->is_table()) throw Error(position_of(*node) + ": '" + name + "' must be a table");
  return node->as_table();
}

void load_plugins_table(const PipelineFile& file, PluginRegistry& registry) {
  const toml::table* plugins = find_table(file, "plugins");
  if (!plugins) return;
  for (const auto& [key, node] : *plugins) {
    if (key.str() != "paths")
      throw Error(position_of(node) + ": [plugins]: " + unknown_name_message("key", std::string(key.str()), {"paths"}));
  }
  const toml::node* paths = plugins->get("paths");
  if (!paths) return;
  const toml::array* list = paths->as_array();
  if (!list) throw Error(position_of(*paths) + ": [plugins]: key 'paths' must be an array of strings");
  for (const auto& item : *list) {
    auto text = item.value_exact<std::string>();
    if (!text) throw Error(position_of(item) + ": [plugins]: every entry of 'paths' must be a string");
    fs::path path(*text);
    if (path.is_relative()) path = file.base_dir / path;
    try {
      if (fs::is_directory(path)) {
        registry.scan(path);
      } else {
        registry.load(path);
      }
    } catch (const Error& e) {
      throw Error(position_of(item) + ": [plugins]: " + e.what());
    }
  }
}

ComponentChoice read_component(const toml::table& table, const std::string& context, ComponentKind kind,
                               const PluginRegistry& registry, const sdk::Schema& extra,
                               sdk::Params* caller_params) {
  const toml::node* type_node = table.get("type");
  if (!type_node)
    throw Error(position_of(table) + ": " + context + ": key 'type' is missing (which " + to_string(kind) +
                " to use, e.g. type = \"" + (kind == ComponentKind::model ? "deepstarr" : "deletion") + "\")");
  auto type = type_node->value_exact<std::string>();
  if (!type) throw Error(position_of(*type_node) + ": " + context + ": key 'type' must be a string");

  const sdk::Schema* schema = nullptr;
  try {
    schema = kind == ComponentKind::model ? &registry.model(*type).schema : &registry.augmentation(*type).schema;
  } catch (const Error& e) {
    throw Error(position_of(*type_node) + ": " + context + ": " + e.what());
  }

  // The component's own keys, then the caller's, each validated against its schema.
  std::set<std::string> reserved{"type"};
  for (const auto& spec : extra.specs()) reserved.insert(spec.name);
  ComponentChoice choice{*type, {}, &table, context + " " + *type};
  for (const auto& spec : extra.specs())
    if (schema->find(spec.name))
      throw Error(context + ": component '" + *type + "' declares parameter '" + spec.name +
                  "', which the pipeline reserves for itself");
  choice.params = params_from_table(table, *schema, choice.context, reserved);
  if (caller_params) {
    // Validated in place (a copied TOML node would lose its position): every key that
    // is not the caller's is skipped here, having been checked above.
    std::set<std::string> others;
    for (const auto& [key, _] : table)
      if (!extra.find(std::string(key.str()))) others.insert(std::string(key.str()));
    *caller_params = params_from_table(table, extra, choice.context, others);
  }
  return choice;
}

sdk::Params read_core_table(const PipelineFile& file, const std::string& name, const sdk::Schema& schema,
                            const std::vector<std::string>& nested_keys) {
  const toml::table* table = find_table(file, name);
  if (!table) return sdk::Params::defaults(schema);
  std::set<std::string> reserved(nested_keys.begin(), nested_keys.end());
  return params_from_table(*table, schema, "[" + name + "]", reserved);
}

}  // namespace evoaug
