// The embedding API (evoaug/runtime.h): Runtime owns a plugin registry; a Pipeline is a
// validated pipeline file that runs its stages (Runner) and its evaluations. What this
// file delegates: the device and data (session.h), the output folder's policy
// (output_folder.h), the configuration diff of a refused resume (config_diff.h), the
// report (train/report.h), the predictions' input and TSV (prediction.h).
#include "evoaug/runtime.h"

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <optional>
#include <thread>

#include "data/data_config.h"
#include "distributed/communicator.h"
#include "distributed/world_layout.h"
#include "evoaug/cpu_memory.h"
#include "model/convolution_check.h"
#include "model/model_summary.h"
#include "runtime/config_diff.h"
#include "runtime/output_folder.h"
#include "runtime/pipeline_setup.h"
#include "runtime/prefetch_policy.h"
#include "runtime/prediction.h"
#include "runtime/session.h"
#include "train/checkpoint.h"
#include "train/label_check.h"
#include "report/run_report.h"
#include "train/report.h"
#include "train/stop_signals.h"
#include "train/model_boundary.h"
#include "train/seeds.h"
#include "train/trainer.h"
#include "util/file_safety.h"
#include "util/suggest.h"

namespace evoaug {
namespace fs = std::filesystem;

struct Pipeline::Impl {
  std::shared_ptr<PluginRegistry> registry;
  std::unique_ptr<PipelineSetup> setup;
  std::atomic<bool> stop{false};
};

namespace {

using Clock = std::chrono::steady_clock;

const StageSettings& stage_settings(const PipelineSetup& setup, const std::string& stage) {
  return stage == "finetune" ? setup.finetune : setup.pretrain;
}

// Where a stage's loss comes from, for the label check's message.
std::string loss_context(const PipelineSetup& setup, const std::string& stage) {
  return "[" + stage + "] loss = \"" + stage_settings(setup, stage).loss + "\" with model '" + setup.model_type + "'";
}

// Batch normalisation has no statistics in a batch of one: training needs two sequences.
// (A last batch of one is skipped by the trainer; batch_size is at least 2 by its schema.)
void require_trainable_split(const Dataset& data, const std::string& stage) {
  if (data.train.size() >= 2) return;
  throw Error(data.source + ": the training split holds " + std::to_string(data.train.size()) + " sequence(s); " +
              stage + " needs at least 2 (a batch of one cannot train batch normalisation). Keep more with " +
              "[data] downsample or train_fraction, or use a larger file");
}

class Runner {
 public:
  ~Runner() { stop_ = false; }

  Runner(const PluginRegistry& registry, const PipelineSetup& setup, std::atomic<bool>& stop,
         const Callbacks& callbacks, const RunOptions& options)
      : registry_(registry), setup_(setup), stop_(stop), callbacks_(callbacks), options_(options) {
    if (options.resume && options.overwrite)
      throw Error("--resume and --overwrite cannot be used together: --resume continues the earlier run in '" +
                  setup.output_dir().string() + "', --overwrite replaces it. Choose one.");
    if (options.handle_signals) signals_.emplace();
    // A stop asked for before the run is kept: the run stops after its first batch. The
    // request is used up when the run ends (~Runner), however it ends.
    world_ = world_from_environment();
    if (!writer()) {
      // Rank 0 shows the progress and writes the outputs; the others speak when it matters.
      callbacks_ = Callbacks{};
      if (spdlog::get_level() < spdlog::level::warn) spdlog::set_level(spdlog::level::warn);
    }
    session_ = open_session(setup_, writer());
    if (world_.distributed()) join_world();
    result_.output_dir = session_.output_dir;
    result_.device = session_.device.str();
    result_.seed = setup_.runtime.seed;
    identity_.config_toml = setup_.resolved_toml();
    identity_.source_name = setup_.file.source_name;
    identity_.base_dir = setup_.file.base_dir.string();
    identity_.components = setup_.components;
    identity_.input_alphabet = setup_.model_shape.alphabet;
    identity_.input_length = setup_.model_shape.length;
    identity_.tasks = setup_.model_shape.tasks;
  }

