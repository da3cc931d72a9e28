// What `evoaug data inspect` reports about a split: its size, length, N content and label
// statistics (positive rate for 0/1 labels, mean and standard deviation otherwise).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "evoaug/dataset.h"

namespace evoaug {

struct TaskSummary {
  bool binary = false;        ///< every label is 0 or 1
  double positive_rate = 0;   ///< binary tasks
  double mean = 0, std = 0;   ///< every task
};

struct SplitSummary {
  std::int64_t sequences = 0, length = 0;
  /// Fraction of positions that are not a single letter: zero (N as zeros, padding) or
  /// soft (N as 0.25, or other non one-hot values).
  double n_fraction = 0;
  std::vector<TaskSummary> tasks;
};

SplitSummary summarize_split(const Split& split);

}  // namespace evoaug
