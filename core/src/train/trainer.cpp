#include "train/trainer.h"

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <ATen/Parallel.h>

#include <chrono>
#include <cmath>
#ifdef _OPENMP
#include <omp.h>
#endif
#include <optional>
#include <sstream>

#include "data/prefetcher.h"
#include "distributed/batch_norm_sync.h"
#include "distributed/communicator.h"
#include "distributed/gradient_reducer.h"
#include "evoaug/error.h"
#include "train/metrics.h"
#include "train/model_boundary.h"
#include "train/report.h"
#include "util/file_safety.h"

namespace evoaug {
namespace {

using Clock = std::chrono::steady_clock;

// The prefetch worker's thread settings: LibTorch's (init_num_threads), then one OpenMP
// thread for what it runs itself.
void prepare_on_one_thread() {
  at::init_num_threads();
#ifdef _OPENMP
  omp_set_num_threads(1);
#endif
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Salts of the run's random streams (train/seeds.h).
constexpr std::uint64_t kStageSalt = 0x5747e;
constexpr std::uint64_t kShuffleSalt = 0x5b0ff1e;
constexpr std::uint64_t kAugmentSalt = 0xa06;
constexpr std::uint64_t kEvaluationSalt = 0xe7a1;

// The key of a rank's dropout generator in a checkpoint: rank 0's is "default", as in a
// single process, so that a run resumes on any number of ranks.
std::string generator_key(int rank) { return rank == 0 ? "default" : "default/rank" + std::to_string(rank); }

// Rank 0's parameters and buffers on every rank: the same starting point however each
// rank built or loaded its model.
void broadcast_model(sdk::Model& model, Communicator& communicator) {
  torch::NoGradGuard no_grad;
  for (auto& t : model.parameters()) communicator.broadcast(t, 0, "the broadcast of rank 0's weights");
  for (auto& t : model.buffers()) communicator.broadcast(t, 0, "the broadcast of rank 0's weights");
}

// Whether any rank was asked to stop (every rank asks, each after the same batch).
bool any_rank(bool flag, Communicator* communicator) {
  return communicator ? communicator->any(flag, "the exchange of stop requests") : flag;
}

at::Tensor optimizer_bytes(torch::optim::Optimizer& optimizer) {
  torch::serialize::OutputArchive archive;
  optimizer.save(archive);
  std::string bytes;
  archive.save_to([&](const void* data, size_t size) {
    bytes.append(static_cast<const char*>(data), size);
    return size;
  });
  return torch::from_blob(bytes.data(), {static_cast<std::int64_t>(bytes.size())}, torch::kUInt8).clone();
}

void load_optimizer(torch::optim::Optimizer& optimizer, const at::Tensor& bytes, c10::Device device) {
  if (!bytes.defined() || bytes.numel() == 0) return;
  const auto cpu = bytes.contiguous().cpu();
  torch::serialize::InputArchive archive;
  archive.load_from(static_cast<const char*>(cpu.data_ptr()), static_cast<size_t>(cpu.numel()), device);
  optimizer.load(archive);
}

// The default generators dropout draws from (process-wide in LibTorch): saved and
// restored with a checkpoint so that a resumed run draws what an uninterrupted one would.
at::Generator default_generator(c10::Device device) { return at::globalContext().defaultGenerator(device); }

at::Tensor generator_state(at::Generator& generator) {
  std::lock_guard<std::mutex> lock(generator.mutex());
  return generator.get_state();
}

void set_generator_state(at::Generator& generator, const at::Tensor& state) {
  std::lock_guard<std::mutex> lock(generator.mutex());
  generator.set_state(state);
}

at::Tensor to_model_input(const at::Tensor& x, const at::Tensor& indices, c10::Device device) {
  return x.index_select(0, indices).to(device, torch::kFloat32);
}

std::string format_loss(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

}  // namespace

std::int64_t training_batches(std::int64_t sequences, std::int64_t batch_size, int ranks) {
  if (sequences <= 0) return 0;
  std::int64_t batches = (sequences + batch_size - 1) / batch_size;
  const std::int64_t last = sequences - (batches - 1) * batch_size;
  if (batches > 1 && last < 2 * ranks) --batches;
  return batches;
}

Metrics evaluate_split(sdk::Model& model, const Split& split, const AugmentPipeline& augment, LossKind loss,
                       const std::vector<std::string>& task_names, c10::Device device, std::int64_t batch_size,
                       std::uint64_t seed, Communicator* communicator) {
  const bool was_training = model.is_training();
  model.eval();
  torch::NoGradGuard no_grad;
  // Batch b pads from a generator of its own, seeded from (seed, b): the same padding
  // whichever process evaluates it. Each rank evaluates a contiguous share of the batches;
  // gathered in rank order, the predictions are one process's, row for row.
  const std::uint64_t padding_seed = derive_seed(seed, kEvaluationSalt);
  const std::int64_t rows = split.size();
  const std::int64_t batches = (rows + batch_size - 1) / batch_size;
  BatchLoader::Share share{0, batches};
  if (communicator) share = BatchLoader::share_of(batches, communicator->rank(), communicator->size());
  std::vector<at::Tensor> outputs;
  for (std::int64_t b = share.first; b < share.first + share.size; ++b) {
    at::Generator generator = make_generator(device, derive_seed(padding_seed, static_cast<std::uint64_t>(b)));
    const std::int64_t start = b * batch_size;
    const auto indices = torch::arange(start, std::min(rows, start + batch_size), torch::kLong);
    const auto x = augment.for_evaluation(to_model_input(split.x, indices, device), generator);
    outputs.push_back(forward_at_boundary(model, x).to(torch::kFloat32));
  }
  model.train(was_training);
  const std::int64_t n = split.size();
  const auto targets = split.y.to(device, torch::kFloat32);
  at::Tensor all = outputs.empty() ? torch::zeros({0, targets.size(1)}, targets.options()) : torch::cat(outputs);
  if (communicator) all = communicator->gather_rows(all, "the gathering of evaluation predictions");
  if (n == 0) all = torch::zeros_like(targets);
  Metrics metrics = compute_metrics(all, targets, model.output_kind(), task_names);
  metrics.loss = n == 0 ? NAN : loss_value(loss, all, targets).item<double>();
  return metrics;
}

at::Tensor predict_outputs(sdk::Model& model, const at::Tensor& x, const AugmentPipeline& augment,
                           c10::Device device, std::int64_t batch_size, std::uint64_t seed) {
  model.eval();
  torch::NoGradGuard no_grad;
  std::vector<at::Tensor> outputs;
  for (std::int64_t start = 0, b = 0; start < x.size(0); start += batch_size, ++b) {
    // The padding of evaluate_split's batch b.
    at::Generator generator =
        make_generator(device, derive_seed(derive_seed(seed, kEvaluationSalt), static_cast<std::uint64_t>(b)));
    const auto indices = torch::arange(start, std::min(x.size(0), start + batch_size), torch::kLong);
    outputs.push_back(
        forward_at_boundary(model, augment.for_evaluation(to_model_input(x, indices, device), generator)).cpu());
  }
  return outputs.empty() ? torch::zeros({0, 0}) : torch::cat(outputs);
}

StageResult train_stage(const StageRun& run) {
  sdk::Model& model = *run.model;
  const StageSettings& settings = run.settings;
  const Split& train = run.data->train;
  const std::string& stage = settings.name;
  const sdk::OutputKind kind = model.output_kind();
  const std::uint64_t stage_seed = derive_seed(run.seed, kStageSalt + (stage == "pretrain" ? 1 : 2));

  Communicator* const communicator = run.communicator;
  const int rank = communicator ? communicator->rank() : 0;
  const int ranks = communicator ? communicator->size() : 1;
  const bool writer = rank == 0;  // only rank 0 writes checkpoints and metrics.csv

  TrainingStep step(model, settings, run.loss, run.precision, run.device);
  torch::optim::Optimizer& optimizer = step.optimizer();
  TrainingSchedule schedule(settings.schedule, settings.learning_rate);
  CheckpointState state = run.identity;
  state.stage = stage;
  at::Generator global = default_generator(run.device);

  if (run.resume) {
    const CheckpointState& saved = run.resume->state;
    load_weights(model, run.resume->weights, run.last_checkpoint);
    load_optimizer(optimizer, saved.optimizer, run.device);
    schedule = TrainingSchedule(settings.schedule, saved.schedule);
    state.epoch = saved.epoch;
    state.batches_done = saved.batches_done;
    state.finished = saved.finished;
    state.stop_reason = saved.stop_reason;
    state.epoch_loss_sum = saved.epoch_loss_sum;
    state.epoch_sequences = saved.epoch_sequences;
    state.stage_seconds = saved.stage_seconds;
    state.history_csv = saved.history_csv;
    if (auto it = saved.generator_states.find(generator_key(rank)); it != saved.generator_states.end()) {
      set_generator_state(global, it->second);
    } else if (rank > 0) {
      // A rank the checkpoint's run did not have: a stream of its own, from where it joins.
      std::lock_guard<std::mutex> lock(global.mutex());
      global.set_current_seed(derive_seed(derive_seed(stage_seed, kRankSalt + static_cast<std::uint64_t>(rank)),
                                          static_cast<std::uint64_t>(saved.epoch) * 1000003u +
                                              static_cast<std::uint64_t>(saved.batches_done)));
    }
    // Every output the stage has written so far is there again, or the resume fails by
    // name: a fault (a full disk, kill -9) can stop a run between two of its writes.
    if (writer && saved.schedule.best_epoch > 0 && !std::filesystem::exists(run.best_checkpoint))
      throw Error(stage + ": cannot resume: " + run.best_checkpoint.string() + " is missing, but " +
                  run.last_checkpoint.string() + " records a best epoch (" + std::to_string(saved.schedule.best_epoch) +
                  ") whose weights only that file held. Restore it, or start afresh with --overwrite.");
    if (writer) write_file_atomically(run.metrics_csv, state.history_csv);
    spdlog::info("{}: resuming after epoch {}{}", stage, state.epoch,
                 state.batches_done ? ", batch " + std::to_string(state.batches_done) : std::string());
  } else {
    std::lock_guard<std::mutex> lock(global.mutex());
    // Each rank draws its own dropout masks.
    global.set_current_seed(rank == 0 ? stage_seed : derive_seed(stage_seed, kRankSalt + static_cast<std::uint64_t>(rank)));
    if (state.history_csv.empty()) state.history_csv = metrics_csv_header(kind);
  }
  std::optional<GradientReducer> reducer;
  const BatchNormSyncScope batch_norm_sync(run.sync_batch_norm ? communicator : nullptr);
  if (communicator) {
    broadcast_model(model, *communicator);
    reducer.emplace(model.parameters(), *communicator);
    step.set_gradient_reducer(&*reducer);
  }
  step.set_learning_rate(schedule.state().learning_rate);
  if (run.callbacks.on_stage_start) run.callbacks.on_stage_start(stage, model);

  auto save = [&](const std::filesystem::path& file) {
    // Dropout's generator only: each batch's augmentation is seeded from (epoch, batch).
    // Every rank's, gathered (a collective: every rank calls save), written by rank 0.
    at::Tensor own = generator_state(global);
    std::vector<at::Tensor> states{own};
    if (communicator) {
      const at::Tensor all = communicator->gather_rows(own.reshape({1, -1}), "the gathering of random states");
      states.clear();
      for (int r = 0; r < ranks; ++r) states.push_back(all[r].clone());
    }
    if (!writer) return;
    state.schedule = schedule.state();
    state.optimizer = optimizer_bytes(optimizer);
    state.generator_states.clear();
    for (int r = 0; r < static_cast<int>(states.size()); ++r) state.generator_states[generator_key(r)] = states[r];
    save_checkpoint(file, model, state);
  };
  auto best_so_far = [&]() -> std::string {
    if (schedule.state().best_epoch == 0) return "no checkpoint was written (no epoch completed)";
    return "the best checkpoint so far (epoch " + std::to_string(schedule.state().best_epoch) +
           ", validation loss " + format_loss(schedule.state().best_loss) + ") is kept at " +
           run.best_checkpoint.string();
  };

  const std::int64_t n = train.size();
  const std::int64_t batch_size = std::min<std::int64_t>(settings.batch_size, std::max<std::int64_t>(n, 1));
  // A final batch too small to share is dropped: batch normalisation cannot train on one.
  const std::int64_t batches = training_batches(n, batch_size, ranks);
  const BatchLoader loader(train, batch_size, /*shuffle=*/true, derive_seed(stage_seed, kShuffleSalt), run.device);

  double training_seconds = 0;          // in batches, this session
  std::int64_t sequences_trained = 0, steps = 0;
  while (!state.finished && state.epoch < settings.max_epochs) {
    const int epoch = state.epoch + 1;
    const auto epoch_start = Clock::now();
    const double seconds_before = state.stage_seconds;
    const double learning_rate = schedule.state().learning_rate;
    model.train();
    const BatchPreparer prepare(loader.epoch(epoch), *run.augment, settings.augment, run.device,
                                derive_seed(stage_seed, kAugmentSalt + static_cast<std::uint64_t>(epoch)), rank, ranks);
    // Batch b + 1 is gathered and augmented on a worker thread while the model trains on
    // batch b. The worker prepares a batch in well under a millisecond on one thread; with
    // the run's thread count it had an OpenMP team of its own, whose threads competed with
    // the step's for the same cores (the ChIP CNN's 2-thread epoch waited 4.4-5.5 % of its
    // time for batches, 2.3 % since). The batch is the same either way (docs/performance.md).
    Prefetcher<TrainingBatch> prepared(
        state.batches_done, batches, [&prepare](std::int64_t b) { return prepare(b); },
        static_cast<std::size_t>(run.prefetch), [] { prepare_on_one_thread(); });
    std::int64_t sequences_this_session = 0;
    double data_wait_seconds = 0;
    const std::int64_t first_batch = state.batches_done;
    for (std::int64_t b = state.batches_done; b < batches; ++b) {
      const auto wait_start = Clock::now();
      const std::optional<TrainingBatch> batch = prepared.next();
      data_wait_seconds += seconds_since(wait_start);
      if (!batch) throw Error(stage + ": internal error: batch " + std::to_string(b + 1) + " was not prepared");
      const double value = step.run(*batch);
      if (!std::isfinite(value))
        throw Error(stage + ": the training loss became " + format_loss(value) + " at epoch " +
                    std::to_string(epoch) + ", batch " + std::to_string(b + 1) + " (learning rate " +
                    format_loss(learning_rate) + "); training stopped. " + best_so_far() +
                    ". Try a lower [" + stage + "] learning_rate, or check the data for NaN values.");
      const std::int64_t size = std::min(batch_size, n - b * batch_size);  // the global batch's
      state.batches_done = b + 1;
      state.epoch_loss_sum += value * static_cast<double>(size);
      state.epoch_sequences += size;
      sequences_this_session += size;
      sequences_trained += size;
      ++steps;

      const double elapsed = seconds_since(epoch_start);
      if (run.callbacks.on_batch) {
        BatchProgress progress;
        progress.stage = stage;
        progress.epoch = epoch;
        progress.max_epochs = settings.max_epochs;
        progress.batch = b + 1;
        progress.batches = batches;
        progress.loss = state.epoch_loss_sum / static_cast<double>(state.epoch_sequences);
        progress.sequences_per_second = elapsed > 0 ? sequences_this_session / elapsed : 0.0;
        const double per_batch = elapsed / static_cast<double>(b + 1 - first_batch);
        progress.eta_seconds = per_batch * static_cast<double>(batches - b - 1);
        run.callbacks.on_batch(progress);
      }
      if (b + 1 < batches && any_rank(run.stop_requested && run.stop_requested(), communicator)) {
        prepared.stop();
        state.stage_seconds = seconds_before + seconds_since(epoch_start);
        save(run.last_checkpoint);
        throw Interrupted(stage + " stopped during epoch " + std::to_string(epoch) + " after batch " +
                          std::to_string(b + 1) + " of " + std::to_string(batches) + "; its state is saved in " +
                          run.last_checkpoint.string());
      }
    }

    training_seconds += seconds_since(epoch_start);
    EpochSummary summary;
    summary.stage = stage;
    summary.epoch = epoch;
    summary.train_loss = state.epoch_sequences ? state.epoch_loss_sum / static_cast<double>(state.epoch_sequences) : NAN;
    summary.learning_rate = learning_rate;
    summary.data_wait_seconds = data_wait_seconds;
    summary.valid = evaluate_split(model, run.data->valid, *run.augment, run.loss, run.data->task_names,
                                   run.device, run.eval_batch_size, run.seed, communicator);
    summary.valid_loss = summary.valid.loss;
    if (communicator) {
      // Rank 0 decides early stopping and the learning rate: every rank observes its loss.
      at::Tensor decided = torch::tensor({summary.valid_loss}, torch::kFloat64);
      communicator->broadcast(decided, 0, "the broadcast of the validation loss");
      summary.valid_loss = summary.valid.loss = decided.item<double>();
    }
    if (!std::isfinite(summary.valid_loss))
      throw Error(stage + ": the validation loss became " + format_loss(summary.valid_loss) + " after epoch " +
                  std::to_string(epoch) + "; training stopped. " + best_so_far() + ". Try a lower [" + stage +
                  "] learning_rate, or check the data for NaN values.");
    const ScheduleDecision decision = schedule.observe(epoch, summary.valid_loss);
    summary.improved = decision.improved;
    state.stage_seconds = seconds_before + seconds_since(epoch_start);
    summary.seconds = seconds_since(epoch_start);

    state.epoch = epoch;
    state.batches_done = 0;
    state.epoch_loss_sum = 0;
    state.epoch_sequences = 0;
    state.history_csv += metrics_csv_row(summary, kind);
    if (decision.stop) state.stop_reason = "early_stopping";
    else if (epoch >= settings.max_epochs) state.stop_reason = "max_epochs";
    state.finished = decision.stop || epoch >= settings.max_epochs;
    if (decision.learning_rate != learning_rate) {
      spdlog::info("{}: validation loss has not improved for {} epochs; learning rate {} -> {}", stage,
                   settings.schedule.lr_patience, learning_rate, decision.learning_rate);
      step.set_learning_rate(decision.learning_rate);
    }
    if (decision.improved) save(run.best_checkpoint);
    save(run.last_checkpoint);
    if (writer) write_file_atomically(run.metrics_csv, state.history_csv);
    if (run.callbacks.on_epoch) run.callbacks.on_epoch(summary);
    if (decision.stop)
      spdlog::info("{}: early stopping after epoch {} ({} epochs without improvement)", stage, epoch,
                   settings.schedule.patience);
    if (!state.finished && any_rank(run.stop_requested && run.stop_requested(), communicator))
      throw Interrupted(stage + " stopped after epoch " + std::to_string(epoch) + "; its state is saved in " +
                        run.last_checkpoint.string());
  }

  StageResult result;
  result.stage = stage;
  result.epochs_run = state.epoch;
  result.best_epoch = schedule.state().best_epoch;
  result.best_valid_loss = schedule.state().best_loss;
  result.stop_reason = state.stop_reason;
  result.seconds = state.stage_seconds;
  result.best_checkpoint = run.best_checkpoint;
  result.sequences_per_second = training_seconds > 0 ? static_cast<double>(sequences_trained) / training_seconds : 0.0;
  if (reducer && steps > 0) result.communication_ms_per_step = 1000.0 * reducer->wait_seconds() / static_cast<double>(steps);
  // Rank 0 reads the best weights and hands them to the others (which need not see its
  // files).
  if (writer) load_weights(model, read_checkpoint(run.best_checkpoint).weights, run.best_checkpoint);
  if (communicator) broadcast_model(model, *communicator);
  result.test = evaluate_split(model, run.data->test, *run.augment, run.loss, run.data->task_names, run.device,
                               run.eval_batch_size, run.seed, communicator);
  return result;
}

}  // namespace evoaug
