// evoaug bench compare [--models a,b] [--threads 1,2] [--repeats R] [--steps K]
//                      [--epoch] [--train N] [--valid M] [--python PATH] [--worker PATH]
//                      [--python-malloc tuned|default] [--json]
//
// evoaug against Python PyTorch on the same LibTorch, measured in one run (absolute
// times on a shared machine drift by 3x within the hour; their ratio does not):
//  - the training step of each paper model, one and two threads: C++ runs the trainer's
//    step (bench_training.h: prepare the batch, forward, loss, backward, Adam), Python
//    the same model definition (bench/python/reference_models.py, parameter counts
//    checked equal) on a fixed batch; K steps each, alternating, R times; medians;
//  - with --epoch, a whole pretraining epoch with augmentation (ChIP CNN and DeepSTARR
//    settings), validation included, data in memory: `evoaug run`'s own stage (prefetch
//    on) against a plain PyTorch loop with the reference per-sequence augmentation
//    (bench/python/reference_augment.py); and the same C++ epoch without augmentation,
//    for the augmentation's share of the epoch.
// Python runs at its best by default: glibc told not to return large blocks to the
// system (MALLOC_MMAP_THRESHOLD_ etc.), which makes its step several times faster here;
// --python-malloc default runs it as installed.
#include <ATen/Parallel.h>
#include <spdlog/spdlog.h>
#include <toml++/toml.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <sstream>

#include "bench.h"
#include "bench_training.h"
#include "cli_args.h"
#include "evoaug/cpu_memory.h"
#include "evoaug/error.h"
#include "evoaug/runtime.h"
#include "python_worker.h"
#include "util/json.h"

