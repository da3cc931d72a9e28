// Attribution methods on models whose answer is known: a linear model (gradient = its
// weights, ISM = weight differences) and a small nonlinear one checked against finite
// differences and GradientSHAP's completeness.
#include "catch.h"
#include <torch/torch.h>

#include "analysis/attribution.h"
#include "evoaug/error.h"

using namespace evoaug::analysis;

namespace {

at::Tensor random_one_hot(std::int64_t n, std::int64_t l, std::uint64_t seed) {
  at::Generator g = at::make_generator<at::CPUGeneratorImpl>(seed);
  return torch::one_hot(torch::randint(0, 4, {n, l}, g, torch::kLong), 4).permute({0, 2, 1}).to(torch::kFloat32);
}

struct Linear {
  at::Tensor w;  // (T, 4, L)
  at::Tensor operator()(const at::Tensor& x) const { return torch::einsum("nal,tal->nt", {x, w}) + 0.25; }
};

// A conv, a tanh and a readout: nonlinear, smooth, with interactions between positions.
struct Small {
  at::Tensor kernel, readout;
  at::Tensor operator()(const at::Tensor& x) const {
    const at::Tensor h = torch::tanh(torch::conv1d(x, kernel, {}, 1, 1));
    return (h * readout).sum({1, 2}).unsqueeze(1);
  }
};

Small make_small(std::int64_t l) {
  at::Generator g = at::make_generator<at::CPUGeneratorImpl>(7);
  return {torch::randn({3, 4, 3}, g, torch::kFloat64).to(torch::kFloat32),
          (torch::randn({1, 3, l}, g, torch::kFloat64) * 0.5).to(torch::kFloat32)};
}

}  // namespace

TEST_CASE("gradient correction leaves each position summing to zero and keeps differences", "[analysis]") {
  at::Generator g = at::make_generator<at::CPUGeneratorImpl>(3);
  const at::Tensor raw = torch::randn({5, 4, 30}, g, torch::kFloat64) * 3 + 1;
  const at::Tensor corrected = correct_gradients(raw);
  CHECK(corrected.sum(1).abs().max().item<double>() < 1e-12);
  // Differences between nucleotides (what a one-hot input can change) are untouched.
  CHECK(torch::allclose(corrected.select(1, 0) - corrected.select(1, 2), raw.select(1, 0) - raw.select(1, 2)));
  CHECK_FALSE(torch::allclose(corrected, raw));
}

TEST_CASE("saliency of a linear model is its weights, mean-centred per position", "[analysis]") {
  at::Generator g = at::make_generator<at::CPUGeneratorImpl>(11);
  const Linear model{torch::randn({2, 4, 20}, g, torch::kFloat32)};
  const at::Tensor x = random_one_hot(6, 20, 1);
  AttributionOptions options;
  options.task = 1;
  options.batch_size = 4;  // more than one batch
  options.correct = false;
  const at::Tensor raw = attribute(model, x, options);
  CHECK(torch::allclose(raw, model.w[1].unsqueeze(0).expand({6, 4, 20}), 1e-5, 1e-6));
  options.correct = true;
  const at::Tensor corrected = attribute(model, x, options);
  const at::Tensor expected = model.w[1] - model.w[1].mean(0, true);
  CHECK(torch::allclose(corrected, expected.unsqueeze(0).expand({6, 4, 20}), 1e-5, 1e-6));
  options.method = AttributionMethod::input_x_gradient;
  CHECK(torch::allclose(attribute(model, x, options), expected.unsqueeze(0) * x, 1e-5, 1e-6));
}

TEST_CASE("ISM of a linear model is exactly its weight differences", "[analysis]") {
  at::Generator g = at::make_generator<at::CPUGeneratorImpl>(12);
  // Weights that are exact in float32, so that the differences are exact too.
  const Linear model{torch::randint(-8, 9, {1, 4, 15}, g, torch::kLong).to(torch::kFloat32) / 4};
  const at::Tensor x = random_one_hot(3, 15, 2);
  AttributionOptions options;
  options.method = AttributionMethod::ism;
  options.batch_size = 7;  // mutant batches that do not divide 4 x 15
  const at::Tensor map = attribute(model, x, options);
  const at::Tensor observed = (model.w[0].unsqueeze(0) * x).sum(1, true);  // (N, 1, L)
  CHECK(torch::equal(map, model.w[0].unsqueeze(0) - observed));
  CHECK(map.masked_select(x > 0.5).abs().max().item<float>() == 0.0f);
}

