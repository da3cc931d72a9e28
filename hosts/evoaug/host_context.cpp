#include "commands.h"

namespace evoaug::cli {

std::unique_ptr<PluginRegistry> HostContext::make_registry() const {
  auto registry = std::make_unique<PluginRegistry>();
  for (const auto& folder : default_plugin_folders()) registry->scan(folder);
  for (const auto& folder : extra_plugin_folders) registry->scan(folder);
  return registry;
}

}  // namespace evoaug::cli
