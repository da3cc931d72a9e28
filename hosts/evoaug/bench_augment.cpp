// evoaug bench augment [--threads N] [--repeats R] [--json]
//
// Times each augmentation and the whole pipeline with the paper's DeepSTARR settings
// (deletion 0-30, insertion 0-20, translocation 0-20, mutation 0.05, noise 0.3, two ops
// per sequence, hard) on a 128 x 4 x 249 batch, against a plain copy of that batch
// measured in the same run. Medians of many repetitions; the ratio is what to compare.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <toml++/toml.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>

#include "augment/augment_config.h"
#include "bench.h"
#include "bench_inputs.h"
#include "cli_args.h"
#include "evoaug/augment_pipeline.h"
#include "evoaug/error.h"

namespace evoaug::cli {
namespace {

constexpr std::int64_t kBatch = 128, kAlphabet = 4, kLength = 249;
constexpr double kTargetRatio = 25.0;

/// Median wall time of `body` in milliseconds, after a few warm-up calls.
template <typename F>
double median_ms(int repeats, const F& body) {
  for (int i = 0; i < std::max(3, repeats / 20); ++i) body();
  std::vector<double> times;
  times.reserve(static_cast<std::size_t>(repeats));
  for (int i = 0; i < repeats; ++i) {
    const auto start = std::chrono::steady_clock::now();
    body();
    times.push_back(elapsed_ms(start));
  }
  return median(std::move(times));
}

}  // namespace

int bench_augment(const HostContext& host, const Argv& argv) {
  Args args("evoaug bench augment", argv, {"--threads", "--repeats"}, {"--json"});
  args.expect_at_most(0);
  const std::int64_t threads = args.integer("--threads", 1);
  const std::int64_t repeats = args.integer("--repeats", 200);
  if (threads < 1) throw Error("evoaug bench augment: --threads must be at least 1, got " + std::to_string(threads));
  if (repeats < 1) throw Error("evoaug bench augment: --repeats must be at least 1, got " + std::to_string(repeats));
  at::set_num_threads(static_cast<int>(threads));

  const auto registry = host.make_registry();
  const AugmentPipeline pipeline = read_augment_pipeline(
      pipeline_from_text(paper::deepstarr_bench_augment(), "<bench augment: DeepSTARR settings>"), *registry, {kAlphabet, kLength});

  at::Generator generator = make_generator(c10::kCPU, 2023);
  const at::Tensor batch = random_one_hot(kBatch, kLength, generator);

  const int n = static_cast<int>(repeats);
  at::Tensor sink;
  const double clone_ms = median_ms(n, [&] { sink = batch.clone(); });
  std::vector<std::pair<std::string, double>> op_ms;
  for (const auto& op : pipeline.ops())
    op_ms.emplace_back(op.name, median_ms(n, [&] { sink = op.augmentation->apply(batch, generator); }));
  const double pipeline_ms = median_ms(n, [&] { sink = pipeline.augment(batch, generator); });
  const double ratio = pipeline_ms / clone_ms;

  if (args.flag("--json")) {
    toml::table ops;
    for (const auto& [name, ms] : op_ms) ops.insert(name + "_ms", ms);
    toml::table out{{"batch", toml::array{kBatch, kAlphabet, kLength}},
                    {"output_length", pipeline.output_length()},
                    {"threads", threads},
                    {"repeats", repeats},
                    {"clone_ms", clone_ms},
                    {"ops", std::move(ops)},
                    {"pipeline_ms", pipeline_ms},
                    {"pipeline_over_clone", ratio},
                    {"target_ratio", kTargetRatio}};
    std::cout << toml::json_formatter(out) << "\n";
    return 0;
  }
  std::printf("evoaug bench augment: batch %lld x %lld x %lld, DeepSTARR settings (2 ops per sequence, hard), "
              "%lld thread(s), median of %lld\n",
              static_cast<long long>(kBatch), static_cast<long long>(kAlphabet), static_cast<long long>(kLength),
              static_cast<long long>(threads), static_cast<long long>(repeats));
  std::printf("  %-16s %9.4f ms   (the unit below)\n", "copy (clone)", clone_ms);
  for (const auto& [name, ms] : op_ms)
    std::printf("  %-16s %9.4f ms   %6.1fx copy   (whole batch)\n", name.c_str(), ms, ms / clone_ms);
  std::printf("  %-16s %9.4f ms   %6.1fx copy   (target: within %.0fx) %s\n", "pipeline", pipeline_ms, ratio,
              kTargetRatio, ratio <= kTargetRatio ? "ok" : "OVER TARGET");
  return 0;
}

}  // namespace evoaug::cli
