// evoaug bench distributed [--nproc 1,2] [--model chip_cnn|deepstarr] [--sequences N]
//                          [--epochs E] [--repeats R] [--json]
//
// Data-parallel scaling: the same pretraining (synthetic data, the paper's augmentation
// for the model, batch 128, one thread per rank) run as `evoaug run --nproc N` for each
// N, the counts interleaved over the repetitions; per N the median training throughput
// (sequences of the global batch per second, batches only), the speed-up and scaling
// efficiency against one process, and the time per step a rank waited for its gradient
// all-reduces after backward. The numbers come from each run's report.json.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <regex>
#include <sstream>

#include "bench.h"
#include "bench_training.h"
#include "child_process.h"
#include "cli_args.h"
#include "evoaug/error.h"
#include "util/json.h"

namespace evoaug::cli {
namespace {
namespace fs = std::filesystem;

std::string pipeline_text(const std::string& model, std::int64_t sequences, std::int64_t epochs) {
  const bool deepstarr = model == "deepstarr";
  std::ostringstream out;
  out << "[runtime]\ndevice = \"cpu\"\nthreads = 1\nseed = 1\noutput_dir = \"out\"\n\n"
      << "[data]\nformat = \"synthetic\"\ntask = \"" << (deepstarr ? "regression" : "binary") << "\"\n"
      << "num_sequences = " << sequences << "\nlength = " << (deepstarr ? 249 : 200) << "\ntasks = "
      << (deepstarr ? 2 : 1) << "\n\n[model]\ntype = \"" << model << "\"\n\n"
      << "[augment]\nmax_augs_per_seq = 2\nmode = \"hard\"\n"
      << "[[augment.ops]]\ntype = \"translocation\"\nshift_min = 0\nshift_max = 20\n"
      << "[[augment.ops]]\ntype = \"mutation\"\nmutate_frac = 0.05\n"
      << "[[augment.ops]]\ntype = \"noise\"\nnoise_mean = 0.0\nnoise_std = 0.3\n\n"
      << "[pretrain]\nmax_epochs = " << epochs << "\nbatch_size = 128\npatience = 0\nlr_patience = 0\n\n"
      << "[finetune]\nenabled = false\n";
  return out.str();
}

double number_in(const std::string& json, const std::string& key, const fs::path& file) {
  std::smatch match;
  if (!std::regex_search(json, match, std::regex("\"" + key + "\": ([0-9.eE+-]+)")))
    throw Error("evoaug bench distributed: no " + key + " in " + file.string());
  return std::stod(match[1]);
}

struct Sample {
  double sequences_per_second = 0, communication_ms = 0;
};

Sample run_once(const fs::path& folder, std::int64_t processes) {
  std::vector<std::string> arguments{"--log-level", "warn", "run", (folder / "p.toml").string(), "--overwrite"};
  if (processes > 1) arguments.insert(arguments.end(), {"--nproc", std::to_string(processes)});
  std::string output;
  const ChildExit exit = run_own_executable(arguments, [&](const std::string& line) { output += line + "\n"; });
  if (exit.signalled || exit.code != 0)
    throw Error("evoaug bench distributed: the run on " + std::to_string(processes) + " process(es) ended with " +
                exit.describe() + ":\n" + output);
  const fs::path report = folder / "out" / "report.json";
  std::ifstream in(report);
  const std::string json((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return {number_in(json, "sequences_per_second", report), number_in(json, "communication_ms_per_step", report)};
}

}  // namespace

int bench_distributed(const HostContext&, const Argv& argv) {
  Args args("evoaug bench distributed", argv, {"--nproc", "--model", "--sequences", "--epochs", "--repeats"},
            {"--json"});
  args.expect_at_most(0);
  const std::vector<std::int64_t> counts = parse_counts(args.value("--nproc").value_or("1,2"), "--nproc");
  const std::string model = args.value("--model").value_or("chip_cnn");
  if (model != "chip_cnn" && model != "deepstarr")
    throw Error("evoaug bench distributed: --model " + model + ": expected chip_cnn or deepstarr");
  const std::int64_t sequences = args.integer("--sequences", 4000);
  const std::int64_t epochs = args.integer("--epochs", 2);
  const std::int64_t repeats = args.integer("--repeats", 3);
  if (sequences < 600 || epochs < 1 || repeats < 1)
    throw Error("evoaug bench distributed: needs --sequences >= 600, --epochs >= 1 and --repeats >= 1");

  const fs::path root = fs::temp_directory_path() / ("evoaug-bench-distributed-" + std::to_string(::getpid()));
  std::map<std::int64_t, std::vector<Sample>> samples;
  try {
    for (std::int64_t n : counts) {
      fs::create_directories(root / std::to_string(n));
      std::ofstream(root / std::to_string(n) / "p.toml") << pipeline_text(model, sequences, epochs);
    }
    for (std::int64_t r = 0; r < repeats; ++r)
      for (std::size_t k = 0; k < counts.size(); ++k) {
        // Alternate the order so that drift on a shared machine hits every count alike.
        const std::int64_t n = counts[r % 2 == 0 ? k : counts.size() - 1 - k];
        samples[n].push_back(run_once(root / std::to_string(n), n));
      }
  } catch (...) {
    fs::remove_all(root);
    throw;
  }
  fs::remove_all(root);

  const auto median_of = [&](std::int64_t n, double Sample::*field) {
    std::vector<double> v;
    for (const auto& s : samples[n]) v.push_back(s.*field);
    return median(v);
  };
  const auto throughput = [&](std::int64_t n) { return median_of(n, &Sample::sequences_per_second); };
  const auto communication = [&](std::int64_t n) { return median_of(n, &Sample::communication_ms); };
  const double base = throughput(counts.front()) / static_cast<double>(counts.front());

  if (args.flag("--json")) {
    std::vector<std::string> rows;
    for (std::int64_t n : counts)
      rows.push_back(JsonObject(2)
                         .add("nproc", std::to_string(n))
                         .add("sequences_per_second", json_number(throughput(n)))
                         .add("speedup", json_number(throughput(n) / throughput(counts.front())))
                         .add("efficiency", json_number(throughput(n) / (base * static_cast<double>(n))))
                         .add("allreduce_wait_ms_per_step", json_number(communication(n)))
                         .str());
    std::cout << JsonObject(0)
                     .add("model", json_quoted(model))
                     .add("sequences", std::to_string(sequences))
                     .add("epochs", std::to_string(epochs))
                     .add("repeats", std::to_string(repeats))
                     .add("backend", json_quoted("gloo"))
                     .add("runs", json_array(rows, 1))
                     .str()
              << "\n";
    return 0;
  }
  std::printf("evoaug bench distributed: %s, %lld synthetic sequences, %lld pretraining epoch(s) with the paper's "
              "augmentation, batch 128, 1 thread per rank, Gloo; median of %lld\n",
              model.c_str(), static_cast<long long>(sequences), static_cast<long long>(epochs),
              static_cast<long long>(repeats));
  std::printf("%6s %14s %9s %11s %22s\n", "nproc", "sequences/s", "speed-up", "efficiency", "all-reduce wait ms/step");
  for (std::int64_t n : counts)
    std::printf("%6lld %14.1f %8.2fx %10.0f%% %22.2f\n", static_cast<long long>(n), throughput(n),
                throughput(n) / throughput(counts.front()), 100.0 * throughput(n) / (base * static_cast<double>(n)),
                communication(n));
  return 0;
}

}  // namespace evoaug::cli