  RunResult run(bool pretrain, bool finetune, const std::optional<fs::path>& finetune_from) {
    // Data the stages cannot train on is refused before anything, earlier results included,
    // is touched.
    if (pretrain) require_trainable_data("pretrain");
    if (finetune) require_trainable_data("finetune");
    std::vector<std::string> stages;
    if (pretrain) stages.push_back("pretrain");
    if (finetune) stages.push_back("finetune");
    on_rank_zero([&] {
      prepare_output_folder(session_.output_dir, stages, finetune_from, setup_.file,
                            {options_.resume, options_.overwrite});
    });
    std::optional<fs::path> start_from = finetune_from;
    if (pretrain) {
      const StageResult r = run_stage("pretrain", std::nullopt);
      start_from = r.best_checkpoint;
    }
    if (finetune) {
      // A stop that came during pretraining's last epoch (or its test) is honoured here,
      // before fine-tuning starts, not after its first batch.
      if (pretrain && any_rank_asks_to_stop())
        throw Interrupted("pretrain finished and is saved in " + checkpoint_path(session_.output_dir, "pretrain", "last").string() +
                          "; stopped before fine-tuning. Run the same command again with --resume to continue.");
      run_stage("finetune", start_from);
    }
    if (writer()) check_promised_outputs(session_.output_dir, stages);
    return result_;
  }

 private:
  bool writer() const { return world_.rank == 0; }

  // One of several processes (docs/distributed.md): each its share of the CPU threads and
  // its own GPU, then the rendezvous.
  void join_world() {
    if (setup_.runtime.threads == 0) {
      const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
      at::set_num_threads(std::max(1, cores / std::max(1, world_.local_size)));
    }
    const std::string& asked = setup_.runtime.device;
    if (session_.device.is_cuda() && (asked == "auto" || asked == "cuda")) {
      const auto gpus = static_cast<int>(torch::cuda::device_count());
      session_.device = c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(world_.local_rank % std::max(1, gpus)));
    }
    for (const StageSettings* stage : {&setup_.pretrain, &setup_.finetune})
      if (stage->enabled && stage->batch_size < 2 * world_.size)
        throw Error("[" + stage->name + "] batch_size = " + std::to_string(stage->batch_size) + " cannot be shared by " +
                    std::to_string(world_.size) + " ranks: each needs at least 2 sequences of every batch (batch "
                    "normalisation). Use a batch_size of at least " + std::to_string(2 * world_.size) +
                    ", or fewer ranks");
    communicator_ = Communicator::connect(world_, setup_.runtime.backend, session_.device,
                                          std::chrono::seconds(setup_.runtime.distributed_timeout_s));
    result_.rank = world_.rank;
    result_.world_size = world_.size;
    result_.backend = communicator_->backend();
    spdlog::info("distributed: {} ranks over {} ({}), {} threads each; rank 0 writes the outputs", world_.size,
                 communicator_->backend(), world_.source, at::get_num_threads());
  }

  // Work only rank 0 does (the output folder, reading the starting weights): the other
  // ranks learn whether it failed, and stop with it instead of waiting for it.
  void on_rank_zero(const std::function<void()>& work) {
    if (!communicator_) return work();
    if (writer()) {
      std::string failure;
      std::exception_ptr error;
      try {
        work();
      } catch (const std::exception& e) {
        failure = e.what();
        error = std::current_exception();
      }
      communicator_->broadcast_text(failure, 0, "the report of rank 0's preparation");
      if (error) std::rethrow_exception(error);
      return;
    }
    const std::string failure = communicator_->broadcast_text("", 0, "the report of rank 0's preparation");
    if (!failure.empty()) throw Error("rank 0 stopped the run (" + world_.describe() + " stops with it): " + failure);
  }

  // Whether any rank was asked to stop: every rank must take the same way.
  bool any_rank_asks_to_stop() {
    if (!communicator_) return stop_requested();
    return communicator_->any(stop_requested(), "the exchange of stop requests");
  }

