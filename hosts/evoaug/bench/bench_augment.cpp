// evoaug bench augment [--threads N[,N...]] [--repeats R] [--device D] [--json]
//
// Times each augmentation and the whole pipeline with the paper's DeepSTARR settings
// (deletion 0-30, insertion 0-20, translocation 0-20, mutation 0.05, noise 0.3, two ops
// per sequence, hard) on a 128 x 4 x 249 batch, against a plain copy of that batch
// measured in the same run. The measurements are interleaved (each repetition times the
// copy, every op and the pipeline once), so a change of load on a noisy machine moves
// them together; medians of the repetitions. The ratio is what to compare. With several
// thread counts (`--threads 1,2`) everything is measured once per count: one block of
// lines per count and a summary line per count (the pipeline's time, its ratio to that
// count's copy, its speed-up against the first count); in JSON the first count's numbers
// at the top level, as with one count, and every count's in "sweep". With --device cuda
// the batch and the generator live on the GPU and each timing waits for the device.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <torch/cuda.h>
#include <toml++/toml.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <sstream>

#include "augment/augment_config.h"
#include "bench.h"
#include "bench_inputs.h"
#include "cli_args.h"
#include "evoaug/augment_pipeline.h"
#include "evoaug/error.h"
#include "runtime/pipeline_setup.h"
#include "util/json.h"

namespace evoaug::cli {
namespace {

constexpr std::int64_t kBatch = 128, kAlphabet = 4, kLength = 249;
constexpr double kTargetRatio = 6.0;  // issue 10: the pipeline within 6x a copy, one thread

/// The thread counts of `--threads`: one count or a comma-separated list.
std::vector<std::int64_t> thread_counts(const Args& args) {
  const std::string text = args.value("--threads").value_or("1");
  std::vector<std::int64_t> counts;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    std::int64_t count = 0;
    try {
      std::size_t used = 0;
      count = std::stoll(item, &used);
      if (used != item.size()) throw std::invalid_argument(item);
    } catch (const std::exception&) {
      throw Error("evoaug bench augment: --threads expects a count or a list such as 1,2, got '" + text + "'");
    }
    if (count < 1) throw Error("evoaug bench augment: --threads must be at least 1, got " + std::to_string(count));
    counts.push_back(count);
  }
  if (counts.empty()) throw Error("evoaug bench augment: --threads expects a count or a list such as 1,2, got ''");
  return counts;
}

/// One thread count's medians.
struct Timing {
  std::int64_t threads = 1;
  double clone_ms = 0;
  std::vector<std::pair<std::string, double>> op_ms;
  double pipeline_ms = 0;
  double ratio() const { return pipeline_ms / clone_ms; }
};

/// Times the copy, each op (whole batch) and the pipeline, interleaved, `repeats` times
/// after a few warm-up rounds; medians.
Timing measure(std::int64_t threads, int repeats, const AugmentPipeline& pipeline, const at::Tensor& batch,
               at::Generator& generator) {
  at::set_num_threads(static_cast<int>(threads));
  const auto& ops = pipeline.ops();
  std::vector<std::vector<double>> times(ops.size() + 2);
  at::Tensor sink;
  const bool cuda = batch.is_cuda();
  const auto timed = [&](std::vector<double>* into, const auto& body) {
    const auto start = std::chrono::steady_clock::now();
    body();
    if (cuda) torch::cuda::synchronize();  // kernels are asynchronous: time their completion
    if (into) into->push_back(elapsed_ms(start));
  };
  const int warm_up = std::max(3, repeats / 20);
  for (int i = 0; i < warm_up + repeats; ++i) {
    const bool keep = i >= warm_up;
    timed(keep ? &times[0] : nullptr, [&] { sink = batch.clone(); });
    for (std::size_t j = 0; j < ops.size(); ++j)
      timed(keep ? &times[j + 1] : nullptr, [&] { sink = ops[j].augmentation->apply(batch, generator); });
    timed(keep ? &times.back() : nullptr, [&] { sink = pipeline.augment(batch, generator); });
  }
  Timing timing;
  timing.threads = threads;
  timing.clone_ms = median(times[0]);
  for (std::size_t j = 0; j < ops.size(); ++j) timing.op_ms.emplace_back(ops[j].name, median(times[j + 1]));
  timing.pipeline_ms = median(times.back());
  return timing;
}

toml::table timing_table(const Timing& timing) {
  toml::table ops;
  for (const auto& [name, ms] : timing.op_ms) ops.insert(name + "_ms", ms);
  return toml::table{{"threads", timing.threads},
                     {"clone_ms", timing.clone_ms},
                     {"ops", std::move(ops)},
                     {"pipeline_ms", timing.pipeline_ms},
                     {"pipeline_over_clone", timing.ratio()}};
}

}  // namespace

