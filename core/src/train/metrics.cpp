#include "train/metrics.h"

#include <torch/torch.h>

#include <cmath>
#include <limits>
#include <utility>

namespace evoaug {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Cumulative true and false positives at each distinct score, highest score first: the
// points of the ROC and precision-recall curves (ties form one point, as in scikit-learn).
struct Curve {
  at::Tensor true_positives;
  at::Tensor false_positives;
};

Curve curve_points(const at::Tensor& scores, const at::Tensor& labels) {
  const auto s = scores.to(torch::kFloat64).flatten();
  const auto order = torch::argsort(s, /*dim=*/0, /*descending=*/true);
  const auto sorted_scores = s.index_select(0, order);
  const auto sorted_labels = labels.to(torch::kFloat64).flatten().index_select(0, order);
  // The last index of each run of equal scores.
  const auto n = sorted_scores.size(0);
  auto last_of_run = torch::ones({n}, s.options().dtype(torch::kBool));
  if (n > 1) last_of_run.slice(0, 0, n - 1) = sorted_scores.slice(0, 0, n - 1) != sorted_scores.slice(0, 1, n);
  const auto ends = torch::nonzero(last_of_run).flatten();
  const auto tps = torch::cumsum(sorted_labels, 0).index_select(0, ends);
  const auto fps = (ends.to(torch::kFloat64) + 1) - tps;
  return {tps, fps};
}

// The pairs a classification metric is defined on: a finite score and a label in
// [0, 1]. On those, AUROC and AUPR are in [0, 1] by construction (true and false positive
// counts only grow, precision is at most 1); anything else (a label of 5, a NaN) is left
// out rather than allowed to push a metric past 1. Training refuses such labels before
// it starts (train/label_check.h), so this guards the metrics' own contract.
std::pair<at::Tensor, at::Tensor> classification_pairs(const at::Tensor& scores, const at::Tensor& labels) {
  const auto s = scores.to(torch::kFloat64).flatten();
  const auto y = labels.to(torch::kFloat64).flatten();
  const auto keep = torch::isfinite(s) & (y >= 0) & (y <= 1);
  if (keep.all().item<bool>()) return {s, y};
  return {s.masked_select(keep), y.masked_select(keep)};
}

// Finite pairs, for the regression metrics.
std::pair<at::Tensor, at::Tensor> finite_pairs(const at::Tensor& predictions, const at::Tensor& targets) {
  const auto p = predictions.to(torch::kFloat64).flatten();
  const auto t = targets.to(torch::kFloat64).flatten();
  const auto keep = torch::isfinite(p) & torch::isfinite(t);
  if (keep.all().item<bool>()) return {p, t};
  return {p.masked_select(keep), t.masked_select(keep)};
}

}  // namespace

double auroc(const at::Tensor& all_scores, const at::Tensor& all_labels) {
  const auto [scores, labels] = classification_pairs(all_scores, all_labels);
  if (scores.numel() == 0) return kNaN;
  const Curve c = curve_points(scores, labels);
  const double positives = c.true_positives[-1].item<double>();
  const double negatives = c.false_positives[-1].item<double>();
  if (positives == 0 || negatives == 0) return kNaN;
  const auto zero = torch::zeros({1}, c.true_positives.options());
  const auto tpr = torch::cat({zero, c.true_positives / positives});
  const auto fpr = torch::cat({zero, c.false_positives / negatives});
  return torch::trapz(tpr, fpr).item<double>();
}

double aupr(const at::Tensor& all_scores, const at::Tensor& all_labels) {
  const auto [scores, labels] = classification_pairs(all_scores, all_labels);
  if (scores.numel() == 0) return kNaN;
  const Curve c = curve_points(scores, labels);
  const double positives = c.true_positives[-1].item<double>();
  if (positives == 0) return kNaN;
  const auto precision = c.true_positives / (c.true_positives + c.false_positives);
  const auto recall = c.true_positives / positives;
  const auto zero = torch::zeros({1}, recall.options());
  const auto recall_gain = recall - torch::cat({zero, recall.slice(0, 0, recall.size(0) - 1)});
  return (recall_gain * precision).sum().item<double>();
}

