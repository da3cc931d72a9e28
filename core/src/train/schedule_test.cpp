// The paper's schedule on scripted validation-loss sequences.
#include "catch.h"

#include <cmath>
#include <vector>

#include "train/schedule.h"

using evoaug::ScheduleSettings;
using evoaug::TrainingSchedule;

TEST_CASE("Learning rate decays after lr_patience epochs without improvement", "[schedule]") {
  TrainingSchedule schedule(ScheduleSettings{10, 5, 0.1, 0.0}, 1e-3);
  // Epoch 1 best; epochs 2-6 do not improve: the 5th of them (epoch 6) decays.
  const std::vector<double> losses = {1.0, 1.1, 1.2, 1.0, 1.3, 1.05, 0.9, 0.95};
  std::vector<double> rates;
  std::vector<bool> improved;
  for (std::size_t i = 0; i < losses.size(); ++i) {
    const auto d = schedule.observe(static_cast<int>(i + 1), losses[i]);
    rates.push_back(d.learning_rate);
    improved.push_back(d.improved);
    CHECK_FALSE(d.stop);
  }
  CHECK(improved == std::vector<bool>{true, false, false, false, false, false, true, false});
  // An equal loss (epoch 4: 1.0) is not an improvement.
  for (int i = 0; i < 5; ++i) CHECK(rates[i] == Approx(1e-3));
  CHECK(rates[5] == Approx(1e-4));
  CHECK(rates[7] == Approx(1e-4));
  CHECK(schedule.state().best_epoch == 7);
  CHECK(schedule.state().best_loss == Approx(0.9));
}

TEST_CASE("Early stopping after patience epochs without improvement, and decays repeat on a long plateau",
          "[schedule]") {
  TrainingSchedule schedule(ScheduleSettings{10, 5, 0.1, 0.0}, 1e-3);
  CHECK(schedule.observe(1, 0.5).improved);
  int stopped_at = 0;
  double rate_at_stop = 0;
  for (int epoch = 2; epoch <= 30 && !stopped_at; ++epoch) {
    const auto d = schedule.observe(epoch, 0.6);
    if (d.stop) stopped_at = epoch, rate_at_stop = d.learning_rate;
  }
  CHECK(stopped_at == 11);              // 10 epochs (2..11) without improvement
  CHECK(rate_at_stop == Approx(1e-5));  // decayed at epochs 6 and 11
  CHECK(schedule.state().best_epoch == 1);
}

TEST_CASE("An improvement resets both counters, and zero patience disables", "[schedule]") {
  TrainingSchedule schedule(ScheduleSettings{3, 2, 0.5, 0.0}, 1.0);
  schedule.observe(1, 1.0);
  schedule.observe(2, 1.5);
  CHECK(schedule.observe(3, 0.8).improved);  // resets after one bad epoch
  CHECK_FALSE(schedule.observe(4, 0.9).stop);
  auto d = schedule.observe(5, 0.9);          // second bad epoch: decay
  CHECK(d.learning_rate == Approx(0.5));
  d = schedule.observe(6, 0.9);               // third: stop
  CHECK(d.stop);

  TrainingSchedule never(ScheduleSettings{0, 0, 0.1, 0.0}, 1.0);
  for (int epoch = 1; epoch <= 50; ++epoch) {
    const auto e = never.observe(epoch, 2.0);
    CHECK_FALSE(e.stop);
    CHECK(e.learning_rate == 1.0);
  }
}

TEST_CASE("The learning rate never decays below min_learning_rate, and NaN never improves", "[schedule]") {
  TrainingSchedule schedule(ScheduleSettings{0, 1, 0.1, 1e-3}, 1e-2);
  schedule.observe(1, 1.0);
  CHECK(schedule.observe(2, 2.0).learning_rate == Approx(1e-3));
  CHECK(schedule.observe(3, 2.0).learning_rate == Approx(1e-3));
  CHECK_FALSE(schedule.observe(4, std::nan("")).improved);
}