  // Rank 0's answer to a yes-or-no question, on every rank.
  bool as_rank_zero_says(bool answer) {
    if (!communicator_) return answer;
    return communicator_->broadcast_text(answer ? "1" : "0", 0, "the broadcast of rank 0's decision") == "1";
  }
  StageResult run_stage(const std::string& stage, const std::optional<fs::path>& initial_weights) {
    const StageSettings& settings = stage_settings(setup_, stage);
    auto model = make_model(setup_, registry_, session_.device, setup_.runtime.seed);
    const fs::path metrics_csv = session_.output_dir / "metrics.csv";

    StageRun run;
    run.model = model.get();
    run.data = &session_.data;
    run.augment = &*setup_.augment;
    run.settings = settings;
    run.loss = resolve_loss(settings.loss, model->output_kind());
    run.device = session_.device;
    run.precision = setup_.runtime.precision;
    const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    const PrefetchDecision prefetch = prefetch_depth(setup_.runtime.prefetch, session_.device, at::get_num_threads(),
                                                     world_.local_size, cores);
    if (prefetch.overridden)
      spdlog::info("{}: batches are prepared in turn, not ahead: the step's {} thread(s) per process take all {} "
                   "cores, and a prefetch worker would compete with them (docs/performance.md)",
                   stage, at::get_num_threads(), cores);
    run.prefetch = prefetch.depth;
    run.seed = setup_.runtime.seed;
    run.eval_batch_size = setup_.evaluate.batch_size;
    run.best_checkpoint = checkpoint_path(session_.output_dir, stage, "best");
    run.last_checkpoint = checkpoint_path(session_.output_dir, stage, "last");
    run.metrics_csv = metrics_csv;
    run.identity = identity_;
    run.callbacks = callbacks_;
    run.stop_requested = [this] { return stop_requested(); };
    run.communicator = communicator_.get();
    run.sync_batch_norm = setup_.runtime.sync_batchnorm;

    std::optional<Checkpoint> resume;
    if (as_rank_zero_says(options_.resume && fs::exists(run.last_checkpoint))) {
      // Every rank reads the optimizer's state and its random state from it.
      if (!fs::exists(run.last_checkpoint))
        throw Error("cannot resume on " + world_.describe() + ": rank 0 resumes from " + run.last_checkpoint.string() +
                    ", which this rank cannot see. A multi-machine run resumes only with its output_dir on a "
                    "filesystem every rank shares");
      resume = read_checkpoint(run.last_checkpoint);
      if (!resumable_with(resume->state.config_toml, identity_.config_toml))
        throw Error("cannot resume from '" + run.last_checkpoint.string() +
                    "': it was written with another configuration (the pipeline file or --set values "
                    "changed: " + config_differences(resume->state.config_toml, identity_.config_toml) +
                    "). Restore them, or start afresh without --resume.");
      run.resume = &*resume;
    } else {
      if (options_.resume) spdlog::info("{}: no checkpoint to resume in {}; starting the stage", stage,
                                        run.last_checkpoint.parent_path().string());
      if (initial_weights)
        on_rank_zero([&] {  // the other ranks receive them when the stage starts
          const Checkpoint start = read_checkpoint(*initial_weights);
          const sdk::ModelShape& shape = setup_.model_shape;
          require_same_input(start.state, shape.alphabet, shape.length, shape.tasks, *initial_weights);
          load_weights(*model, start.weights, *initial_weights);
          spdlog::info("{}: starting from the weights in {}", stage, initial_weights->string());
        });
      if (writer()) run.identity.history_csv = history_before(metrics_csv, stage, model->output_kind());
    }
    spdlog::info("{}: {} epochs at most, {} lr {}, batch {}, {}", stage, settings.max_epochs, settings.optimizer,
                 settings.learning_rate, settings.batch_size,
                 settings.augment && !setup_.augment->empty() ? "with augmentations" : "without augmentations");

    StageResult result;
    try {
      result = train_stage(run);
    } catch (const Interrupted& e) {
      throw Interrupted(std::string(e.what()) + ". Run the same command again with --resume to continue.");
    }
    spdlog::info("{}: best epoch {} of {} (validation loss {:.5g}); test loss {:.5g}", stage, result.best_epoch,
                 result.epochs_run, result.best_valid_loss, result.test.loss);
    result_.stages.push_back(result);
    if (writer()) write_report();
    return result;
  }

  void require_trainable_data(const std::string& stage) {
    const sdk::OutputKind kind =
        registry_.make_model(setup_.model_type, setup_.model_params, setup_.model_shape)->output_kind();
    const LossKind loss = resolve_loss(stage_settings(setup_, stage).loss, kind);
    require_labels_fit_loss(session_.data, loss, loss_context(setup_, stage), label_file(setup_.file));
    require_trainable_split(session_.data, stage);
  }

