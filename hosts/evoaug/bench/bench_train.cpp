// evoaug bench train --model NAME [--threads N] [--repeats R] [--precision P]
//                    [--device D] [--system-malloc] [--profile] [--json]
//
// Times the trainer's own training step (train/training_step.h, what `evoaug run` calls
// for every batch) on a batch of 128 at the model's paper length: the batch prepared
// without augmentation (padding only, as fine-tuning does) and with the paper's
// augmentation pipeline for that model, then forward, loss, backward and Adam. Both
// train the same model, built for the pipeline's output length (L + insert_max). The two
// are interleaved, repetition by repetition, so that machine noise hits both alike;
// medians are reported.
//
// In `evoaug run` the preparation runs on a worker thread, ahead of the step
// ([runtime] prefetch), so what a batch costs there is the step alone; the augmentation
// line shows what it would add if it ran in turn. --profile adds LibTorch's profiler
// table of a few augmented steps (the operators by self time).
#include <ATen/Parallel.h>
#include <toml++/toml.h>

#include <chrono>
#include <cstdio>
#include <iostream>

#include "bench.h"
#include "bench_profile.h"
#include "bench_training.h"
#include "cli_args.h"
#include "evoaug/cpu_memory.h"
#include "evoaug/error.h"
#include "runtime/pipeline_setup.h"
#include "util/json.h"

