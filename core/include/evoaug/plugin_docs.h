// What `evoaug plugins` prints about the components of a registry: one component's
// parameters, the whole listing as JSON, and the TOML reference (docs/toml-reference.md),
// all generated from the schemas in the code.
#pragma once

#include <string>

#include "evoaug/plugin_registry.h"

namespace evoaug {

/// One component (`evoaug plugins --describe NAME`): kind, version, plugin, file, summary,
/// default priority of an augmentation, and each parameter with its default, doc and
/// range. An unknown name is an Error listing the known ones.
std::string component_description(const PluginRegistry& registry, const std::string& name);

/// Every component with its schema, and every library that failed to load with the
/// reason, as one JSON object {"components": [...], "failed": [...]} (`--json`).
std::string components_json(const PluginRegistry& registry);

/// The TOML reference as Markdown: the core's own tables and every loaded component.
/// Deterministic (components sorted by name, no file paths), so the same plugins give the
/// same text on every machine; a test compares it with the committed file.
std::string toml_reference_markdown(const PluginRegistry& registry);

}  // namespace evoaug
