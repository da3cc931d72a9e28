#include "bench_training.h"

#include <torch/torch.h>

#include "augment/augment_config.h"
#include "bench_inputs.h"
#include "data/batches.h"
#include "evoaug/error.h"
#include "evoaug/suggest.h"
#include "model/model_summary.h"

namespace evoaug::cli {
namespace {

constexpr std::int64_t kAlphabet = 4;
// Batches of random data the benchmark cycles through: enough that a batch is not
// always in cache, few enough to build instantly.
constexpr std::int64_t kDistinctBatches = 4;

}  // namespace

const std::vector<PaperSetup>& paper_setups() {
  static const std::vector<PaperSetup> setups{
      {"deepstarr", 249, 2, "DeepSTARR settings: 7 ops, 2 per sequence, hard", paper::deepstarr_all_ops("hard")},
      {"chip_cnn", 200, 1, "DeepSTARR settings: 7 ops, up to 2 per sequence, soft", paper::deepstarr_all_ops("soft")},
      {"basset", 600, 161, "Basset settings: 6 ops, 3 per sequence, hard", paper::basset()},
  };
  return setups;
}

const PaperSetup& find_paper_setup(const std::string& model, const std::string& command) {
  std::vector<std::string> names;
  for (const auto& setup : paper_setups()) {
    if (setup.model == model) return setup;
    names.emplace_back(setup.model);
  }
  throw Error(command + ": " + unknown_name_message("model", model, names));
}

std::vector<std::int64_t> parse_counts(const std::string& text, const std::string& option) {
  std::vector<std::int64_t> counts;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    const std::string item = text.substr(start, comma - start);
    std::size_t used = 0;
    long long value = 0;
    try {
      value = std::stoll(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (item.empty() || used != item.size() || value < 1)
      throw Error(option + " takes positive integers separated by commas (e.g. 1,2), got '" + text + "'");
    counts.push_back(value);
    start = comma + 1;
  }
  return counts;
}

struct TrainingBench::Impl {
  std::unique_ptr<PluginRegistry> registry;
  std::unique_ptr<AugmentPipeline> pipeline;
  std::shared_ptr<sdk::Model> model;
  std::unique_ptr<BatchLoader> loader;
  std::unique_ptr<BatchPreparer> augmented, padded;
  std::unique_ptr<TrainingStep> step;
};

TrainingBench::TrainingBench(const HostContext& host, const PaperSetup& setup, std::int64_t batch,
                             Precision precision, c10::Device device, std::uint64_t seed)
    : setup_(setup), impl_(std::make_unique<Impl>()) {
  Impl& s = *impl_;
  s.registry = host.make_registry();
  s.pipeline = std::make_unique<AugmentPipeline>(read_augment_pipeline(
      pipeline_from_text(setup.pipeline, "<bench: " + setup.model + ">"), *s.registry, {kAlphabet, setup.length}));
  const sdk::ModelShape shape{kAlphabet, s.pipeline->output_length(), setup.tasks};
  s.model = s.registry->make_model(setup.model, sdk::Params::defaults(s.registry->model(setup.model).schema), shape);
  s.model->to(device);
  s.model->train();

  at::Generator generator = make_generator(c10::kCPU, seed);
  const std::int64_t n = batch * kDistinctBatches;
  Split data;
  data.x = random_one_hot(n, setup.length, generator).to(at::kByte);  // stored as the data layer stores it
  const bool logits = s.model->output_kind() == sdk::OutputKind::logits;
  data.y = logits ? at::randint(0, 2, {n, setup.tasks}, generator, at::kLong).to(at::kFloat)
                  : at::randn({n, setup.tasks}, generator);
  s.loader = std::make_unique<BatchLoader>(data, batch, /*shuffle=*/true, seed, device);
  s.augmented = std::make_unique<BatchPreparer>(s.loader->epoch(1), *s.pipeline, true, device, seed);
  s.padded = std::make_unique<BatchPreparer>(s.loader->epoch(1), *s.pipeline, false, device, seed);

  StageSettings settings;  // the pretraining defaults: Adam, lr 1e-3
  settings.name = "pretrain";
  s.step = std::make_unique<TrainingStep>(*s.model, settings,
                                          resolve_loss("auto", s.model->output_kind()), precision, device);
}

TrainingBench::~TrainingBench() = default;

TrainingBatch TrainingBench::prepare(std::int64_t index, bool augmenting) const {
  const std::int64_t b = index % kDistinctBatches;
  return augmenting ? (*impl_->augmented)(b) : (*impl_->padded)(b);
}

double TrainingBench::step(const TrainingBatch& batch) { return impl_->step->run(batch); }

std::int64_t TrainingBench::parameters() const { return count_parameters(*impl_->model); }

std::int64_t TrainingBench::model_length() const { return impl_->pipeline->output_length(); }

}  // namespace evoaug::cli
