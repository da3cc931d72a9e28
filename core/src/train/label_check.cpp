#include "train/label_check.h"

#include <torch/torch.h>

#include <cstdio>

#include "evoaug/error.h"

namespace evoaug {

void require_labels_fit_loss(const Split& split, const std::string& split_name, const Dataset& data,
                             LossKind loss, const std::string& context) {
  if (loss != LossKind::bce || split.size() == 0 || !split.y.defined()) return;
  const at::Tensor y = split.y.to(torch::kFloat64);
  // NaN fails both comparisons, so it is refused too.
  const at::Tensor bad = (~((y >= 0) & (y <= 1))).nonzero();
  if (bad.size(0) == 0) return;
  const std::int64_t row = bad[0][0].item<std::int64_t>(), task = bad[0][1].item<std::int64_t>();
  const double value = y[row][task].item<double>();
  const std::string task_name =
      task < static_cast<std::int64_t>(data.task_names.size()) ? data.task_names[task] : "task_" + std::to_string(task);
  char number[32];
  std::snprintf(number, sizeof number, "%.6g", value);
  throw Error(data.source + ": split '" + split_name + "', row " + std::to_string(row) + ", task '" + task_name +
              "': label " + number + " is not in [0, 1] (" + std::to_string(bad.size(0)) +
              " such label(s) in this split). " + context +
              " trains with binary cross-entropy, which needs labels in [0, 1] (0/1 classes or probabilities). "
              "For other targets use a regression model, or set loss = \"mse\" in [pretrain] and [finetune]");
}

void require_labels_fit_loss(const Dataset& data, LossKind loss, const std::string& context) {
  require_labels_fit_loss(data.train, "train", data, loss, context);
  require_labels_fit_loss(data.valid, "valid", data, loss, context);
  require_labels_fit_loss(data.test, "test", data, loss, context);
}

}  // namespace evoaug
