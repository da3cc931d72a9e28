// Test and validation metrics, computed with tensor ops on the outputs' device.
#pragma once

#include <ATen/core/Tensor.h>

#include <string>
#include <vector>

#include "evoaug/training_results.h"
#include "evoaug/sdk/model.h"

namespace evoaug {

/// Each function takes one task's values: 1-D tensors of equal length, any device.
/// Classification: `scores` are logits or probabilities (only their order matters for
/// AUROC and AUPR), `labels` are 0 or 1 (or probabilities in [0, 1]). Only pairs with a
/// finite score and a label in [0, 1] count, so AUROC and AUPR are always in [0, 1] (or
/// NaN); the regression metrics count only finite pairs.
double auroc(const at::Tensor& scores, const at::Tensor& labels);
/// Average precision: the sum over thresholds of precision times the recall gained
/// (scikit-learn's average_precision_score, the usual AUPR estimate).
double aupr(const at::Tensor& scores, const at::Tensor& labels);
/// Fraction of sequences whose logit has the label's sign (probability >= 0.5 is 1).
double accuracy_from_logits(const at::Tensor& logits, const at::Tensor& labels);
double mse(const at::Tensor& predictions, const at::Tensor& targets);
double pearson(const at::Tensor& predictions, const at::Tensor& targets);
/// Pearson correlation of the ranks; tied values share their mean rank.
double spearman(const at::Tensor& predictions, const at::Tensor& targets);
/// 1-based ranks with ties averaged, as double.
at::Tensor average_ranks(const at::Tensor& values);

/// Every metric of `kind` for (N, T) `outputs` and `targets`, per task and averaged.
/// `loss` is left for the caller to fill in.
Metrics compute_metrics(const at::Tensor& outputs, const at::Tensor& targets, sdk::OutputKind kind,
                        const std::vector<std::string>& task_names);

/// The metric names a model of `kind` gets, in report order.
std::vector<std::string> metric_names(sdk::OutputKind kind);

}  // namespace evoaug
