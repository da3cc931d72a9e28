// Metrics against values worked out by hand (and cross-checked with scikit-learn/scipy
// definitions): ties, undefined cases, per-task means.
#include "catch.h"
#include <torch/torch.h>

#include <cmath>

#include "train/metrics.h"

using evoaug::sdk::OutputKind;

namespace {
torch::Tensor t(std::vector<double> v) { return torch::tensor(v, torch::kFloat64); }
}  // namespace

TEST_CASE("AUROC counts correctly ordered positive-negative pairs, ties as half", "[metrics]") {
  // Pairs (pos, neg): 0.9>0.8, 0.9>0.3, 0.4<0.8, 0.4>0.3 -> 3 of 4.
  CHECK(evoaug::auroc(t({0.9, 0.8, 0.4, 0.3}), t({1, 0, 1, 0})) == Approx(0.75));
  // A tied positive-negative pair counts 1/2: pairs 0.5=0.5 (1/2), 0.5>0.2 (1) -> 0.75.
  CHECK(evoaug::auroc(t({0.5, 0.5, 0.2}), t({1, 0, 0})) == Approx(0.75));
  CHECK(evoaug::auroc(t({0.1, 0.2, 0.3}), t({1, 0, 0})) == Approx(0.0));
  CHECK(evoaug::auroc(t({3, 2, 1}), t({1, 1, 0})) == Approx(1.0));
  // Only one class: undefined.
  CHECK(std::isnan(evoaug::auroc(t({0.1, 0.2}), t({1, 1}))));
}

TEST_CASE("AUPR is average precision over distinct thresholds", "[metrics]") {
  // Ranked labels 1,0,1,0: precision at the positives 1/1 and 2/3 -> (1 + 2/3) / 2.
  CHECK(evoaug::aupr(t({0.9, 0.8, 0.4, 0.3}), t({1, 0, 1, 0})) == Approx((1.0 + 2.0 / 3.0) / 2.0));
  // A tie of one positive and one negative at the top: one threshold, precision 1/2,
  // recall 1/2; then the other positive at precision 2/3 -> 0.5*0.5 + 0.5*(2/3).
  CHECK(evoaug::aupr(t({0.9, 0.9, 0.5}), t({1, 0, 1})) == Approx(0.25 + 1.0 / 3.0));
  CHECK(std::isnan(evoaug::aupr(t({0.1, 0.2}), t({0, 0}))));
}

TEST_CASE("Accuracy thresholds logits at zero", "[metrics]") {
  CHECK(evoaug::accuracy_from_logits(t({2.0, -1.0, 0.5, -3.0}), t({1, 0, 0, 1})) == Approx(0.5));
  CHECK(evoaug::accuracy_from_logits(t({0.0}), t({1})) == Approx(1.0));
}

TEST_CASE("MSE and Pearson on hand-computed values", "[metrics]") {
  CHECK(evoaug::mse(t({1, 2, 3}), t({1, 2, 5})) == Approx(4.0 / 3.0));
  // x = 1,2,3 ; y = 2,4,7: dx = -1,0,1 ; dy = -2.333,-0.333,2.667 -> r = 5 / sqrt(2 * 12.6667).
  CHECK(evoaug::pearson(t({1, 2, 3}), t({2, 4, 7})) == Approx(5.0 / std::sqrt(2.0 * 38.0 / 3.0)));
  CHECK(evoaug::pearson(t({1, 2, 3}), t({3, 2, 1})) == Approx(-1.0));
  CHECK(std::isnan(evoaug::pearson(t({1, 1, 1}), t({1, 2, 3}))));
}