int bench_augment(const HostContext& host, const Argv& argv) {
  Args args("evoaug bench augment", argv, {"--threads", "--repeats", "--device"}, {"--json"});
  args.expect_at_most(0);
  const std::vector<std::int64_t> threads = thread_counts(args);
  const std::int64_t repeats = args.integer("--repeats", 200);
  if (repeats < 1) throw Error("evoaug bench augment: --repeats must be at least 1, got " + std::to_string(repeats));

  const auto registry = host.make_registry();
  const AugmentPipeline pipeline = read_augment_pipeline(
      pipeline_from_text(paper::deepstarr_bench_augment(), "<bench augment: DeepSTARR settings>"), *registry, {kAlphabet, kLength});

  const c10::Device device = resolve_device(args.value("--device").value_or("cpu"));
  at::Generator cpu_generator = make_generator(c10::kCPU, 2023);
  const at::Tensor batch = random_one_hot(kBatch, kLength, cpu_generator).to(device);
  at::Generator generator = device.is_cuda() ? make_generator(device, 2023) : cpu_generator;

  std::vector<Timing> timings;
  for (std::int64_t count : threads)
    timings.push_back(measure(count, static_cast<int>(repeats), pipeline, batch, generator));

  if (args.flag("--json")) {
    // The first thread count's numbers at the top level; every count's under "sweep".
    toml::table out = timing_table(timings.front());
    toml::array sweep;
    for (const Timing& timing : timings) {
      toml::table entry = timing_table(timing);
      entry.insert("pipeline_speedup", timings.front().pipeline_ms / timing.pipeline_ms);
      sweep.push_back(std::move(entry));
    }
    out.insert("batch", toml::array{kBatch, kAlphabet, kLength});
    out.insert("device", device.str());
    out.insert("output_length", pipeline.output_length());
    out.insert("repeats", repeats);
    out.insert("target_ratio", kTargetRatio);
    out.insert("sweep", std::move(sweep));
    std::cout << to_json(out) << "\n";
    return 0;
  }
  std::printf("evoaug bench augment: batch %lld x %lld x %lld on %s, DeepSTARR settings (2 ops per sequence, "
              "hard), median of %lld\n",
              static_cast<long long>(kBatch), static_cast<long long>(kAlphabet), static_cast<long long>(kLength),
              device.str().c_str(), static_cast<long long>(repeats));
  for (const Timing& timing : timings) {
    std::printf("%lld thread(s):\n", static_cast<long long>(timing.threads));
    std::printf("  %-16s %9.4f ms   (the unit below)\n", "copy (clone)", timing.clone_ms);
    for (const auto& [name, ms] : timing.op_ms)
      std::printf("  %-16s %9.4f ms   %6.1fx copy   (whole batch)\n", name.c_str(), ms, ms / timing.clone_ms);
    std::printf("  %-16s %9.4f ms   %6.1fx copy", "pipeline", timing.pipeline_ms, timing.ratio());
    if (timing.threads == 1)
      std::printf("   (target: within %.0fx on one thread) %s", kTargetRatio,
                  timing.ratio() <= kTargetRatio ? "ok" : "OVER TARGET");
    std::printf("\n");
  }
  if (timings.size() > 1) {
    std::printf("pipeline by thread count (speed-up against %lld thread(s)):\n",
                static_cast<long long>(timings.front().threads));
    for (const Timing& timing : timings)
      std::printf("  %2lld thread(s)    %9.4f ms   %6.1fx copy (copy %.4f ms)   speed-up %.2fx\n",
                  static_cast<long long>(timing.threads), timing.pipeline_ms, timing.ratio(), timing.clone_ms,
                  timings.front().pipeline_ms / timing.pipeline_ms);
  }
  return 0;
}

}  // namespace evoaug::cli
