// evoaug bench train --model NAME [--threads N] [--repeats R] [--json]
//
// Times one training step (forward, backward, Adam) of a built-in model on a batch of
// 128 at its paper length, without and with the paper's augmentation pipeline for that
// model. Both variants train the same model, built for the pipeline's output length
// (L + insert_max, as training does): the plain step gets an already padded batch, the
// augmented step augments the raw batch first. The two are interleaved, repetition by
// repetition, so that machine noise hits both alike; medians are reported.
#include <ATen/Parallel.h>
#include <toml++/toml.h>
#include <torch/torch.h>

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
#include "model/model_summary.h"
#include "util/suggest.h"

namespace evoaug::cli {
namespace {

constexpr std::int64_t kBatch = 128, kAlphabet = 4;
constexpr double kTargetOverheadPct = 5.0;

// The paper's dataset shape and augmentation settings for each built-in model.
struct PaperSetup {
  const char* model;
  std::int64_t length;
  std::int64_t tasks;
  const char* description;
  std::string pipeline;  ///< the [augment] table
};

const std::vector<PaperSetup>& paper_setups() {
  static const std::vector<PaperSetup> setups{
      {"deepstarr", 249, 2, "DeepSTARR settings: 7 ops, 2 per sequence, hard", paper::deepstarr_all_ops("hard")},
      {"chip_cnn", 200, 1, "DeepSTARR settings: 7 ops, up to 2 per sequence, soft", paper::deepstarr_all_ops("soft")},
      {"basset", 600, 161, "Basset settings: 6 ops, 3 per sequence, hard", paper::basset()},
  };
  return setups;
}

const PaperSetup& find_setup(const std::string& model) {
  std::vector<std::string> names;
  for (const auto& setup : paper_setups()) {
    if (setup.model == model) return setup;
    names.emplace_back(setup.model);
  }
  throw Error("evoaug bench train: " + unknown_name_message("model", model, names));
}

}  // namespace

int bench_train(const HostContext& host, const Argv& argv) {
  Args args("evoaug bench train", argv, {"--model", "--threads", "--repeats"}, {"--json"});
  args.expect_at_most(0);
  const PaperSetup& setup = find_setup(args.required("--model"));
  const std::int64_t threads = args.integer("--threads", 1);
  const std::int64_t repeats = args.integer("--repeats", 15);
  if (threads < 1) throw Error("evoaug bench train: --threads must be at least 1, got " + std::to_string(threads));
  if (repeats < 1) throw Error("evoaug bench train: --repeats must be at least 1, got " + std::to_string(repeats));
  at::set_num_threads(static_cast<int>(threads));

  const auto registry = host.make_registry();
  const AugmentPipeline pipeline =
      read_augment_pipeline(pipeline_from_text(setup.pipeline, std::string("<bench train: ") + setup.model + ">"),
                            *registry, {kAlphabet, setup.length});
  const std::int64_t model_length = pipeline.output_length();
  const sdk::ModelShape shape{kAlphabet, model_length, setup.tasks};
  const std::shared_ptr<sdk::Model> model =
      registry->make_model(setup.model, sdk::Params::defaults(registry->model(setup.model).schema), shape);
  model->train();
  torch::optim::Adam optimizer(model->parameters(), torch::optim::AdamOptions(1e-3));

  at::Generator generator = make_generator(c10::kCPU, 2023);
  const at::Tensor batch = random_one_hot(kBatch, setup.length, generator);
  const at::Tensor padded = pipeline.pad(batch, generator);
  const bool logits = model->output_kind() == sdk::OutputKind::logits;
  const at::Tensor targets = logits ? at::randint(0, 2, {kBatch, setup.tasks}, generator, at::kLong).to(at::kFloat)
                                    : at::randn({kBatch, setup.tasks}, generator);

  const auto step = [&](const at::Tensor& x) {
    optimizer.zero_grad();
    const at::Tensor out = model->forward(x);
    const at::Tensor loss = logits ? torch::binary_cross_entropy_with_logits(out, targets) : torch::mse_loss(out, targets);
    loss.backward();
    optimizer.step();
  };
  for (int i = 0; i < 2; ++i) {  // warm-up: allocator, Adam state
    step(padded);
    step(pipeline.augment(batch, generator));
  }
  std::vector<double> plain_ms, augmented_ms, augment_only_ms;
  for (std::int64_t r = 0; r < repeats; ++r) {
    auto start = std::chrono::steady_clock::now();
    step(padded);
    plain_ms.push_back(elapsed_ms(start));
    start = std::chrono::steady_clock::now();
    const at::Tensor augmented = pipeline.augment(batch, generator);
    augment_only_ms.push_back(elapsed_ms(start));
    step(augmented);
    augmented_ms.push_back(elapsed_ms(start));
  }
  const double step_ms = median(plain_ms), step_aug_ms = median(augmented_ms);
  const double augment_ms = median(augment_only_ms);
  const double overhead_pct = 100.0 * (step_aug_ms - step_ms) / step_ms;

  if (args.flag("--json")) {
    toml::table out{{"model", setup.model},
                    {"batch", kBatch},
                    {"length", setup.length},
                    {"model_length", model_length},
                    {"threads", threads},
                    {"repeats", repeats},
                    {"parameters", count_parameters(*model)},
                    {"step_ms", step_ms},
                    {"step_aug_ms", step_aug_ms},
                    {"augment_ms", augment_ms},
                    {"overhead_pct", overhead_pct},
                    {"target_overhead_pct", kTargetOverheadPct}};
    std::cout << toml::json_formatter(out) << "\n";
    return 0;
  }
  std::printf("evoaug bench train: %s, batch %lld x %lld x %lld (model built for L = %lld, %lld parameters), "
              "%lld thread(s), median of %lld\n",
              setup.model, static_cast<long long>(kBatch), static_cast<long long>(kAlphabet),
              static_cast<long long>(setup.length), static_cast<long long>(model_length),
              static_cast<long long>(count_parameters(*model)), static_cast<long long>(threads),
              static_cast<long long>(repeats));
  std::printf("  %-22s %10.2f ms\n", "step (padded batch)", step_ms);
  std::printf("  %-22s %10.2f ms   (%s)\n", "step with augmentation", step_aug_ms, setup.description);
  std::printf("  %-22s %10.2f ms   (the augmentation alone, within the step above)\n", "augment", augment_ms);
  std::printf("  %-22s %+9.2f %%    (target: at most %.0f %%) %s\n", "augmentation overhead", overhead_pct,
              kTargetOverheadPct, overhead_pct <= kTargetOverheadPct ? "ok" : "OVER TARGET");
  return 0;
}

}  // namespace evoaug::cli
