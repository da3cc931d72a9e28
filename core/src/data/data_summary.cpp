#include "data/data_summary.h"

#include <torch/torch.h>

namespace evoaug {

SplitSummary summarize_split(const Split& split) {
  SplitSummary summary;
  summary.sequences = split.size();
  if (summary.sequences == 0) return summary;
  summary.length = split.x.size(2);
  // A position is a letter when its largest channel is 1 and the channels sum to 1;
  // computed in blocks so that a large uint8 split is not widened to float all at once.
  std::int64_t letters = 0;
  const std::int64_t block = 4096;
  for (std::int64_t start = 0; start < summary.sequences; start += block) {
    const at::Tensor x = split.x.narrow(0, start, std::min(block, summary.sequences - start)).to(torch::kFloat32);
    letters += ((x.amax(1) == 1) & (x.sum(1) == 1)).sum().item<std::int64_t>();
  }
  const double positions = static_cast<double>(summary.sequences * summary.length);
  summary.n_fraction = 1.0 - static_cast<double>(letters) / positions;

  const at::Tensor y = split.y.to(torch::kFloat64);
  for (std::int64_t t = 0; t < y.size(1); ++t) {
    const at::Tensor column = y.select(1, t);
    TaskSummary task;
    task.binary = ((column == 0) | (column == 1)).all().item<bool>();
    task.mean = column.mean().item<double>();
    task.std = summary.sequences > 1 ? column.std().item<double>() : 0.0;
    if (task.binary) task.positive_rate = task.mean;
    summary.tasks.push_back(task);
  }
  return summary;
}

}  // namespace evoaug
