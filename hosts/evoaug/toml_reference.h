// The TOML reference (docs/toml-reference.md), generated from the schemas in the code:
// the core's own tables and every loaded component. `evoaug plugins --markdown` prints
// it, and a test compares it with the committed file, so the docs cannot drift.
#pragma once

#include <string>

#include "evoaug/plugin_registry.h"

namespace evoaug::cli {

/// The whole reference as Markdown. Deterministic: components sorted by name, no file
/// paths, so the same plugins give the same text on every machine.
std::string toml_reference_markdown(const PluginRegistry& registry);

}  // namespace evoaug::cli