namespace evoaug::cli {
namespace fs = std::filesystem;
namespace {

constexpr std::int64_t kBatch = 128;
constexpr double kTargetStepSpeedup = 1.2, kTargetEpochSpeedup = 2.0, kTargetOverheadPct = 3.0;

const std::map<std::string, std::string>& tuned_malloc() {
  static const std::map<std::string, std::string> env{{"MALLOC_MMAP_THRESHOLD_", "4294967296"},
                                                      {"MALLOC_TRIM_THRESHOLD_", "4294967296"},
                                                      {"MALLOC_TOP_PAD_", "1073741824"}};
  return env;
}

std::vector<std::string> split_names(const std::string& text) {
  std::vector<std::string> names;
  std::stringstream in(text);
  for (std::string name; std::getline(in, name, ',');)
    if (!name.empty()) names.push_back(name);
  return names;
}

struct StepRow {
  std::string model;
  std::int64_t threads;
  std::int64_t parameters;
  double cpp_ms, python_ms;
};

StepRow compare_steps(const HostContext& host, PythonWorker& python, const PaperSetup& setup, std::int64_t threads,
                      std::int64_t repeats, std::int64_t steps) {
  at::set_num_threads(static_cast<int>(threads));
  TrainingBench cpp(host, setup, kBatch, Precision::fp32, c10::kCPU);
  std::ostringstream request;
  request << R"({"cmd":"setup","model":")" << setup.model << R"(","length":)" << cpp.model_length()
          << R"(,"tasks":)" << setup.tasks << R"(,"batch":)" << kBatch << R"(,"threads":)" << threads
          << R"(,"seed":0})";
  const auto parameters = static_cast<std::int64_t>(json_number(python.request(request.str()), "parameters"));
  if (parameters != cpp.parameters())
    throw Error("bench compare: " + setup.model + " has " + std::to_string(cpp.parameters()) +
                " parameters in evoaug but " + std::to_string(parameters) +
                " in bench/python/reference_models.py: the two models differ, so their times cannot be compared");
  const std::string python_steps = R"({"cmd":"steps","count":)" + std::to_string(steps) + "}";
  const auto cpp_steps = [&](std::int64_t round) {
    std::vector<double> ms;
    for (std::int64_t i = 0; i < steps; ++i) {
      const auto start = std::chrono::steady_clock::now();
      cpp.step(cpp.prepare(round * steps + i, /*augmenting=*/false));
      ms.push_back(elapsed_ms(start));
    }
    return ms;
  };
  cpp_steps(0);  // warm-up both: allocator, Adam state, first-call dispatch
  python.request(python_steps);
  std::vector<double> cpp_ms, python_ms;
  for (std::int64_t r = 0; r < repeats; ++r) {
    for (double ms : cpp_steps(r + 1)) cpp_ms.push_back(ms);
    for (double ms : json_numbers(python.request(python_steps), "ms")) python_ms.push_back(ms);
  }
  return {setup.model, threads, parameters, median(cpp_ms), median(python_ms)};
}

// The reference's names for the DeepSTARR settings of bench_inputs.cpp.
std::string python_augment(const std::string& mode) {
  return R"({"mode":")" + mode +
         R"(","max_augs_per_seq":2,"ops":{"inversion":{"invert_min":0,"invert_max":20},)"
         R"("deletion":{"delete_min":0,"delete_max":30},"translocation":{"shift_min":0,"shift_max":20},)"
         R"("insertion":{"insert_min":0,"insert_max":20},"rc":{"rc_prob":0.0},"mutation":{"mut_frac":0.05},)"
         R"("noise":{"noise_mean":0.0,"noise_std":0.3}}})";
}

struct EpochRow {
  std::string model;
  std::int64_t threads;
  double cpp_s, cpp_plain_s, python_s, python_augment_s;
  double cpp_wait_s;  ///< of cpp_s, the trainer waiting for its next batch
};

struct EpochTime {
  double seconds = 0, data_wait_seconds = 0;
};

// One pretraining epoch of `evoaug run`, validation included, as on_epoch reports it.
EpochTime cpp_epoch(Runtime& runtime, const PaperSetup& setup, std::int64_t threads, std::int64_t train,
                 std::int64_t valid, bool augmenting, const fs::path& folder) {
  const std::int64_t test = 32;  // the stage tests its best weights afterwards; not timed
  const double total = static_cast<double>(train + valid + test);
  std::ostringstream toml;
  toml << "[runtime]\nthreads = " << threads << "\nseed = 1\noutput_dir = \"" << folder.string() << "\"\n"
       << "[data]\nformat = \"synthetic\"\nlength = " << setup.length << "\ntasks = " << setup.tasks
       << "\ntask = \"" << (setup.model == "deepstarr" ? "regression" : "binary") << "\"\nnum_sequences = "
       << train + valid + test << "\ntrain_fraction = " << static_cast<double>(train) / total
       << "\nvalid_fraction = " << static_cast<double>(valid) / total
       << "\ntest_fraction = " << static_cast<double>(test) / total << "\n"
       << "[model]\ntype = \"" << setup.model << "\"\n"
       << "[pretrain]\nmax_epochs = 1\naugment = " << (augmenting ? "true" : "false") << "\n"
       << "[finetune]\nenabled = false\n[evaluate]\nbatch_size = " << kBatch << "\n"
       << setup.pipeline;
  Pipeline pipeline = runtime.parse(toml.str(), "<bench compare: " + setup.model + ">");
  EpochTime time;
  Callbacks callbacks;
  callbacks.on_epoch = [&](const EpochSummary& summary) { time = {summary.seconds, summary.data_wait_seconds}; };
  RunOptions options;
  options.overwrite = true;
  pipeline.pretrain(callbacks, options);
  return time;
}

EpochRow compare_epoch(Runtime& runtime, PythonWorker& python, const PaperSetup& setup, std::int64_t threads,
                       std::int64_t train, std::int64_t valid, std::int64_t repeats, const fs::path& folder) {
  std::ostringstream request;
  request << R"({"cmd":"epoch","model":")" << setup.model << R"(","length":)" << setup.length << R"(,"tasks":)"
          << setup.tasks << R"(,"train":)" << train << R"(,"valid":)" << valid << R"(,"batch":)" << kBatch
          << R"(,"threads":)" << threads << R"(,"seed":0,"augment":)"
          << python_augment(setup.model == "chip_cnn" ? "soft" : "hard") << "}";
  std::vector<double> cpp_s, plain_s, python_s, python_augment_s, wait_s;
  // One untimed epoch each first (allocator, caches), then the two C++ variants in
  // alternating order, so that neither always runs on what the other warmed up.
  cpp_epoch(runtime, setup, threads, train, valid, true, folder);
  python.request(request.str());
  for (std::int64_t r = 0; r < repeats; ++r) {
    const bool augmented_first = r % 2 == 0;
    const EpochTime first = cpp_epoch(runtime, setup, threads, train, valid, augmented_first, folder);
    const EpochTime second = cpp_epoch(runtime, setup, threads, train, valid, !augmented_first, folder);
    const EpochTime& augmented = augmented_first ? first : second;
    cpp_s.push_back(augmented.seconds);
    wait_s.push_back(augmented.data_wait_seconds);
    plain_s.push_back(augmented_first ? second.seconds : first.seconds);
    const std::string reply = python.request(request.str());
    python_s.push_back(json_number(reply, "seconds"));
    python_augment_s.push_back(json_number(reply, "augment_seconds"));
  }
  return {setup.model, threads, median(cpp_s), median(plain_s), median(python_s), median(python_augment_s),
          median(wait_s)};
}

}  // namespace

