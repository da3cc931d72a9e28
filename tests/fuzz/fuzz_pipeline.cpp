// libFuzzer target: the pipeline-file reader with --set overrides, through the whole
// validation `evoaug check` runs before it reads data (every table, every key, the data
// header, the components). The input is a pipeline file whose leading lines
// "--set KEY=VALUE" are overrides. Every input must end in a setup or an evoaug::Error.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "config/toml_source.h"
#include "evoaug/error.h"
#include "evoaug/plugin_registry.h"
#include "fuzz_input_file.h"
#include "pipeline/pipeline_file.h"
#include "runtime/pipeline_setup.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  std::string line, text;
  std::vector<std::string> overrides;
  while (std::getline(in, line)) {
    if (text.empty() && line.rfind("--set ", 0) == 0) overrides.push_back(line.substr(6));
    else text += line + "\n";
  }
  // No plugin is loaded: components are looked up and refused, which keeps every input
  // fast (a model's factory could allocate whatever the input asks for).
  static evoaug::PluginRegistry registry;
  // Relative data paths resolve in an empty folder of this process.
  static const evoaug::fuzz::InputFile anchor(nullptr, 0, "anchor");
  try {
    std::vector<evoaug::Override> parsed;
    for (const auto& o : overrides) parsed.push_back(evoaug::parse_override(o));
    auto file = evoaug::pipeline_from_text(text, "fuzz.toml", parsed, anchor.path().parent_path());
    (void)evoaug::build_setup(std::move(file), registry);
  } catch (const evoaug::Error&) {
  }
  return 0;
}