  bool stop_requested() const { return stop_.load() || (options_.handle_signals && received_stop_signal() != 0); }

  void write_report() {
    ReportContents report;
    report.result = result_;
    report.source = setup_.file.source_name;
    report.threads = at::get_num_threads();
    report.wall_seconds = std::chrono::duration<double>(Clock::now() - start_).count();
    report.components = setup_.components;
    report.configuration_json = setup_.resolved_json();
    write_file_atomically(session_.output_dir / "report.json", report_json(report));
    // The page is a view of report.json: failing to draw it loses nothing, so it warns.
    try {
      write_run_report(session_.output_dir);
    } catch (const std::exception& e) {
      spdlog::warn("report.html not written: {} (evoaug report {} tries again)", e.what(),
                   session_.output_dir.string());
    }
  }

  const PluginRegistry& registry_;
  const PipelineSetup& setup_;
  std::atomic<bool>& stop_;
  Callbacks callbacks_;
  RunOptions options_;
  std::optional<StopSignalGuard> signals_;
  WorldLayout world_;
  std::unique_ptr<Communicator> communicator_;
  Session session_;
  CheckpointState identity_;
  RunResult result_;
  Clock::time_point start_ = Clock::now();
};

std::vector<Override> parse_overrides(const std::vector<std::string>& overrides) {
  std::vector<Override> out;
  for (const auto& text : overrides) out.push_back(parse_override(text));
  return out;
}

// The weights of a checkpoint in a fresh model of this pipeline.
std::shared_ptr<sdk::Model> model_from_checkpoint(const PluginRegistry& registry, const PipelineSetup& setup,
                                                  const fs::path& checkpoint, c10::Device device,
                                                  std::string* stage) {
  const Checkpoint ck = read_checkpoint(checkpoint);
  for (const auto& [name, version] : ck.state.components)
    if (registry.has_model(name) || registry.has_augmentation(name)) {
      const std::string now = registry.listing(name).version;
      if (now != version)
        spdlog::warn("{} was written with {} {}; {} is loaded now", checkpoint.string(), name, version, now);
    }
  const sdk::ModelShape& shape = setup.model_shape;
  require_same_input(ck.state, shape.alphabet, shape.length, shape.tasks, checkpoint);
  auto model = make_model(setup, registry, device, setup.runtime.seed);
  load_weights(*model, ck.weights, checkpoint);
  if (stage) *stage = ck.state.stage;
  return model;
}

}  // namespace

// ---------------------------------------------------------------------------- Pipeline

