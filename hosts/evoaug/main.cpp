// The `evoaug` command-line host: global options, command dispatch, and the one place
// where errors become a message and a non-zero exit.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <filesystem>
#include <iostream>

#include "commands.h"
#include "evoaug/build_config.h"
#include "evoaug/error.h"
#include "util/error_text.h"
#include "util/suggest.h"

namespace evoaug::cli {
namespace {

struct Command {
  const char* name;
  int (*run)(const HostContext&, const Argv&);
  const char* summary;
};

const Command kCommands[] = {
    {"run", command_run, "pretrain with augmentations, fine-tune, test and report: run P.toml"},
    {"pretrain", command_pretrain, "the augmented training stage only: pretrain P.toml"},
    {"finetune", command_finetune, "fine-tune from a checkpoint: finetune P.toml --from CKPT"},
    {"evaluate", command_evaluate, "test metrics of a checkpoint: evaluate P.toml --checkpoint CKPT"},
    {"predict", command_predict, "predictions for sequences: predict --checkpoint CKPT --in x.fa --out p.tsv"},
    {"check", command_check, "validate a pipeline file without training: check P.toml"},
    {"augment", command_augment, "augment a FASTA file: augment --config P.toml --in x.fa --out y.fa"},
    {"data", command_data, "look at a dataset: data inspect FILE"},
    {"synth", command_synth, "write the built-in synthetic dataset: synth --out FILE.h5"},
    {"plugins", command_plugins, "list plugins and components: plugins [--json] [--describe NAME] [--markdown]"},
    {"plugin", command_plugin, "conformance checks for a plugin library: plugin check PATH.so"},
    {"bench", command_bench, "benchmarks: bench augment | bench train --model NAME | bench compare [--epoch]"},
};

void print_usage() {
  std::cout << "evoaug " << EVOAUG_VERSION
            << ": train genomic deep neural networks with evolution-inspired augmentations\n\n"
               "usage: evoaug [--log-level LEVEL] [--plugin-path DIR]... COMMAND [ARGS]\n\ncommands:\n";
  for (const auto& c : kCommands) std::printf("  %-10s %s\n", c.name, c.summary);
  std::cout << "\nglobal options:\n"
               "  --log-level LEVEL   trace, debug, info (default), warn, error, off\n"
               "  --plugin-path DIR   also load plugins from DIR (also: EVOAUG_PLUGIN_PATH)\n"
               "  --version, --help\n";
}

spdlog::level::level_enum parse_level(const std::string& text) {
  const std::vector<std::string> levels{"trace", "debug", "info", "warn", "error", "critical", "off"};
  auto level = spdlog::level::from_str(text);
  if (level == spdlog::level::off && text != "off")
    throw Error("--log-level: " + unknown_name_message("level", text, levels));
  return level;
}

int dispatch(int argc, char** argv) {
  HostContext host;
  std::size_t i = 1;
  for (; i < static_cast<std::size_t>(argc); ++i) {
    const std::string arg = argv[i];
    auto value = [&](const std::string& option) -> std::string {
      if (auto eq = arg.find('='); eq != std::string::npos) return arg.substr(eq + 1);
      if (i + 1 >= static_cast<std::size_t>(argc)) throw Error(option + " needs a value");
      return argv[++i];
    };
    if (arg == "--version") {
      std::cout << "evoaug " << EVOAUG_VERSION << "\n";
      return 0;
    } else if (arg == "--help" || arg == "-h" || arg == "help") {
      print_usage();
      return 0;
    } else if (arg.rfind("--log-level", 0) == 0) {
      spdlog::set_level(parse_level(value("--log-level")));
    } else if (arg.rfind("--plugin-path", 0) == 0) {
      // Asked for by name, so a folder that is not there is an error, not a silent skip
      // (the default folders and EVOAUG_PLUGIN_PATH may be absent).
      const std::filesystem::path folder = value("--plugin-path");
      std::error_code ec;
      if (!std::filesystem::is_directory(folder, ec))
        throw Error("--plugin-path '" + folder.string() + "': " +
                    (std::filesystem::exists(folder, ec) ? "is not a folder (give the folder that holds the plugin)"
                                                         : "no such folder"));
      host.extra_plugin_folders.push_back(folder);
    } else {
      break;
    }
  }
  if (i >= static_cast<std::size_t>(argc)) {
    print_usage();
    return 2;
  }
  const std::string name = argv[i];
  const Argv rest(argv + i + 1, argv + argc);
  for (const auto& c : kCommands)
    if (name == c.name) return c.run(host, rest);
  std::vector<std::string> names;
  for (const auto& c : kCommands) names.push_back(c.name);
  throw Error(unknown_name_message("command", name, names) + " (evoaug --help lists them)");
}

}  // namespace
}  // namespace evoaug::cli

int main(int argc, char** argv) {
  // Logs go to stderr so that stdout stays machine-readable (--json, tables).
  spdlog::set_default_logger(spdlog::stderr_color_mt("evoaug"));
  spdlog::set_pattern("[%H:%M:%S] [%^%l%$] %v");
  try {
    return evoaug::cli::dispatch(argc, argv);
  } catch (const evoaug::Error& e) {
    std::cerr << "evoaug: error: " << e.what() << "\n";
  } catch (const std::exception& e) {
    // Not ours (LibTorch, the standard library): still a message, never a crash, and
    // never LibTorch's C++ backtrace: its message's first line only.
    std::cerr << "evoaug: error: " << evoaug::first_line(e) << "\n";
  }
  return 1;
}
