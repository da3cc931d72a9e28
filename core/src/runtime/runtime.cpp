// The embedding API (evoaug/runtime.h): Runtime owns a plugin registry; a Pipeline is a
// validated pipeline file that runs its stages and writes the run's outputs.
#include "evoaug/runtime.h"

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <optional>
#include <sstream>

#include "data/data_config.h"
#include "evoaug/cpu_memory.h"
#include "data/fasta.h"
#include "data/hdf5_io.h"
#include "model/model_summary.h"
#include "runtime/pipeline_setup.h"
#include "train/checkpoint.h"
#include "train/label_check.h"
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

// What a command needs before it trains or evaluates: device, threads, data, folders.
struct Session {
  c10::Device device = c10::kCPU;
  Dataset data;
  fs::path output_dir;
};

// The data as every command (and `check`) loads it, with the checks loading makes.
Dataset load_checked_data(const PipelineSetup& setup) {
  Dataset d = load_dataset(setup.file, setup.runtime.seed);
  if (d.alphabet() != setup.data.alphabet || d.length() != setup.data.length || d.tasks() != setup.data.tasks)
    throw Error(d.source + ": the data loaded has shape (A=" + std::to_string(d.alphabet()) + ", L=" +
                std::to_string(d.length()) + ", T=" + std::to_string(d.tasks()) + ") but its header said (A=" +
                std::to_string(setup.data.alphabet) + ", L=" + std::to_string(setup.data.length) +
                ", T=" + std::to_string(setup.data.tasks) + ")");
  return d;
}

Session open_session(const PipelineSetup& setup, bool writes_outputs) {
  Session session;
  session.device = resolve_device(setup.runtime.device, setup.runtime.require_device);
  check_precision(setup.runtime.precision, session.device);
  if (setup.runtime.threads > 0) at::set_num_threads(setup.runtime.threads);
  session.output_dir = setup.output_dir();
  if (writes_outputs) {
    fs::create_directories(session.output_dir / "checkpoints");
    spdlog::info("output folder: {}", fs::absolute(session.output_dir).lexically_normal().string());
  }
  session.data = load_checked_data(setup);
  const auto& d = session.data;
  spdlog::info("data: {} ({} train, {} valid, {} test sequences of length {}, {} task(s)); device {}", d.source,
               d.train.size(), d.valid.size(), d.test.size(), d.length(), d.tasks(), session.device.str());
  return session;
}

fs::path checkpoint_path(const Session& s, const std::string& stage, const std::string& which) {
  return s.output_dir / "checkpoints" / (stage + "-" + which + ".pt");
}

std::string read_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// metrics.csv rows to start a fresh stage with: those of other stages already in the
// file (a `finetune` after a separate `pretrain` keeps the pretraining rows).
std::string history_before(const fs::path& metrics_csv, const std::string& stage, sdk::OutputKind kind) {
  const std::string header = metrics_csv_header(kind);
  std::string out = header;
  std::istringstream in(read_text(metrics_csv));
  std::string line;
  if (!std::getline(in, line) || line + "\n" != header) return header;
  while (std::getline(in, line))
    if (!line.empty() && line.rfind(stage + ",", 0) != 0 && line.rfind("finetune,", 0) != 0) out += line + "\n";
  return out;
}

// The resolved TOML as "table.key = value" lines, so that two configurations can be
// compared key by key (a resolved file has one key per line, tables as [headers]).
std::vector<std::string> qualified_lines(const std::string& toml_text) {
  std::vector<std::string> out;
  std::istringstream in(toml_text);
  std::string line, table;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    if (line.front() == '[') {
      table = line;
      continue;
    }
    out.push_back(table + " " + line);
  }
  return out;
}

// What changed between the checkpoint's configuration and this one, a few keys at most.
std::string config_differences(const std::string& saved, const std::string& now) {
  const std::vector<std::string> before = qualified_lines(saved), after = qualified_lines(now);
  const auto missing_from = [](const std::vector<std::string>& lines, const std::string& line) {
    return std::find(lines.begin(), lines.end(), line) == lines.end();
  };
  std::vector<std::string> changes;
  for (const auto& line : before)
    if (missing_from(after, line)) changes.push_back("was " + line);
  for (const auto& line : after)
    if (missing_from(before, line)) changes.push_back("now " + line);
  std::string out;
  for (std::size_t i = 0; i < changes.size() && i < 6; ++i) out += (i ? "; " : "") + changes[i];
  if (changes.size() > 6) out += "; ...";
  return out.empty() ? "the order of keys" : out;
}