double accuracy_from_logits(const at::Tensor& all_logits, const at::Tensor& all_labels) {
  const auto [logits, labels] = classification_pairs(all_logits, all_labels);
  if (logits.numel() == 0) return kNaN;
  const auto predicted = (logits.flatten() >= 0).to(torch::kFloat64);
  const auto truth = (labels.flatten() >= 0.5).to(torch::kFloat64);
  return (predicted == truth).to(torch::kFloat64).mean().item<double>();
}

double mse(const at::Tensor& all_predictions, const at::Tensor& all_targets) {
  const auto [predictions, targets] = finite_pairs(all_predictions, all_targets);
  if (predictions.numel() == 0) return kNaN;
  return (predictions.to(torch::kFloat64) - targets.to(torch::kFloat64)).pow(2).mean().item<double>();
}

double pearson(const at::Tensor& all_predictions, const at::Tensor& all_targets) {
  const auto [predictions, targets] = finite_pairs(all_predictions, all_targets);
  if (predictions.numel() < 2) return kNaN;
  const auto x = predictions.to(torch::kFloat64).flatten();
  const auto y = targets.to(torch::kFloat64).flatten();
  const auto dx = x - x.mean();
  const auto dy = y - y.mean();
  const double denominator = std::sqrt((dx * dx).sum().item<double>() * (dy * dy).sum().item<double>());
  if (denominator == 0) return kNaN;  // a constant: correlation is undefined
  return (dx * dy).sum().item<double>() / denominator;
}

at::Tensor average_ranks(const at::Tensor& values) {
  const auto v = values.to(torch::kFloat64).flatten();
  const auto n = v.size(0);
  const auto sorted = torch::sort(v);
  const auto& sorted_values = std::get<0>(sorted);
  const auto& order = std::get<1>(sorted);
  // Runs of equal values share the mean of the 1-based positions they occupy.
  auto [unique, inverse, counts] = torch::unique_consecutive(sorted_values, /*return_inverse=*/true,
                                                             /*return_counts=*/true);
  const auto run_end = torch::cumsum(counts, 0).to(torch::kFloat64);
  const auto run_mean_rank = run_end - (counts.to(torch::kFloat64) - 1) / 2.0;
  auto ranks = torch::empty({n}, v.options());
  ranks.index_put_({order}, run_mean_rank.index_select(0, inverse));
  return ranks;
}

double spearman(const at::Tensor& all_predictions, const at::Tensor& all_targets) {
  const auto [predictions, targets] = finite_pairs(all_predictions, all_targets);
  if (predictions.numel() < 2) return kNaN;
  return pearson(average_ranks(predictions), average_ranks(targets));
}

std::vector<std::string> metric_names(sdk::OutputKind kind) {
  if (kind == sdk::OutputKind::regression) return {"mse", "pearson", "spearman"};
  return {"auroc", "aupr", "accuracy"};
}

Metrics compute_metrics(const at::Tensor& outputs, const at::Tensor& targets, sdk::OutputKind kind,
                        const std::vector<std::string>& task_names) {
  TORCH_CHECK(outputs.dim() == 2 && outputs.sizes() == targets.sizes(),
              "compute_metrics: outputs and targets must both be (N, T)");
  Metrics metrics;
  metrics.tasks = task_names;
  const auto tasks = outputs.size(1);
  for (std::int64_t t = static_cast<std::int64_t>(metrics.tasks.size()); t < tasks; ++t)
    metrics.tasks.push_back("task_" + std::to_string(t));
  const auto out = outputs.detach();
  for (const auto& name : metric_names(kind)) {
    auto& values = metrics.per_task[name];
    for (std::int64_t t = 0; t < tasks; ++t) {
      const auto o = out.select(1, t);
      const auto y = targets.select(1, t);
      if (name == "mse") values.push_back(mse(o, y));
      else if (name == "pearson") values.push_back(pearson(o, y));
      else if (name == "spearman") values.push_back(spearman(o, y));
      else if (name == "auroc") values.push_back(auroc(o, y));
      else if (name == "aupr") values.push_back(aupr(o, y));
      else values.push_back(accuracy_from_logits(o, y));
    }
    double sum = 0;
    int defined = 0;
    for (double v : values)
      if (!std::isnan(v)) sum += v, ++defined;
    metrics.mean[name] = defined ? sum / defined : kNaN;
  }
  return metrics;
}

}  // namespace evoaug
