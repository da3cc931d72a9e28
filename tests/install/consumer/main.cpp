// Loads the installed built-in plugins through the installed core library and prints
// how many components they provide (the round-trip script checks the number).
#include <evoaug/error.h>
#include <evoaug/plugin_registry.h>

#include <iostream>

int main() {
  try {
    evoaug::PluginRegistry registry;
    registry.scan(EVOAUG_INSTALLED_PLUGIN_DIR);
    for (const auto& failure : registry.failures())
      std::cerr << "failed: " << failure.file << ": " << failure.reason << "\n";
    std::cout << "components: " << registry.components().size() << "\n";
    return registry.failures().empty() && !registry.components().empty() ? 0 : 1;
  } catch (const evoaug::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
}