TEST_CASE("ISM of a nonlinear model matches the outputs of the mutants computed one by one", "[analysis]") {
  const Small model = make_small(12);
  const at::Tensor x = random_one_hot(2, 12, 3);
  AttributionOptions options;
  options.method = AttributionMethod::ism;
  options.batch_size = 5;
  const at::Tensor map = attribute(model, x, options);
  for (std::int64_t i : {0, 1})
    for (std::int64_t l : {0, 5, 11})
      for (std::int64_t a = 0; a < 4; ++a) {
        at::Tensor mutant = x[i].clone();
        mutant.select(1, l).zero_();
        mutant[a][l] = 1;
        const double expected = (model(mutant.unsqueeze(0)) - model(x[i].unsqueeze(0))).item<double>();
        CHECK(map[i][a][l].item<double>() == Approx(expected).margin(1e-5));
      }
}

TEST_CASE("saliency equals a finite-difference estimate on a small nonlinear model", "[analysis]") {
  const Small model = make_small(10);
  const at::Tensor x = random_one_hot(2, 10, 4);
  AttributionOptions options;
  options.correct = false;
  const at::Tensor grad = attribute(model, x, options);
  const double eps = 1e-2;
  for (std::int64_t i : {0, 1})
    for (std::int64_t l : {0, 4, 9})
      for (std::int64_t a = 0; a < 4; ++a) {
        at::Tensor up = x[i].clone().to(torch::kFloat64), down = up.clone();
        up[a][l] += eps;
        down[a][l] -= eps;
        const Small m64{model.kernel.to(torch::kFloat64), model.readout.to(torch::kFloat64)};
        const double fd = ((m64(up.unsqueeze(0)) - m64(down.unsqueeze(0))) / (2 * eps)).item<double>();
        CHECK(grad[i][a][l].item<double>() == Approx(fd).margin(1e-3));
      }
}

TEST_CASE("GradientSHAP attributions add up to f(x) minus the mean output of random DNA", "[analysis]") {
  const Small model = make_small(10);
  const at::Tensor x = random_one_hot(3, 10, 5);
  AttributionOptions options;
  options.method = AttributionMethod::gradient_shap;
  // A Monte Carlo estimate: with 4,000 references its error here is about 0.05, with
  // 40,000 about 0.015, well inside the margin (measured with this model and seed).
  options.references = 40000;
  options.batch_size = 2000;
  options.seed = 9;
  const at::Tensor map = attribute(model, x, options);
  // E f(reference) from many more references, independently drawn.
  const at::Tensor refs = random_one_hot(50000, 10, 77);
  const double baseline = model(refs).mean().item<double>();
  const at::Tensor fx = model(x).squeeze(1);
  const double spread = model(refs).std().item<double>();
  for (std::int64_t i = 0; i < 3; ++i) {
    const double total = map[i].sum().item<double>();
    INFO("sequence " << i << ": sum " << total << ", f(x) - E f(ref) " << fx[i].item<double>() - baseline);
    CHECK(total == Approx(fx[i].item<double>() - baseline).margin(0.05 * spread));
  }
  // The correction does not change the sum (x - reference sums to 0 at each position).
  options.correct = false;
  CHECK(torch::allclose(attribute(model, x, options).sum({1, 2}), map.sum({1, 2}), 1e-3, 1e-4));
}

TEST_CASE("attribution options are checked with messages naming them", "[analysis]") {
  using evoaug::testing::Contains;
  CHECK_THROWS_WITH(parse_attribution_method("saliancy"), Contains("saliency"));
  const Linear model{torch::ones({1, 4, 5})};
  AttributionOptions options;
  options.task = 3;
  CHECK_THROWS_WITH(attribute(model, random_one_hot(1, 5, 1), options), Contains("--task 3") && Contains("1 output"));
  options.task = 0;
  options.method = AttributionMethod::gradient_shap;
  options.references = 0;
  CHECK_THROWS_WITH(attribute(model, random_one_hot(1, 5, 1), options), Contains("--references"));
}
