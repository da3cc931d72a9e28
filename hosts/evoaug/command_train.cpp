// evoaug run | pretrain | finetune | evaluate | predict: thin wrappers over the embedding
// API (evoaug/runtime.h), plus the command line's progress display and result table.
#include <unistd.h>

#include <cmath>
#include <optional>
#include <cstdlib>
#include <cstdio>
#include <iostream>

#include "cli_args.h"
#include "commands.h"
#include "launcher.h"
#include "evoaug/error.h"
#include "evoaug/runtime.h"
#include "progress.h"
#include "evoaug/output_files.h"
#include "evoaug/sweep.h"

namespace evoaug::cli {
namespace {

constexpr int kInterruptedExit = 130;  // the shell's code for "stopped by SIGINT"

Runtime make_runtime(const HostContext& host) {
  Runtime::Options options;
  options.plugin_folders = host.extra_plugin_folders;
  return Runtime(options);
}

std::string cell(double v) {
  if (std::isnan(v)) return "n/a";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.4f", v);
  return buffer;
}

// The stages' test metrics side by side (means over tasks).
void print_table(const RunResult& result) {
  if (result.stages.empty()) return;
  std::printf("\n%-24s", "test metric");
  for (const auto& s : result.stages) std::printf("%12s", s.stage.c_str());
  std::printf("\n%-24s", "loss");
  for (const auto& s : result.stages) std::printf("%12s", cell(s.test.loss).c_str());
  std::printf("\n");
  for (const auto& [name, unused] : result.stages.front().test.mean) {
    const auto tasks = result.stages.front().test.tasks.size();
    std::printf("%-24s", (name + (tasks > 1 ? " (mean)" : "")).c_str());
    for (const auto& s : result.stages) {
      auto it = s.test.mean.find(name);
      std::printf("%12s", cell(it == s.test.mean.end() ? NAN : it->second).c_str());
    }
    std::printf("\n");
  }
  std::printf("%-24s", "best epoch / run");
  for (const auto& s : result.stages) {
    const std::string text = std::to_string(s.best_epoch) + "/" + std::to_string(s.epochs_run);
    std::printf("%12s", text.c_str());
  }
  std::printf("\n\nreport: %s\n", (result.output_dir / "report.json").string().c_str());
}

void print_metrics(const Metrics& m) {
  std::printf("%-24s%12s\n", "test metric", "value");
  std::printf("%-24s%12s\n", "loss", cell(m.loss).c_str());
  for (const auto& [name, values] : m.per_task) {
    for (std::size_t t = 0; t < values.size() && values.size() > 1; ++t)
      std::printf("%-24s%12s\n", (name + " " + m.tasks[t]).c_str(), cell(values[t]).c_str());
    std::printf("%-24s%12s\n", (name + (values.size() > 1 ? " (mean)" : "")).c_str(), cell(m.mean.at(name)).c_str());
  }
}

// Runs a training command; an interruption says how to continue and exits non-zero.
template <typename Fn>
int train_command(const std::string& resume_hint, Fn&& fn) {
  try {
    const RunResult result = fn(progress_callbacks(::isatty(2) != 0));
    if (result.rank == 0) print_table(result);  // in a multi-process run, rank 0 speaks
    return 0;
  } catch (const Interrupted& e) {
    if (const char* rank = std::getenv("RANK"); rank && std::string(rank) != "0") return kInterruptedExit;
    std::cerr << "\nevoaug: interrupted: " << e.what() << "\n  to continue: " << resume_hint << "\n";
    return kInterruptedExit;
  }
}

std::string command_line(const std::string& command, const Argv& argv) {
  std::string out = "evoaug " + command;
  bool has_resume = false;
  for (const auto& a : argv) {
    if (a == "--overwrite") continue;  // resuming replaces nothing
    out += " " + shell_quote(a);
    has_resume = has_resume || a == "--resume";
  }
  return has_resume ? out : out + " --resume";
}

std::vector<std::string> overrides(const Args& args) { return args.values("--set"); }

RunOptions run_options(const Args& args) {
  if (args.flag("--resume") && args.flag("--overwrite"))
    throw Error(args.command() + ": --resume and --overwrite cannot be used together: --resume continues the "
                "earlier run in the output folder, --overwrite replaces it. Choose one.");
  RunOptions options;
  options.resume = args.flag("--resume");
  options.handle_signals = true;
  options.overwrite = args.flag("--overwrite");
  return options;
}

}  // namespace

// The arguments without "--nproc N" (or "--nproc=N"): what each rank runs.
std::vector<std::string> without_nproc(const Argv& argv) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < argv.size(); ++i) {
    if (argv[i] == "--nproc") {
      ++i;
      continue;
    }
    if (argv[i].rfind("--nproc=", 0) == 0) continue;
    out.push_back(argv[i]);
  }
  return out;
}

