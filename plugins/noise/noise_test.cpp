// Gaussian noise against its definition: an i.i.d. N(noise_mean, noise_std^2) draw added
// to every element.
#include "../testing/augmentation_testing.h"

using namespace evoaug::testing;

TEST_CASE("noise adds i.i.d. Gaussian noise of the given mean and standard deviation") {
  const auto op = make_op("noise", {{"noise_mean", 0.5}, {"noise_std", 0.3}}, 200);
  CHECK_FALSE(op->keeps_one_hot());
  CHECK(op->output_length(200) == 200);
  const at::Tensor x = random_batch(256, 200, 1);
  for (const auto& [path, batch] : both_paths(x)) {
    INFO(path);
    at::Generator g = cpu_generator(2);
    const at::Tensor out = op->apply(batch, g);
    REQUIRE(out.sizes() == batch.sizes());
    const at::Tensor e = (out - batch).to(at::kDouble).flatten();
    CHECK(e.mean().item<double>() == Approx(0.5).margin(0.005));
    CHECK(e.std().item<double>() == Approx(0.3).margin(0.005));
    // Gaussian shape: about 68.3% within one sd, 95.4% within two, 99.7% within three.
    const at::Tensor z = ((e - 0.5) / 0.3).abs();
    CHECK(z.lt(1).to(at::kDouble).mean().item<double>() == Approx(0.6827).margin(0.005));
    CHECK(z.lt(2).to(at::kDouble).mean().item<double>() == Approx(0.9545).margin(0.003));
    CHECK(z.lt(3).to(at::kDouble).mean().item<double>() == Approx(0.9973).margin(0.001));
    CHECK(z.gt(4).any().item<bool>());  // the tail is reached (204,800 * 6.3e-5 = 13 expected)
    // Independent between neighbours and between channels.
    const at::Tensor r = (out - batch).to(at::kDouble);
    const auto corr = [](const at::Tensor& a, const at::Tensor& b) {
      const at::Tensor da = a - a.mean(), db = b - b.mean();
      return ((da * db).mean() / (da.std() * db.std())).item<double>();
    };
    CHECK(std::abs(corr(r.narrow(2, 0, 199), r.narrow(2, 1, 199))) < 0.01);
    CHECK(std::abs(corr(r.select(1, 0), r.select(1, 1))) < 0.01);
  }
}

TEST_CASE("noise with noise_std 0 adds only the mean") {
  const auto op = make_op("noise", {{"noise_mean", 0.25}, {"noise_std", 0.0}}, 30);
  const at::Tensor x = random_batch(8, 30, 3);
  at::Generator g = cpu_generator(4);
  CHECK(at::allclose(op->apply(x, g), x + 0.25));
}

TEST_CASE("noise is deterministic under a seed") { check_deterministic(*make_op("noise", {}, 100), 100); }

TEST_CASE("noise rejects a negative standard deviation") {
  check_rejected("noise", {{"noise_std", -0.1}}, 50, "noise_std");
}

TEST_CASE("noise defaults are the paper's values") {
  const auto* registry = &suite_registry();
  const auto defaults = evoaug::sdk::Params::defaults(registry->augmentation("noise").schema);
  CHECK(defaults.real("noise_mean") == 0.0);
  CHECK(defaults.real("noise_std") == 0.3);
}