int bench_compare(const HostContext& host, const Argv& argv) {
  Args args("evoaug bench compare", argv,
            {"--models", "--threads", "--repeats", "--steps", "--train", "--valid", "--python", "--worker",
             "--python-malloc"},
            {"--epoch", "--json"});
  args.expect_at_most(0);
  std::vector<const PaperSetup*> setups;
  for (const auto& name : split_names(args.value("--models").value_or("chip_cnn,deepstarr,basset")))
    setups.push_back(&find_paper_setup(name, "evoaug bench compare"));
  const std::vector<std::int64_t> thread_counts = parse_counts(args.value("--threads").value_or("1,2"), "--threads");
  const std::int64_t repeats = args.integer("--repeats", 5), steps = args.integer("--steps", 3);
  const std::int64_t train = args.integer("--train", 1024), valid = args.integer("--valid", 256);
  if (repeats < 1 || steps < 1 || train < 2 || valid < 1)
    throw Error("evoaug bench compare: --repeats, --steps and --valid must be at least 1 and --train at least 2");
  const std::string malloc_mode = args.value("--python-malloc").value_or("tuned");
  if (malloc_mode != "tuned" && malloc_mode != "default")
    throw Error("evoaug bench compare: --python-malloc is 'tuned' or 'default', got '" + malloc_mode + "'");
  const std::string python_path = find_python(args.value("--python").value_or(""));
  const fs::path worker_path = args.value("--worker") ? fs::path(*args.value("--worker")) : find_bench_worker();

  use_caching_cpu_allocator();  // as `evoaug run` does (Runtime)
  PythonWorker python(python_path, worker_path,
                      malloc_mode == "tuned" ? tuned_malloc() : std::map<std::string, std::string>{});
  std::vector<StepRow> step_rows;
  for (const PaperSetup* setup : setups)
    for (std::int64_t threads : thread_counts)
      step_rows.push_back(compare_steps(host, python, *setup, threads, repeats, steps));

  std::vector<EpochRow> epoch_rows;
  if (args.flag("--epoch")) {
    const fs::path folder = fs::temp_directory_path() / ("evoaug-bench-compare-" + std::to_string(getpid()));
    const auto level = spdlog::get_level();
    spdlog::set_level(spdlog::level::warn);  // the runs' progress lines would bury the table
    Runtime runtime;
    for (const PaperSetup* setup : setups) {
      if (setup->model == "basset") continue;  // the paper's epoch settings are DeepSTARR's (ChIP CNN, DeepSTARR)
      for (std::int64_t threads : thread_counts) {
        at::set_num_threads(static_cast<int>(threads));
        epoch_rows.push_back(compare_epoch(runtime, python, *setup, threads, train, valid, repeats, folder));
      }
    }
    spdlog::set_level(level);
    std::error_code ec;
    fs::remove_all(folder, ec);
  }

  if (args.flag("--json")) {
    toml::array step_table, epoch_table;
    for (const auto& r : step_rows)
      step_table.push_back(toml::table{{"model", r.model},
                                       {"threads", r.threads},
                                       {"parameters", r.parameters},
                                       {"cpp_ms", r.cpp_ms},
                                       {"python_ms", r.python_ms},
                                       {"speedup", r.python_ms / r.cpp_ms}});
    for (const auto& r : epoch_rows)
      epoch_table.push_back(toml::table{{"model", r.model},
                                        {"threads", r.threads},
                                        {"cpp_s", r.cpp_s},
                                        {"cpp_no_augment_s", r.cpp_plain_s},
                                        {"python_s", r.python_s},
                                        {"python_augment_s", r.python_augment_s},
                                        {"speedup", r.python_s / r.cpp_s},
                                        {"augment_overhead_pct", 100.0 * (r.cpp_s - r.cpp_plain_s) / r.cpp_plain_s},
                                        {"data_wait_s", r.cpp_wait_s},
                                        {"data_wait_pct", 100.0 * r.cpp_wait_s / r.cpp_s}});
    toml::table out{{"batch", kBatch},
                    {"repeats", repeats},
                    {"steps_per_repeat", steps},
                    {"python", python_path},
                    {"python_malloc", malloc_mode},
                    {"steps", std::move(step_table)},
                    {"epochs", std::move(epoch_table)}};
    std::cout << to_json(out) << "\n";
    return 0;
  }
  std::printf("evoaug bench compare: training step, batch %lld, evoaug (C++) vs Python PyTorch (%s, malloc %s), "
              "same LibTorch; medians of %lld x %lld steps, interleaved\n",
              static_cast<long long>(kBatch), python_path.c_str(), malloc_mode.c_str(),
              static_cast<long long>(repeats), static_cast<long long>(steps));
  std::printf("  %-10s %7s %12s %12s %9s\n", "model", "threads", "evoaug ms", "python ms", "speedup");
  for (const auto& r : step_rows)
    std::printf("  %-10s %7lld %12.2f %12.2f %8.2fx %s\n", r.model.c_str(), static_cast<long long>(r.threads),
                r.cpp_ms, r.python_ms, r.python_ms / r.cpp_ms,
                r.python_ms / r.cpp_ms >= kTargetStepSpeedup ? "ok" : "UNDER TARGET (1.2x)");
  if (!epoch_rows.empty()) {
    std::printf("\npretraining epoch with augmentation, %lld train + %lld validation sequences in memory: "
                "`evoaug run`'s stage vs a PyTorch loop with the reference augmentation\n",
                static_cast<long long>(train), static_cast<long long>(valid));
    std::printf("  %-10s %7s %10s %10s %9s %13s %11s %11s\n", "model", "threads", "evoaug s", "python s",
                "speedup", "evoaug no-aug", "aug share", "data wait");
    for (const auto& r : epoch_rows) {
      const double overhead = 100.0 * (r.cpp_s - r.cpp_plain_s) / r.cpp_plain_s;
      const double wait = 100.0 * r.cpp_wait_s / r.cpp_s;
      std::printf("  %-10s %7lld %10.2f %10.2f %8.2fx %12.2fs %+10.1f%% %10.2f%% %s\n", r.model.c_str(),
                  static_cast<long long>(r.threads), r.cpp_s, r.python_s, r.python_s / r.cpp_s, r.cpp_plain_s,
                  overhead, wait,
                  r.python_s / r.cpp_s >= kTargetEpochSpeedup && wait <= kTargetOverheadPct ? "ok" : "UNDER TARGET");
    }
    std::printf("  (aug share: the epoch with augmentation against the same epoch without, in alternating order;\n"
                "   data wait: the share of the augmented epoch the training loop spent waiting for its next\n"
                "   batch, gathered and augmented on the prefetch worker; what the step does not hide)\n");
    std::printf("  (python's augmentation alone: %s)\n", [&] {
      std::string s;
      for (const auto& r : epoch_rows) s += r.model + " " + std::to_string(r.python_augment_s) + " s; ";
      return s;
    }().c_str());
  }
  return 0;
}

}  // namespace evoaug::cli
