// evoaug plugin check PATH.so... [--length L] [--seed S] [--device cpu|cuda|cuda:N]
//                               [--component NAME] [--in-process]
//
// Conformance checks for plugin libraries, the ones every built-in plugin passes: a
// plugin author runs this in their own CI. Prints one pass/fail table per library and
// exits non-zero when any check of any library failed. Each component is checked in a
// child process (this executable with --component NAME --rows), so a plugin that crashes
// is a failed row naming the signal and the check that was running, and the other
// components are still checked.
#include <c10/core/Device.h>
#include <torch/cuda.h>

#include <algorithm>
#include <iostream>
#include <optional>

#include "child_process.h"
#include "cli_args.h"
#include "commands.h"
#include "evoaug/error.h"
#include "evoaug/plugin_check.h"

namespace evoaug::cli {
namespace {

constexpr const char* kUsage =
    "usage: evoaug plugin check PATH.so... [--length L] [--seed S] [--device cpu|cuda|cuda:N] [--component NAME]\n"
    "                          [--in-process]\n"
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

// The child's side of isolation: rows as tab-separated lines, each written as soon as it
// is known ("start" before a check runs, so that the parent knows which one crashed).
std::string escaped(const std::string& text) {
  std::string out;
  for (char c : text) out += c == '\\' ? "\\\\" : c == '\t' ? "\\t" : c == '\n' ? "\\n" : std::string(1, c);
  return out;
}

std::string unescaped(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\' || i + 1 == text.size()) {
      out += text[i];
      continue;
    }
    const char next = text[++i];
    out += next == 't' ? '\t' : next == 'n' ? '\n' : next;
  }
  return out;
}

std::vector<std::string> fields(const std::string& line) {
  std::vector<std::string> out;
  std::size_t begin = 0;
  for (std::size_t tab; (tab = line.find('\t', begin)) != std::string::npos; begin = tab + 1)
    out.push_back(line.substr(begin, tab - begin));
  out.push_back(line.substr(begin));
  return out;
}

void stream_rows(PluginCheckOptions& options) {
  options.on_start = [](const std::string& component, const std::string& check) {
    std::cout << "start\t" << escaped(component) << "\t" << escaped(check) << std::endl;
  };
  options.on_outcome = [](const CheckOutcome& o) {
    std::cout << "row\t" << escaped(o.component) << "\t" << escaped(o.check) << "\t" << (o.passed ? 1 : 0) << "\t"
              << escaped(o.detail) << std::endl;
  };
}

// The parent's side: the component's rows as the child sent them, plus a failed row if
// it did not end normally.
std::vector<CheckOutcome> check_in_child(const std::string& file, const std::string& component,
                                         const std::vector<std::string>& passed_on) {
  std::vector<std::string> arguments{"plugin", "check", file, "--component", component, "--rows"};
  arguments.insert(arguments.end(), passed_on.begin(), passed_on.end());
  std::vector<CheckOutcome> outcomes;
  std::optional<std::string> running;  // a check that started and has no row yet
  std::string other_output;            // anything else the child wrote (its error, a log line)
  const ChildExit exit = run_own_executable(arguments, [&](const std::string& line) {
    const auto parts = fields(line);
    if (parts.size() == 3 && parts[0] == "start") {
      running = unescaped(parts[2]);
    } else if (parts.size() == 5 && parts[0] == "row") {
      outcomes.push_back({unescaped(parts[1]), unescaped(parts[2]), parts[3] == "1", unescaped(parts[4])});
      running.reset();
    } else if (!line.empty()) {
      other_output = line;
    }
  });
  if (exit.signalled)
    outcomes.push_back({component, running.value_or("runs without crashing"), false,
                        "the process crashed: " + exit.describe() + (running ? " during this check" : "")});
  else if (exit.code != 0)
    outcomes.push_back({component, running.value_or("runs to the end"), false,
                        "the child process ended with " + exit.describe() +
                            (other_output.empty() ? "" : ": " + other_output)});
  return outcomes;
}

}  // namespace

int command_plugin(const HostContext&, const Argv& argv) {
  if (argv.empty() || argv.front() != "check") throw Error(std::string("evoaug plugin: expected 'check'\n") + kUsage);
  Args args("evoaug plugin check", Argv(argv.begin() + 1, argv.end()), {"--length", "--seed", "--device", "--component"},
            {"--in-process", "--rows"});
  if (args.positional().empty()) throw Error(std::string("evoaug plugin check: missing the plugin library\n") + kUsage);
  PluginCheckOptions options;
  options.length = args.integer("--length", options.length);
  if (options.length < 1) throw Error("evoaug plugin check: --length must be at least 1");
  const std::int64_t seed = args.integer("--seed", static_cast<std::int64_t>(options.seed));
  if (seed < 0) throw Error("evoaug plugin check: --seed must be >= 0");
  options.seed = static_cast<std::uint64_t>(seed);
  std::vector<std::string> passed_on{"--length", std::to_string(options.length), "--seed", std::to_string(seed)};
  for (const auto& device : args.values("--device")) {
    options.devices.push_back(parse_device(device));
    passed_on.insert(passed_on.end(), {"--device", device});
  }

  const std::optional<std::string> only = args.value("--component");
  if (args.flag("--rows")) {
    // A child of the command below: one component, rows streamed.
    if (!only || args.positional().size() != 1)
      throw Error("evoaug plugin check: --rows needs one library and --component");
    stream_rows(options);
    check_plugin_component(args.positional().front(), *only, options);
    return 0;
  }

  // The plugin under test only: the built-in plugins are not loaded.
  std::size_t failed = 0;
  for (const auto& path : args.positional()) {
    PluginCheckReport report;
    if (args.flag("--in-process") && !only) {
      report = check_plugin(path, options);
    } else {
      std::vector<std::string> components;
      report = check_plugin_library(path, components);
      if (only && !components.empty()) {
        if (std::find(components.begin(), components.end(), *only) == components.end())
          throw Error("evoaug plugin check: --component " + *only + ": " + path + " has no such component");
        components = {*only};
      }
      for (const auto& component : components) {
        auto rows = args.flag("--in-process") ? check_plugin_component(path, component, options)
                                              : check_in_child(path, component, passed_on);
        report.outcomes.insert(report.outcomes.end(), rows.begin(), rows.end());
      }
    }
    std::cout << report.table() << std::endl;
    if (!report.passed()) ++failed;
  }
  return failed == 0 ? 0 : 1;
}

}  // namespace evoaug::cli
