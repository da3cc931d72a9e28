#include "train/schedule.h"

#include <algorithm>

namespace evoaug {

TrainingSchedule::TrainingSchedule(ScheduleSettings settings, double initial_learning_rate)
    : settings_(settings) {
  state_.learning_rate = initial_learning_rate;
}

TrainingSchedule::TrainingSchedule(ScheduleSettings settings, ScheduleState state)
    : settings_(settings), state_(state) {}

ScheduleDecision TrainingSchedule::observe(int epoch, double valid_loss) {
  ScheduleDecision decision;
  if (valid_loss < state_.best_loss) {
    state_.best_loss = valid_loss;
    state_.best_epoch = epoch;
    state_.epochs_without_improvement = 0;
    state_.epochs_since_lr_change = 0;
    decision.improved = true;
  } else {
    ++state_.epochs_without_improvement;
    ++state_.epochs_since_lr_change;
    // The counter restarts after a decay, so a long plateau decays every lr_patience
    // epochs. The decay follows the lr_patience-th bad epoch, as the paper words it;
    // PyTorch's ReduceLROnPlateau waits for one more (docs/training.md).
    if (settings_.lr_patience > 0 && state_.epochs_since_lr_change >= settings_.lr_patience) {
      state_.learning_rate = std::max(state_.learning_rate * settings_.lr_factor, settings_.min_learning_rate);
      state_.epochs_since_lr_change = 0;
    }
    decision.stop = settings_.patience > 0 && state_.epochs_without_improvement >= settings_.patience;
  }
  decision.learning_rate = state_.learning_rate;
  return decision;
}

}  // namespace evoaug
