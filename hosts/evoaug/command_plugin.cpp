// evoaug plugin check PATH.so... [--length L] [--seed S] [--device cpu|cuda|cuda:N]
//
// Conformance checks for plugin libraries, the ones every built-in plugin passes: a
// plugin author runs this in their own CI. Prints one pass/fail table per library and
// exits non-zero when any check of any library failed.
#include <c10/core/Device.h>
#include <torch/cuda.h>

#include <iostream>

#include "cli_args.h"
#include "commands.h"
#include "evoaug/error.h"
#include "plugin_check/plugin_check.h"

namespace evoaug::cli {
namespace {

constexpr const char* kUsage =
    "usage: evoaug plugin check PATH.so... [--length L] [--seed S] [--device cpu|cuda|cuda:N]\n"
    "  runs the conformance checks on each plugin library (see docs/writing-a-plugin.md)";

// A CUDA device that is not there is the machine's fault, not the plugin's: say so and
// run nothing, rather than fail the plugin's checks one by one.
c10::Device parse_device(const std::string& text) {
  c10::Device device(c10::kCPU);
  try {
    device = c10::Device(text);
  } catch (const std::exception&) {
    throw Error("evoaug plugin check: --device: '" + text + "' is not a device (cpu, cuda, cuda:N)");
  }
  if (device.is_cuda()) {
    const auto count = static_cast<int>(torch::cuda::device_count());
    if (count == 0)
      throw Error("evoaug plugin check: --device " + text +
                  ": no CUDA device (this LibTorch build or this machine has none); nothing was checked. "
                  "Leave out --device to check on the CPU");
    if (device.has_index() && device.index() >= count)
      throw Error("evoaug plugin check: --device " + text + ": this machine has " + std::to_string(count) +
                  " CUDA device(s)");
  }
  return device;
}

}  // namespace

int command_plugin(const HostContext&, const Argv& argv) {
  if (argv.empty() || argv.front() != "check") throw Error(std::string("evoaug plugin: expected 'check'\n") + kUsage);
  Args args("evoaug plugin check", Argv(argv.begin() + 1, argv.end()), {"--length", "--seed", "--device"}, {});
  if (args.positional().empty()) throw Error(std::string("evoaug plugin check: missing the plugin library\n") + kUsage);
  PluginCheckOptions options;
  options.length = args.integer("--length", options.length);
  if (options.length < 1) throw Error("evoaug plugin check: --length must be at least 1");
  const std::int64_t seed = args.integer("--seed", static_cast<std::int64_t>(options.seed));
  if (seed < 0) throw Error("evoaug plugin check: --seed must be >= 0");
  options.seed = static_cast<std::uint64_t>(seed);
  for (const auto& device : args.values("--device")) options.devices.push_back(parse_device(device));

  // The plugin under test only: the built-in plugins are not loaded.
  std::size_t failed = 0;
  for (const auto& path : args.positional()) {
    const PluginCheckReport report = check_plugin(path, options);
    std::cout << report.table() << std::endl;
    if (!report.passed()) ++failed;
  }
  return failed == 0 ? 0 : 1;
}

}  // namespace evoaug::cli
