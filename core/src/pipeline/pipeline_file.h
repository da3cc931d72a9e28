// The pipeline file as a whole: its tables, the plugins it names, and how a component
// (`type` plus parameters) is read from a table. Each subsystem reads its own table
// (data, augment, pretrain, ...) with the helpers here and in config/.
#pragma once

#include <toml++/toml.h>

#include <filesystem>
#include <string>
#include <vector>

#include "config/toml_source.h"
#include "evoaug/plugin_registry.h"
#include "evoaug/sdk/params.h"

namespace evoaug {

struct PipelineFile {
  toml::table root;
  std::string source_name;          ///< the file's path, or a name for TOML text
  std::filesystem::path base_dir;   ///< relative paths in the file resolve against it
};

/// Reads and parses a pipeline file, applies `--set` overrides, and checks that every
/// top-level key is a known table (runtime, data, model, augment, pretrain, finetune,
/// evaluate, plugins).
PipelineFile read_pipeline_file(const std::filesystem::path& file, const std::vector<Override>& overrides = {});
PipelineFile pipeline_from_text(const std::string& text, const std::string& source_name,
                                const std::vector<Override>& overrides = {},
                                const std::filesystem::path& base_dir = std::filesystem::current_path());

/// The table `name`, or nullptr when absent; an error when `name` is not a table.
const toml::table* find_table(const PipelineFile& file, const std::string& name);

/// Loads the libraries named by `[plugins] paths = [...]` (files, or folders to scan;
/// relative to the pipeline file). A named plugin that fails to load is fatal.
void load_plugins_table(const PipelineFile& file, PluginRegistry& registry);

/// A component chosen in a table by `type`; the table's other keys are its parameters.
struct ComponentChoice {
  std::string type;
  sdk::Params params;
  const toml::table* table = nullptr;
  std::string context;  ///< e.g. "[model] deepstarr" or "[[augment.ops]] #2 deletion"
};

/// Reads `type` and validates the rest of `table` against that component's schema.
/// `extra` declares keys that the caller (not the plugin) owns, such as an op's
/// `priority`; they are validated too and returned in `caller_params`.
ComponentChoice read_component(const toml::table& table, const std::string& context, ComponentKind kind,
                               const PluginRegistry& registry, const sdk::Schema& extra = {},
                               sdk::Params* caller_params = nullptr);

/// Validates a table that belongs to the core (such as [pretrain]) against `schema`.
/// A missing table gives the defaults.
sdk::Params read_core_table(const PipelineFile& file, const std::string& name, const sdk::Schema& schema,
                            const std::vector<std::string>& nested_keys = {});

}  // namespace evoaug