Pipeline::Pipeline(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Pipeline::~Pipeline() = default;
Pipeline::Pipeline(Pipeline&&) noexcept = default;
Pipeline& Pipeline::operator=(Pipeline&&) noexcept = default;

std::string Pipeline::resolved_toml() const { return impl_->setup->resolved_toml(); }
fs::path Pipeline::output_dir() const { return impl_->setup->output_dir(); }
void Pipeline::request_stop() { impl_->stop = true; }

std::string Pipeline::check_data() const {
  const PipelineSetup& setup = *impl_->setup;
  if (!setup.data.has_source) return "data: none to check ([data] gives only length and tasks)\n";
  const Dataset d = load_checked_data(setup);
  return "data checked: " + std::to_string(d.train.size()) + " train, " + std::to_string(d.valid.size()) +
         " valid, " + std::to_string(d.test.size()) + " test sequences of length " + std::to_string(d.length()) +
         " (loaded as a run loads them)\n";
}

std::string Pipeline::summary() const {
  const PipelineSetup& s = *impl_->setup;
  std::ostringstream out;
  out << "pipeline: " << s.file.source_name << "\n";
  out << "data: " << s.data.source << " (alphabet " << s.data.alphabet << ", length " << s.data.length << ", "
      << s.data.tasks << " task(s))\n";
  if (s.augment->empty()) {
    out << "augmentations: none\n";
  } else {
    const auto& settings = s.augment->settings();
    out << "augmentations: up to " << settings.max_augs_per_seq << " per sequence ("
        << (settings.mode == AugmentMode::hard ? "hard" : "soft") << "), in order:";
    for (const auto& op : s.augment->ops()) out << " " << op.name << " (" << op.priority << ")";
    out << "\n";
  }
  out << "model: " << s.model_type << " at input length " << s.model_shape.length << "\n";
  auto model = impl_->registry->make_model(s.model_type, s.model_params, s.model_shape);
  out << summarize_model(*model, s.model_shape);
  for (const StageSettings* stage : {&s.pretrain, &s.finetune}) {
    out << stage->name << ": ";
    if (!stage->enabled) {
      out << "disabled\n";
      continue;
    }
    out << stage->optimizer << " lr " << stage->learning_rate << ", weight decay " << stage->weight_decay << ", "
        << stage->max_epochs << " epochs at most, batch " << stage->batch_size;
    if (stage->schedule.patience) out << ", early stopping after " << stage->schedule.patience;
    if (stage->schedule.lr_patience)
      out << ", lr x" << stage->schedule.lr_factor << " after " << stage->schedule.lr_patience;
    out << (stage->augment && !s.augment->empty() ? ", augmented" : ", not augmented") << "\n";
  }
  out << "runtime: device " << s.runtime.device << ", seed " << s.runtime.seed << ", output "
      << s.output_dir().string() << "\n";
  return out.str();
}

RunResult Pipeline::run(const Callbacks& callbacks, const RunOptions& options) {
  const auto& s = *impl_->setup;
  Runner runner(*impl_->registry, s, impl_->stop, callbacks, options);
  return runner.run(s.pretrain.enabled, s.finetune.enabled, std::nullopt);
}

RunResult Pipeline::pretrain(const Callbacks& callbacks, const RunOptions& options) {
  if (!impl_->setup->pretrain.enabled)
    throw Error(impl_->setup->file.source_name + ": [pretrain] enabled = false: nothing to pretrain");
  Runner runner(*impl_->registry, *impl_->setup, impl_->stop, callbacks, options);
  return runner.run(true, false, std::nullopt);
}

RunResult Pipeline::finetune(const fs::path& checkpoint, const Callbacks& callbacks, const RunOptions& options) {
  if (!fs::exists(checkpoint)) throw Error("checkpoint '" + checkpoint.string() + "' does not exist");
  Runner runner(*impl_->registry, *impl_->setup, impl_->stop, callbacks, options);
  return runner.run(false, true, checkpoint);
}

Metrics Pipeline::evaluate(const fs::path& checkpoint) {
  const PipelineSetup& s = *impl_->setup;
  Session session = open_session(s, false);
  std::string stage;
  auto model = model_from_checkpoint(*impl_->registry, s, checkpoint, session.device, &stage);
  const LossKind loss = resolve_loss(stage_settings(s, stage).loss, model->output_kind());
  require_labels_fit_loss(session.data.test, "test", session.data, loss, loss_context(s, stage),
                          label_file(s.file));
  return evaluate_split(*model, session.data.test, *s.augment, loss, session.data.task_names, session.device,
                        s.evaluate.batch_size, s.runtime.seed);
}

void Pipeline::predict(const fs::path& checkpoint, const fs::path& input, const fs::path& output) {
  const PipelineSetup& s = *impl_->setup;
  // Replacing an existing output is the caller's choice (the CLI asks for --force);
  // replacing an input never is.
  check_output_file(output, "predict: the output", {{"checkpoint", checkpoint}, {"input", input}},
                    /*replace_existing=*/true);
  const c10::Device device = resolve_device(s.runtime.device, s.runtime.require_device);
  if (s.runtime.threads > 0) at::set_num_threads(s.runtime.threads);
  auto model = model_from_checkpoint(*impl_->registry, s, checkpoint, device, nullptr);

  const PredictionInput in = read_prediction_input(input, s.data.alphabet, s.data.length);
  at::Tensor outputs = predict_outputs(*model, in.x, *s.augment, device, s.evaluate.batch_size, s.runtime.seed);
  if (model->output_kind() == sdk::OutputKind::logits) outputs = torch::sigmoid(outputs);
  write_file_atomically(output, predictions_tsv(in.ids, outputs, s.data.task_names));
  spdlog::info("predict: {} sequences from {} -> {}", in.ids.size(), input.filename().string(), output.string());
}

Pipeline::AnalysisModel Pipeline::analysis_model(const fs::path& checkpoint) const {
  const PipelineSetup& s = *impl_->setup;
  const c10::Device device = resolve_device(s.runtime.device, s.runtime.require_device);
  if (s.runtime.threads > 0) at::set_num_threads(s.runtime.threads);
  std::shared_ptr<sdk::Model> model = model_from_checkpoint(*impl_->registry, s, checkpoint, device, nullptr);
  model->eval();
  AnalysisModel out;
  out.module = model;
  out.device = device;
  out.alphabet = s.data.alphabet;
  out.length = s.data.length;
  out.task_names = s.data.task_names;
  for (std::int64_t t = static_cast<std::int64_t>(out.task_names.size()); t < s.data.tasks; ++t)
    out.task_names.push_back("task_" + std::to_string(t));
  out.logits = model->output_kind() == sdk::OutputKind::logits;
  // The padding is drawn once per batch size from the evaluation seed, so that the same
  // input always gives the same output (finite differences and ISM compare outputs).
  const AugmentPipeline* augment = &*s.augment;
  const std::uint64_t seed = s.runtime.seed;
  out.forward = [model, augment, device, seed](const at::Tensor& x) {
    at::Tensor input = x.to(device, torch::kFloat32);
    const std::int64_t from = input.size(2), to = augment->output_length();
    if (to > from) {
      // The padding of the evaluation's first batch (trainer.cpp: the evaluation salt, batch 0).
      at::Generator generator = make_generator(device, derive_seed(derive_seed(seed, 0xe7a1), 0));
      const at::Tensor padded = augment->pad(input.detach(), generator);
      input = torch::cat({input, padded.narrow(2, from, to - from)}, 2);
    }
    return forward_at_boundary(*model, input).cpu();
  };
  return out;
}

// ----------------------------------------------------------------------------- Runtime

Runtime::Runtime() : Runtime(Options{}) {}

Runtime::Runtime(Options options) : registry_(std::make_shared<PluginRegistry>()) {
  if (options.cache_cpu_memory) use_caching_cpu_allocator();
  guard_cpu_convolutions();  // once per process: a LibTorch whose oneDNN convolutions are wrong
  if (options.scan_default_folders)
    for (const auto& folder : default_plugin_folders()) registry_->scan(folder);
  for (const auto& folder : options.plugin_folders) registry_->scan(folder);
}

Runtime::~Runtime() = default;

PluginRegistry& Runtime::plugins() { return *registry_; }

Pipeline Runtime::load(const fs::path& file, const std::vector<std::string>& overrides) {
  auto impl = std::make_unique<Pipeline::Impl>();
  impl->registry = registry_;
  impl->setup = build_setup(read_pipeline_file(file, parse_overrides(overrides)), *registry_);
  return Pipeline(std::move(impl));
}

Pipeline Runtime::parse(const std::string& toml_text, const std::string& source_name,
                        const std::vector<std::string>& overrides, const fs::path& base_dir) {
  auto impl = std::make_unique<Pipeline::Impl>();
  impl->registry = registry_;
  impl->setup = build_setup(pipeline_from_text(toml_text, source_name, parse_overrides(overrides), base_dir), *registry_);
  return Pipeline(std::move(impl));
}

Pipeline Runtime::from_checkpoint(const fs::path& checkpoint, const std::vector<std::string>& overrides) {
  const Checkpoint ck = read_checkpoint(checkpoint);
  try {
    return parse(ck.state.config_toml, ck.state.source_name, overrides, ck.state.base_dir);
  } catch (const Error& e) {
    // Positions are in the saved (resolved) text, not in the file it came from: say so.
    // (An error of a --set value names the --set already.)
    const std::string text = e.what();
    const std::string prefix = ck.state.source_name + ":";
    if (ck.state.source_name.empty() || text.rfind(prefix, 0) != 0) throw;
    throw Error("checkpoint '" + checkpoint.string() + "': the configuration saved in it (resolved from " +
                ck.state.source_name + "), at " + text.substr(prefix.size()) +
                ". Give a pipeline file before the options, or correct the key with --set");
  }
}

}  // namespace evoaug