namespace evoaug::cli {
namespace {

constexpr std::int64_t kBatch = 128, kAlphabet = 4;
constexpr double kTargetOverheadPct = 3.0;

}  // namespace

int bench_train(const HostContext& host, const Argv& argv) {
  Args args("evoaug bench train", argv, {"--model", "--threads", "--repeats", "--precision", "--device"},
            {"--json", "--system-malloc", "--profile"});
  args.expect_at_most(0);
  const PaperSetup& setup = find_paper_setup(args.required("--model"), "evoaug bench train");
  const std::int64_t threads = args.integer("--threads", 1);
  const std::int64_t repeats = args.integer("--repeats", 15);
  if (threads < 1) throw Error("evoaug bench train: --threads must be at least 1, got " + std::to_string(threads));
  if (repeats < 1) throw Error("evoaug bench train: --repeats must be at least 1, got " + std::to_string(repeats));
  const std::string precision_text = args.value("--precision").value_or("fp32");
  Precision precision;
  try {
    precision = parse_precision(precision_text);
  } catch (const Error& e) {
    throw Error(std::string("evoaug bench train: --precision: ") + e.what());
  }
  const c10::Device device = resolve_device(args.value("--device").value_or("cpu"));
  const bool system_malloc = args.flag("--system-malloc");
  // What Runtime does for `evoaug run`; --system-malloc shows the difference it makes.
  if (!system_malloc) use_caching_cpu_allocator();
  at::set_num_threads(static_cast<int>(threads));

  TrainingBench bench(host, setup, kBatch, precision, device);
  const auto timed_step = [&](std::int64_t index, bool augmenting, double* prepare_ms) {
    const auto start = std::chrono::steady_clock::now();
    const TrainingBatch batch = bench.prepare(index, augmenting);
    if (prepare_ms) *prepare_ms = elapsed_ms(start);
    bench.step(batch);
    return elapsed_ms(start);
  };
  for (int i = 0; i < 2; ++i) {  // warm-up: allocator, Adam state, first-call dispatch
    timed_step(i, false, nullptr);
    timed_step(i, true, nullptr);
  }
  std::vector<double> plain_ms, augmented_ms, prepare_plain_ms, prepare_augmented_ms;
  for (std::int64_t r = 0; r < repeats; ++r) {
    double prepare = 0;
    plain_ms.push_back(timed_step(r, false, &prepare));
    prepare_plain_ms.push_back(prepare);
    augmented_ms.push_back(timed_step(r, true, &prepare));
    prepare_augmented_ms.push_back(prepare);
  }
  const double step_ms = median(plain_ms), step_aug_ms = median(augmented_ms);
  const double augment_ms = median(prepare_augmented_ms) - median(prepare_plain_ms);
  const double overhead_pct = 100.0 * (step_aug_ms - step_ms) / step_ms;
  const CpuCacheStats cache = cpu_cache_stats();
  std::vector<ProfileEntry> profile;
  if (args.flag("--profile"))
    profile = profile_operators([&] {
      for (int i = 0; i < 3; ++i) timed_step(i, true, nullptr);
    });

  if (args.flag("--json")) {
    toml::table out{{"model", setup.model},
                    {"batch", kBatch},
                    {"length", setup.length},
                    {"model_length", bench.model_length()},
                    {"threads", threads},
                    {"repeats", repeats},
                    {"precision", precision_name(precision)},
                    {"device", device.str()},
                    {"cpu_cache", cache.installed},
                    {"parameters", bench.parameters()},
                    {"step_ms", step_ms},
                    {"step_aug_ms", step_aug_ms},
                    {"prepare_ms", median(prepare_plain_ms)},
                    {"prepare_aug_ms", median(prepare_augmented_ms)},
                    {"augment_ms", augment_ms},
                    {"overhead_pct", overhead_pct},
                    {"target_overhead_pct", kTargetOverheadPct}};
    if (!profile.empty()) {
      toml::array top;
      for (std::size_t i = 0; i < std::min<std::size_t>(profile.size(), 15); ++i)
        top.push_back(toml::table{{"name", profile[i].name},
                                  {"self_ms_per_step", profile[i].self_ms / 3.0},
                                  {"total_ms_per_step", profile[i].total_ms / 3.0},
                                  {"calls_per_step", static_cast<double>(profile[i].calls) / 3.0}});
      out.insert("profile", std::move(top));
    }
    std::cout << to_json(out) << "\n";
    return 0;
  }
  std::printf("evoaug bench train: %s, batch %lld x %lld x %lld (model built for L = %lld, %lld parameters), "
              "%lld thread(s), %s on %s, %s, median of %lld\n",
              setup.model.c_str(), static_cast<long long>(kBatch), static_cast<long long>(kAlphabet),
              static_cast<long long>(setup.length), static_cast<long long>(bench.model_length()),
              static_cast<long long>(bench.parameters()), static_cast<long long>(threads),
              precision_name(precision).c_str(), device.str().c_str(),
              cache.installed ? "caching CPU allocator" : "system malloc (--system-malloc)",
              static_cast<long long>(repeats));
  std::printf("  %-24s %10.2f ms   (prepare %.2f ms: gather, to float, pad)\n", "step, padded batch", step_ms,
              median(prepare_plain_ms));
  std::printf("  %-24s %10.2f ms   (%s)\n", "step with augmentation", step_aug_ms, setup.description.c_str());
  std::printf("  %-24s %10.2f ms   (the augmentation alone; `evoaug run` prepares it on a worker thread)\n",
              "augment", augment_ms);
  std::printf("  %-24s %+9.2f %%    (if run in turn; target with prefetch: at most %.0f %% of an epoch, "
              "see bench compare --epoch)\n",
              "augmentation in turn", overhead_pct, kTargetOverheadPct);
  if (!profile.empty()) {
    std::printf("\n  LibTorch profiler, 3 augmented steps, per step (operators by self time):\n");
    std::printf("  %-44s %10s %10s %7s\n", "operator", "self ms", "total ms", "calls");
    for (std::size_t i = 0; i < std::min<std::size_t>(profile.size(), 15); ++i)
      std::printf("  %-44s %10.2f %10.2f %7.1f\n", profile[i].name.c_str(), profile[i].self_ms / 3.0,
                  profile[i].total_ms / 3.0, static_cast<double>(profile[i].calls) / 3.0);
  }
  return 0;
}

}  // namespace evoaug::cli