// With `--nproc N` (N > 1), the command runs again as N local ranks of one job
// (launcher.h) once its pipeline has loaded here: a bad file fails once, not N times.
std::optional<int> launched_ranks(const std::string& command, const Args& args, const Argv& argv) {
  if (!args.value("--nproc")) return std::nullopt;
  const std::int64_t processes = args.integer("--nproc", 1);
  if (processes < 1 || processes > 1024)
    throw Error("evoaug " + command + ": --nproc " + std::to_string(processes) +
                ": the number of processes must be 1 to 1024");
  if (processes == 1) return std::nullopt;
  std::vector<std::string> rank_arguments{command};
  for (auto& a : without_nproc(argv)) rank_arguments.push_back(a);
  return launch_local_ranks(static_cast<int>(processes), rank_arguments);
}

int command_run(const HostContext& host, const Argv& argv) {
  Args args("evoaug run", argv, {"--set", "--nproc"}, {"--resume", "--overwrite"});
  const std::string file = args.positional(0, "the pipeline file (evoaug run P.toml)");
  args.expect_at_most(1);
  Runtime runtime = make_runtime(host);
  Pipeline pipeline = runtime.load(file, overrides(args));
  if (const auto status = launched_ranks("run", args, argv)) return *status;
  return train_command(command_line("run", argv), [&](const Callbacks& callbacks) {
    return pipeline.run(callbacks, run_options(args));
  });
}

int command_pretrain(const HostContext& host, const Argv& argv) {
  Args args("evoaug pretrain", argv, {"--set", "--nproc"}, {"--resume", "--overwrite"});
  const std::string file = args.positional(0, "the pipeline file (evoaug pretrain P.toml)");
  args.expect_at_most(1);
  Runtime runtime = make_runtime(host);
  Pipeline pipeline = runtime.load(file, overrides(args));
  if (const auto status = launched_ranks("pretrain", args, argv)) return *status;
  return train_command(command_line("pretrain", argv), [&](const Callbacks& callbacks) {
    return pipeline.pretrain(callbacks, run_options(args));
  });
}

int command_finetune(const HostContext& host, const Argv& argv) {
  Args args("evoaug finetune", argv, {"--set", "--from", "--nproc"}, {"--resume", "--overwrite"});
  const std::string from = args.required("--from");
  args.expect_at_most(1);
  Runtime runtime = make_runtime(host);
  // Without a pipeline file, the checkpoint's own configuration.
  Pipeline pipeline = args.positional().empty() ? runtime.from_checkpoint(from, overrides(args))
                                                : runtime.load(args.positional(0, "P.toml"), overrides(args));
  if (const auto status = launched_ranks("finetune", args, argv)) return *status;
  return train_command(command_line("finetune", argv), [&](const Callbacks& callbacks) {
    return pipeline.finetune(from, callbacks, run_options(args));
  });
}

int command_evaluate(const HostContext& host, const Argv& argv) {
  Args args("evoaug evaluate", argv, {"--set", "--checkpoint"}, {});
  const std::string checkpoint = args.required("--checkpoint");
  args.expect_at_most(1);
  Runtime runtime = make_runtime(host);
  Pipeline pipeline = args.positional().empty() ? runtime.from_checkpoint(checkpoint, overrides(args))
                                                : runtime.load(args.positional(0, "P.toml"), overrides(args));
  print_metrics(pipeline.evaluate(checkpoint));
  return 0;
}

int command_predict(const HostContext& host, const Argv& argv) {
  Args args("evoaug predict", argv, {"--set", "--checkpoint", "--in", "--out"}, {"--force"});
  const std::string checkpoint = args.required("--checkpoint");
  const std::string input = args.required("--in");
  const std::string output = args.required("--out");
  args.expect_at_most(1);
  std::vector<NamedPath> inputs = {{"--checkpoint", checkpoint}, {"--in", input}};
  if (!args.positional().empty()) inputs.push_back({"pipeline", args.positional().front()});
  check_output_file(output, "evoaug predict: --out", inputs, args.flag("--force"));
  Runtime runtime = make_runtime(host);
  Pipeline pipeline = args.positional().empty() ? runtime.from_checkpoint(checkpoint, overrides(args))
                                                : runtime.load(args.positional(0, "P.toml"), overrides(args));
  pipeline.predict(checkpoint, input, output);
  return 0;
}

}  // namespace evoaug::cli