// The first of NAME.EXT, NAME-2.EXT, NAME-3.EXT, ... in `dir` that is free: where a file
// that must not be lost is kept aside.
fs::path free_name(const fs::path& dir, const std::string& name, const std::string& ext) {
  fs::path candidate = dir / (name + ext);
  for (int n = 2; fs::exists(fs::symlink_status(candidate)); ++n)
    candidate = dir / (name + "-" + std::to_string(n) + ext);
  return candidate;
}

bool contains(const std::vector<std::string>& items, const std::string& item) {
  return std::find(items.begin(), items.end(), item) != items.end();
}

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
    session_ = open_session(setup_, true);
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
    prepare_output_folder(stages, finetune_from);
    std::optional<fs::path> start_from = finetune_from;
    if (pretrain) {
      const StageResult r = run_stage("pretrain", std::nullopt);
      start_from = r.best_checkpoint;
    }
    if (finetune) {
      // A stop that came during pretraining's last epoch (or its test) is honoured here,
      // before fine-tuning starts, not after its first batch.
      if (pretrain && stop_requested())
        throw Interrupted("pretrain finished and is saved in " + checkpoint_path(session_, "pretrain", "last").string() +
                          "; stopped before fine-tuning. Run the same command again with --resume to continue.");
      run_stage("finetune", start_from);
    }
    check_promised_outputs(stages);
    return result_;
  }

 private:
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
    run.prefetch = setup_.runtime.prefetch;
    run.seed = setup_.runtime.seed;
    run.eval_batch_size = setup_.evaluate.batch_size;
    run.best_checkpoint = checkpoint_path(session_, stage, "best");
    run.last_checkpoint = checkpoint_path(session_, stage, "last");
    run.metrics_csv = metrics_csv;
    run.identity = identity_;
    run.callbacks = callbacks_;
    run.stop_requested = [this] { return stop_requested(); };

    std::optional<Checkpoint> resume;
    if (options_.resume && fs::exists(run.last_checkpoint)) {
      resume = read_checkpoint(run.last_checkpoint);
      if (resume->state.config_toml != identity_.config_toml)
        throw Error("cannot resume from '" + run.last_checkpoint.string() +
                    "': it was written with another configuration (the pipeline file or --set values "
                    "changed: " + config_differences(resume->state.config_toml, identity_.config_toml) +
                    "). Restore them, or start afresh without --resume.");
      run.resume = &*resume;
    } else {
      if (options_.resume) spdlog::info("{}: no checkpoint to resume in {}; starting the stage", stage,
                                        run.last_checkpoint.parent_path().string());
      if (initial_weights) {
        const Checkpoint start = read_checkpoint(*initial_weights);
        const sdk::ModelShape& shape = setup_.model_shape;
        require_same_input(start.state, shape.alphabet, shape.length, shape.tasks, *initial_weights);
        load_weights(*model, start.weights, *initial_weights);
        spdlog::info("{}: starting from the weights in {}", stage, initial_weights->string());
      }
      run.identity.history_csv = history_before(metrics_csv, stage, model->output_kind());
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
    write_report();
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

  // Decides everything first (what the run would replace, what it keeps aside, what it
  // refuses) and only then touches the folder, so that a refused run changes nothing.
  // Nothing a user made is removed silently: a fresh start replaces the checkpoints of the
  // stages it writes, and a report of those stages only, when told to (--overwrite); the
  // results of a stage it does not write are never replaced.
  void prepare_output_folder(const std::vector<std::string>& stages, const std::optional<fs::path>& finetune_from) {
    if (stages.empty()) return;
    const fs::path& dir = session_.output_dir;
    const fs::path report = dir / "report.json";
    const fs::path metrics = dir / "metrics.csv";
    const std::string command = stages.size() == 2 ? "run" : stages.front();

    std::vector<fs::path> checkpoints, written = {report, metrics};
    for (const auto& stage : stages)
      for (const char* which : {"best", "last"}) checkpoints.push_back(checkpoint_path(session_, stage, which));
    written.insert(written.end(), checkpoints.begin(), checkpoints.end());
    refuse_outputs_over_inputs(written, finetune_from);

    // A report that holds a stage this command does not run (or that cannot be read) is
    // kept aside under a free name; a report of its own stages is replaced.
    bool report_kept_aside = false, report_replaced = false;
    if (fs::exists(report)) {
      const auto held = report_stages(read_text(report));
      const bool own = held && std::all_of(held->begin(), held->end(),
                                           [&](const std::string& stage) { return contains(stages, stage); });
      report_kept_aside = !own;
      report_replaced = own && !options_.resume;
    }
    // A fresh pretraining starts metrics.csv over, dropping the fine-tuning rows too; when
    // it keeps the fine-tuning checkpoints (pretrain only), those rows are kept aside.
    const bool metrics_kept_aside = !options_.resume && command == "pretrain" && fs::exists(metrics) &&
                                    read_text(metrics).find("\nfinetune,") != std::string::npos;

    std::vector<fs::path> replaced;
    if (!options_.resume)
      for (const auto& file : checkpoints)
        if (fs::exists(file)) replaced.push_back(file);
    if (report_replaced) replaced.push_back(report);
    std::vector<std::string> replaced_names;
    for (const auto& file : replaced) replaced_names.push_back(file.filename().string());
    if (!replaced.empty() && !options_.overwrite)
      throw Error("output folder '" + dir.string() + "' already holds an earlier run (" + join(replaced_names) +
                  "). Continue it with --resume, replace it with --overwrite, or choose another folder with "
                  "--set runtime.output_dir=DIR.");

    // Decided; now the folder changes.
    if (report_kept_aside) {
      const fs::path kept = free_name(dir, "report.before-" + command, ".json");
      fs::rename(report, kept);
      spdlog::info("the earlier report.json holds results this {} does not write; it is kept as {}", command,
                   kept.string());
    }
    if (metrics_kept_aside) {
      const fs::path kept = free_name(dir, "metrics.before-" + command, ".csv");
      fs::copy_file(metrics, kept);
      spdlog::info("the earlier metrics.csv holds fine-tuning rows; it is kept as {}", kept.string());
    }
    for (const auto& file : replaced) fs::remove(file);
    if (!replaced.empty())
      spdlog::info("--overwrite: removed the earlier run's {} in {}", join(replaced_names), dir.string());
    if (!options_.resume && command == "pretrain")
      for (const char* which : {"best", "last"})
        if (const fs::path kept = checkpoint_path(session_, "finetune", which); fs::exists(kept))
          spdlog::warn("{} is kept: it was fine-tuned from the earlier pretraining, not from this one", kept.string());
    for (const fs::path& folder : {dir, dir / "checkpoints"}) remove_stale_temporaries(folder);
  }

  // No file the run writes may be one it reads: the fine-tuning's starting checkpoint,
  // the pipeline file, the data.
  void refuse_outputs_over_inputs(const std::vector<fs::path>& written, const std::optional<fs::path>& finetune_from) {
    if (finetune_from)
      for (const auto& file : written)
        if (same_file(file, *finetune_from))
          throw Error("cannot fine-tune from '" + finetune_from->string() + "': this run writes " +
                      file.string() + " and would replace it. Copy it elsewhere first, or set another output " +
                      "folder with --set runtime.output_dir=DIR.");
    std::vector<NamedPath> inputs = data_files(setup_.file);
    if (fs::exists(setup_.file.source_name)) inputs.push_back({"pipeline", setup_.file.source_name});
    for (const auto& file : written)
      for (const auto& input : inputs)
        if (same_file(file, input.path))
          throw Error("output folder '" + session_.output_dir.string() + "': this run writes " + file.string() +
                      ", which is the " + input.what + " file '" + input.path.string() +
                      "' it reads. Set another output folder with --set runtime.output_dir=DIR.");
  }

  // What a command that ends without an error promises (docs/outputs.md). A file removed
  // while the run went on, or lost to a fault that the run did not see, fails it by name.
  void check_promised_outputs(const std::vector<std::string>& stages) const {
    if (stages.empty()) return;
    std::vector<fs::path> promised = {session_.output_dir / "report.json", session_.output_dir / "metrics.csv"};
    for (const auto& stage : stages)
      for (const char* which : {"best", "last"}) promised.push_back(checkpoint_path(session_, stage, which));
    std::vector<std::string> missing;
    for (const auto& file : promised)
      if (!fs::exists(file)) missing.push_back(file.string());
    if (!missing.empty())
      throw Error("the run ended, but output(s) it promises are missing: " + join(missing) +
                  " (removed while it ran?). Run it again with --overwrite to write them afresh.");
  }

  void write_report() {
    ReportContents report;
    report.result = result_;
    report.source = setup_.file.source_name;
    report.threads = at::get_num_threads();
    report.wall_seconds = std::chrono::duration<double>(Clock::now() - start_).count();
    report.components = setup_.components;
    report.configuration_json = setup_.resolved_json();
    write_file_atomically(session_.output_dir / "report.json", report_json(report));
  }

  const PluginRegistry& registry_;
  const PipelineSetup& setup_;
  std::atomic<bool>& stop_;
  Callbacks callbacks_;
  RunOptions options_;
  std::optional<StopSignalGuard> signals_;
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

  std::vector<std::string> ids;
  at::Tensor x;
  const std::string name = input.filename().string();
  const bool hdf5 = input.extension() == ".h5" || input.extension() == ".hdf5";
  if (hdf5) {
    // The test split of a file in the paper's layout.
    x = read_hdf5_dataset(input).test.x;
    for (std::int64_t i = 0; i < x.size(0); ++i) ids.push_back("test_" + std::to_string(i));
  } else {
    std::vector<std::string> sequences;
    for (auto& record : read_fasta(input)) {
      if (static_cast<std::int64_t>(record.sequence.size()) != s.data.length)
        throw Error(input.string() + ":" + std::to_string(record.line) + ": sequence '" + record.id + "' has length " +
                    std::to_string(record.sequence.size()) + "; the model was trained on length " +
                    std::to_string(s.data.length));
      ids.push_back(record.id);
      sequences.push_back(std::move(record.sequence));
    }
    if (sequences.empty()) throw Error(input.string() + ": no sequences");
    x = one_hot_encode(sequences, NPolicy::uniform);
  }
  if (x.size(1) != s.data.alphabet || x.size(2) != s.data.length)
    throw Error(input.string() + ": sequences of shape (" + std::to_string(x.size(1)) + ", " +
                std::to_string(x.size(2)) + "); the model was trained on (" + std::to_string(s.data.alphabet) +
                ", " + std::to_string(s.data.length) + ")");

  at::Tensor outputs = predict_outputs(*model, x, *s.augment, device, s.evaluate.batch_size, s.runtime.seed);
  if (model->output_kind() == sdk::OutputKind::logits) outputs = torch::sigmoid(outputs);
  outputs = outputs.to(torch::kFloat64).contiguous();

  std::ostringstream tsv;
  tsv << "id";
  for (std::int64_t t = 0; t < outputs.size(1); ++t)
    tsv << "\t" << (t < static_cast<std::int64_t>(s.data.task_names.size()) ? s.data.task_names[t] : "task_" + std::to_string(t));
  tsv << "\n";
  const auto values = outputs.accessor<double, 2>();
  char cell[32];
  for (std::int64_t i = 0; i < outputs.size(0); ++i) {
    tsv << ids[i];
    for (std::int64_t t = 0; t < outputs.size(1); ++t) {
      std::snprintf(cell, sizeof cell, "\t%.6g", values[i][t]);
      tsv << cell;
    }
    tsv << "\n";
  }
  write_file_atomically(output, tsv.str());
  spdlog::info("predict: {} sequences from {} -> {}", ids.size(), name, output.string());
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
      at::Generator generator = make_generator(device, derive_seed(seed, 0xe7a1));  // the evaluation salt
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
