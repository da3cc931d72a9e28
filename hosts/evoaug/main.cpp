// The `evoaug` command-line host: global options, command dispatch, and the one place
// where errors become a message and a non-zero exit.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "command_help.h"
#include "commands.h"
#include "evoaug/build_config.h"
#include "evoaug/error.h"
#include "evoaug/error_text.h"
#include "evoaug/suggest.h"

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
    {"report", command_report, "write a run's report.html again: report RUN_DIR"},
    {"sweep", command_sweep, "runs over settings and seeds, summarised: sweep S.toml [--jobs N]"},
    {"attribute", command_attribute, "attribution maps of a trained model: attribute RUN_DIR --in x.fa --out maps.h5"},
    {"score-variants", command_score_variants, "variant effects: score-variants RUN_DIR --vcf V.vcf --reference G.fa --out s.tsv"},
    {"filters", command_filters, "first-layer filters as motifs: filters RUN_DIR --in x.h5 --out DIR [--motifs DB.meme]"},
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
               "usage: evoaug COMMAND [ARGS] [--log-level LEVEL] [--plugin-path DIR]...\n\ncommands:\n";
  for (const auto& c : kCommands) std::printf("  %-14s %s\n", c.name, c.summary);
  std::cout << "\nglobal options (anywhere on the line):\n"
               "  --log-level LEVEL   trace, debug, info (default), warn, error, off\n"
               "  --plugin-path DIR   also load plugins from DIR (also: EVOAUG_PLUGIN_PATH)\n"
               "  --require-device    a CUDA device asked for must be there: no fallback to the CPU\n"
               "  --version, --help   (evoaug COMMAND --help: the command's options and an example)\n";
}

spdlog::level::level_enum parse_level(const std::string& text) {
  const std::vector<std::string> levels{"trace", "debug", "info", "warn", "error", "critical", "off"};
  auto level = spdlog::level::from_str(text);
  if (level == spdlog::level::off && text != "off")
    throw Error("--log-level: " + unknown_name_message("level", text, levels));
  return level;
}

// Global options are taken wherever they stand (`evoaug run P.toml --log-level warn`, as
// users type them); what is left is the command and its own arguments.
int dispatch(int argc, char** argv) {
  HostContext host;
  std::vector<std::string> args;
  bool require_device = false;
  bool help = false;
  for (int k = 1; k < argc; ++k) {
    const std::string arg = argv[k];
    auto value = [&](const std::string& option) -> std::string {
      if (auto eq = arg.find('='); eq != std::string::npos) return arg.substr(eq + 1);
      if (k + 1 >= argc) throw Error(option + " needs a value");
      return argv[++k];
    };
    auto is_option = [&](const std::string& option) {
      return arg == option || arg.rfind(option + "=", 0) == 0;
    };
    if (arg == "--version") {
      std::cout << "evoaug " << EVOAUG_VERSION << "\n";
      return 0;
    } else if (arg == "--help" || arg == "-h" || (args.empty() && arg == "help")) {
      help = true;
    } else if (is_option("--log-level")) {
      spdlog::set_level(parse_level(value("--log-level")));
    } else if (is_option("--plugin-path")) {
      // Asked for by name, so a folder that is not there is an error, not a silent skip
      // (the default folders and EVOAUG_PLUGIN_PATH may be absent).
      const std::filesystem::path folder = value("--plugin-path");
      std::error_code ec;
      if (!std::filesystem::is_directory(folder, ec))
        throw Error("--plugin-path '" + folder.string() + "': " +
                    (std::filesystem::exists(folder, ec) ? "is not a folder (give the folder that holds the plugin)"
                                                         : "no such folder"));
      host.extra_plugin_folders.push_back(folder);
    } else if (arg == "--require-device") {
      require_device = true;
    } else {
      args.push_back(arg);
    }
  }
  if (help) {  // the page of the command (and subcommand) named, or the overview
    const std::string sub = args.size() > 1 && args[1].rfind("-", 0) != 0 ? args[1] : "";
    const char* page = args.empty() ? nullptr : command_help(args[0], sub);
    if (page) std::cout << page;
    else print_usage();
    return 0;
  }
  if (args.empty()) {
    print_usage();
    return 2;
  }
  const std::string name = args.front();
  Argv rest(args.begin() + 1, args.end());
  if (require_device) {
    // The same as [runtime] require_device = true, for the commands that read a pipeline.
    const std::vector<std::string> takers{"run", "pretrain", "finetune", "evaluate", "predict", "check"};
    if (std::find(takers.begin(), takers.end(), name) == takers.end())
      throw Error("--require-device applies to run, pretrain, finetune, evaluate, predict and check, not '" + name + "'");
    rest.insert(rest.end(), {"--set", "runtime.require_device=true"});
  }
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
