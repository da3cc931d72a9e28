// Gaussian noise against its definition: an i.i.d. N(noise_mean, noise_std^2) draw added
// to every element.
#include <evoaug/sdk/kernels.h>

#include <vector>

#include "../testing/augmentation_testing.h"

using namespace evoaug::testing;
namespace kernels = evoaug::sdk::kernels;

namespace {

/// The standard normal CDF.
double phi(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

/// Checks that `z` (standardised noise, double) looks like i.i.d. N(0, 1) draws: moments,
/// the CDF at several points, the tails, and no correlation at the lags where the
/// vectorised sampler could leak one (neighbours, the sine of the same pair at 16, the
/// same stream's next draw at 32).
void check_standard_normal(const at::Tensor& z) {
  const double n = static_cast<double>(z.numel());
  INFO(n << " values");
  CHECK(z.mean().item<double>() == Approx(0.0).margin(5.0 / std::sqrt(n)));
  CHECK(z.pow(2).mean().item<double>() == Approx(1.0).margin(8.0 / std::sqrt(n)));
  CHECK(z.pow(3).mean().item<double>() == Approx(0.0).margin(20.0 / std::sqrt(n)));  // skewness
  CHECK(z.pow(4).mean().item<double>() == Approx(3.0).margin(60.0 / std::sqrt(n)));  // kurtosis
  for (double at : {-3.0, -2.0, -1.5, -1.0, -0.5, -0.1, 0.0, 0.1, 0.5, 1.0, 1.5, 2.0, 3.0}) {
    INFO("CDF at " << at);
    const double expected = phi(at);
    CHECK(z.lt(at).to(at::kDouble).mean().item<double>() ==
          Approx(expected).margin(5.0 * std::sqrt(expected * (1 - expected) / n) + 1e-6));
  }
  const auto lag_corr = [&](std::int64_t lag) {
    const at::Tensor flat = z.flatten();
    const at::Tensor a = flat.narrow(0, 0, flat.numel() - lag), b = flat.narrow(0, lag, flat.numel() - lag);
    return ((a * b).mean() - a.mean() * b.mean()).item<double>();
  };
  for (std::int64_t lag : {1, 2, 8, 16, 32, 64}) {
    INFO("lag " << lag);
    CHECK(std::abs(lag_corr(lag)) < 5.0 / std::sqrt(n));
  }
}

}  // namespace

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
    check_standard_normal((e - 0.5) / 0.3);
  }
}

TEST_CASE("noise is Gaussian on every row shape: shorter than a block, odd lengths, long rows") {
  for (const std::int64_t length : {1, 3, 7, 33, 249, 1000}) {
    INFO("length " << length);
    const auto op = make_op("noise", {{"noise_mean", -0.2}, {"noise_std", 0.7}}, length);
    const std::int64_t n = std::max<std::int64_t>(8, 400000 / (4 * length));
    const at::Tensor x = random_batch(n, length, 30 + static_cast<std::uint64_t>(length));
    at::Generator g = cpu_generator(31);
    const at::Tensor out = op->apply(x, g);
    check_standard_normal(((out - x).to(at::kDouble) + 0.2) / 0.7);
    // Rows are independent: the first values of neighbouring rows do not correlate.
    const at::Tensor first = ((out - x).to(at::kDouble) + 0.2).select(2, 0).select(1, 0) / 0.7;
    if (n > 1000) {
      const at::Tensor a = first.narrow(0, 0, n - 1), b = first.narrow(0, 1, n - 1);
      CHECK(std::abs(((a * b).mean() - a.mean() * b.mean()).item<double>()) < 5.0 / std::sqrt(double(n)));
    }
  }
}

TEST_CASE("the Gaussian sampler: strided lines draw the same numbers as a contiguous stream") {
  const std::int64_t lines = 4, length = 249, stride = 269;
  std::vector<float> in(static_cast<std::size_t>(lines * stride), 0.0f);
  for (std::size_t i = 0; i < in.size(); ++i) in[i] = static_cast<float>(i % 7) * 0.25f;
  std::vector<float> compact(static_cast<std::size_t>(lines * length)), strided(in.size(), -9.0f);
  for (std::int64_t l = 0; l < lines; ++l)
    std::copy(in.begin() + l * stride, in.begin() + l * stride + length, compact.begin() + l * length);
  std::vector<float> compact_out(compact.size());
  kernels::Rng a(7, 3), b(7, 3);
  kernels::add_gaussian(compact.data(), compact_out.data(), lines * length, 0.1f, 0.3f, a);
  kernels::add_gaussian(in.data(), stride, strided.data(), stride, lines, length, 0.1f, 0.3f, b);
  for (std::int64_t l = 0; l < lines; ++l)
    for (std::int64_t j = 0; j < stride; ++j) {
      INFO("line " << l << " position " << j);
      const float got = strided[static_cast<std::size_t>(l * stride + j)];
      if (j < length)
        REQUIRE(got == compact_out[static_cast<std::size_t>(l * length + j)]);
      else
        REQUIRE(got == -9.0f);  // beyond the line: untouched
    }
  // In place (in == out) gives the same numbers too.
  kernels::Rng c(7, 3);
  kernels::add_gaussian(compact.data(), compact.data(), lines * length, 0.1f, 0.3f, c);
  CHECK(compact == compact_out);
}

TEST_CASE("the Gaussian sampler's CPU variants draw the same numbers") {
  using kernels::detail::GaussianVariant;
  const std::int64_t count = 4096 + 19;
  std::vector<float> in(static_cast<std::size_t>(count), 1.0f), reference(in.size()), other(in.size());
  kernels::detail::add_gaussian_variant(GaussianVariant::portable, in.data(), count, reference.data(), count, 1, count,
                                        0.0f, 1.0f, 12345);
  for (GaussianVariant variant : {GaussianVariant::avx2, GaussianVariant::avx512}) {
    if (!kernels::detail::gaussian_variant_available(variant)) continue;
    INFO("variant " << static_cast<int>(variant));
    kernels::detail::add_gaussian_variant(variant, in.data(), count, other.data(), count, 1, count, 0.0f, 1.0f, 12345);
    // Fused multiply-adds round differently from the portable variant's separate ones.
    for (std::size_t i = 0; i < in.size(); ++i) REQUIRE(other[i] == Approx(reference[i]).margin(1e-5));
  }
  // AVX2 and AVX-512 both fuse: the same bits.
  if (kernels::detail::gaussian_variant_available(GaussianVariant::avx512)) {
    std::vector<float> avx2(in.size());
    kernels::detail::add_gaussian_variant(GaussianVariant::avx2, in.data(), count, avx2.data(), count, 1, count, 0.0f,
                                          1.0f, 12345);
    CHECK(avx2 == other);
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