TEST_CASE("Spearman uses average ranks for ties", "[metrics]") {
  const auto ranks = evoaug::average_ranks(t({10, 20, 20, 5}));
  CHECK(ranks[0].item<double>() == Approx(2.0));
  CHECK(ranks[1].item<double>() == Approx(3.5));
  CHECK(ranks[2].item<double>() == Approx(3.5));
  CHECK(ranks[3].item<double>() == Approx(1.0));
  // Monotone but non-linear: rho = 1 where Pearson is not.
  CHECK(evoaug::spearman(t({1, 2, 3, 4}), t({1, 10, 100, 1000})) == Approx(1.0));
  // x ranks 1,2,3,4 ; y = 1,2,2,3 -> ranks 1,2.5,2.5,4: r = 4.5 / sqrt(5 * 4.5).
  CHECK(evoaug::spearman(t({1, 2, 3, 4}), t({1, 2, 2, 3})) == Approx(4.5 / std::sqrt(5.0 * 4.5)));
}

TEST_CASE("compute_metrics reports per task and means that skip undefined tasks", "[metrics]") {
  // Task 0 is perfectly ranked; task 1 has only negatives (AUROC undefined).
  const auto outputs = torch::tensor({{2.0, -1.0}, {-2.0, -2.0}, {1.0, 0.5}}, torch::kFloat32);
  const auto targets = torch::tensor({{1.0, 0.0}, {0.0, 0.0}, {1.0, 0.0}}, torch::kFloat32);
  const auto m = evoaug::compute_metrics(outputs, targets, OutputKind::logits, {"a", "b"});
  REQUIRE(m.tasks == std::vector<std::string>{"a", "b"});
  CHECK(m.per_task.at("auroc")[0] == Approx(1.0));
  CHECK(std::isnan(m.per_task.at("auroc")[1]));
  CHECK(m.mean.at("auroc") == Approx(1.0));
  CHECK(m.per_task.at("accuracy")[1] == Approx(2.0 / 3.0));
  CHECK(m.mean.at("accuracy") == Approx((1.0 + 2.0 / 3.0) / 2.0));

  const auto r = evoaug::compute_metrics(outputs, targets, OutputKind::regression, {});
  CHECK(r.tasks == std::vector<std::string>{"task_0", "task_1"});
  CHECK(r.per_task.count("mse") == 1);
  CHECK(r.per_task.count("auroc") == 0);
  CHECK(r.per_task.at("mse")[0] == Approx((1.0 + 4.0 + 0.0) / 3.0));
}

TEST_CASE("AUROC and AUPR cannot exceed 1: labels outside [0, 1] and NaN scores are left out", "[metrics]") {
  // Labels 5 and -3 once gave a mean AUPR of 1.9 (cumulative "true positives" of 5 each).
  const auto scores = t({0.9, 0.8, 0.7, 0.4, 0.3, 0.2});
  const auto labels = t({5, 1, 0, -3, 1, 0});
  const double aupr = evoaug::aupr(scores, labels), auroc = evoaug::auroc(scores, labels);
  CHECK(aupr <= 1.0);
  CHECK(auroc <= 1.0);
  // What is left: scores 0.8, 0.7, 0.3, 0.2 with labels 1, 0, 1, 0.
  CHECK(aupr == Approx(evoaug::aupr(t({0.8, 0.7, 0.3, 0.2}), t({1, 0, 1, 0}))));
  CHECK(auroc == Approx(0.75));
  const double nan = std::nan("");
  CHECK(evoaug::auroc(t({nan, 0.9, 0.1}), t({0, 1, 0})) == Approx(1.0));
  CHECK(evoaug::accuracy_from_logits(t({nan, 1.0, -1.0}), t({1, 1, 0})) == Approx(1.0));
  // Probabilities as labels keep both in [0, 1].
  torch::manual_seed(3);
  const auto soft = torch::rand({200}, torch::kFloat64), random_scores = torch::randn({200}, torch::kFloat64);
  CHECK(evoaug::aupr(random_scores, soft) <= 1.0);
  CHECK(evoaug::auroc(random_scores, soft) <= 1.0);
  CHECK(evoaug::mse(t({1, nan, 3}), t({1, 5, 3})) == Approx(0.0));
}
