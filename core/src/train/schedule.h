// Early stopping and learning-rate decay on a validation-loss plateau: the paper's
// schedule (stop after `patience` epochs without improvement; multiply the learning
// rate by `lr_factor` after `lr_patience` epochs without improvement). Pure logic, so
// that it can be tested on a scripted sequence of losses and saved in checkpoints.
#pragma once

#include <limits>

namespace evoaug {

struct ScheduleSettings {
  int patience = 10;        ///< early stopping; 0 = never stop early
  int lr_patience = 5;      ///< epochs without improvement before decaying; 0 = never
  double lr_factor = 0.1;   ///< multiplier applied on a plateau
  double min_learning_rate = 0.0;
};

/// Everything the schedule remembers; saved in checkpoints.
struct ScheduleState {
  double best_loss = std::numeric_limits<double>::infinity();
  int best_epoch = 0;                  ///< 0: no epoch yet
  int epochs_without_improvement = 0;  ///< for early stopping
  int epochs_since_lr_change = 0;      ///< non-improving epochs counted toward the next decay
  double learning_rate = 0.0;
};

/// What to do after an epoch.
struct ScheduleDecision {
  bool improved = false;        ///< new best: keep these weights
  bool stop = false;            ///< early stopping reached
  double learning_rate = 0.0;   ///< the rate for the next epoch
};

class TrainingSchedule {
 public:
  TrainingSchedule(ScheduleSettings settings, double initial_learning_rate);
  TrainingSchedule(ScheduleSettings settings, ScheduleState state);

  /// Records epoch `epoch`'s validation loss. Improvement means strictly lower than the
  /// best so far. A NaN loss never improves.
  ScheduleDecision observe(int epoch, double valid_loss);

  const ScheduleState& state() const { return state_; }
  const ScheduleSettings& settings() const { return settings_; }

 private:
  ScheduleSettings settings_;
  ScheduleState state_;
};

}  // namespace evoaug
