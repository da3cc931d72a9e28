#include "sweep/sweep_stats.h"

#include <cmath>

namespace evoaug {
namespace {

// Continued fraction of the regularised incomplete beta function (modified Lentz).
double beta_fraction(double a, double b, double x) {
  const double tiny = 1e-300;
  double c = 1.0, d = 1.0 - (a + b) * x / (a + 1.0);
  if (std::abs(d) < tiny) d = tiny;
  d = 1.0 / d;
  double h = d;
  for (int m = 1; m <= 300; ++m) {
    const double m2 = 2.0 * m;
    double aa = m * (b - m) * x / ((a + m2 - 1.0) * (a + m2));
    d = 1.0 + aa * d;
    if (std::abs(d) < tiny) d = tiny;
    c = 1.0 + aa / c;
    if (std::abs(c) < tiny) c = tiny;
    d = 1.0 / d;
    h *= d * c;
    aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1.0));
    d = 1.0 + aa * d;
    if (std::abs(d) < tiny) d = tiny;
    c = 1.0 + aa / c;
    if (std::abs(c) < tiny) c = tiny;
    d = 1.0 / d;
    const double step = d * c;
    h *= step;
    if (std::abs(step - 1.0) < 1e-15) break;
  }
  return h;
}

double regularized_beta(double a, double b, double x) {
  if (x <= 0.0) return 0.0;
  if (x >= 1.0) return 1.0;
  const double front =
      std::exp(std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log(1.0 - x));
  if (x < (a + 1.0) / (a + b + 2.0)) return front * beta_fraction(a, b, x) / a;
  return 1.0 - front * beta_fraction(b, a, 1.0 - x) / b;
}

}  // namespace

double mean_of(const std::vector<double>& values) {
  double sum = 0.0;
  int n = 0;
  for (double v : values)
    if (std::isfinite(v)) {
      sum += v;
      ++n;
    }
  return n ? sum / n : NAN;
}

double sd_of(const std::vector<double>& values) {
  const double m = mean_of(values);
  double sum = 0.0;
  int n = 0;
  for (double v : values)
    if (std::isfinite(v)) {
      sum += (v - m) * (v - m);
      ++n;
    }
  return n >= 2 ? std::sqrt(sum / (n - 1)) : NAN;
}

double student_t_two_sided_p(double t, double df) {
  if (std::isnan(t) || df <= 0) return NAN;
  if (std::isinf(t)) return 0.0;
  return regularized_beta(df / 2.0, 0.5, df / (df + t * t));
}

PairedTest paired_t_test(const std::vector<double>& a, const std::vector<double>& b) {
  std::vector<double> d;
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i)
    if (std::isfinite(a[i]) && std::isfinite(b[i])) d.push_back(a[i] - b[i]);
  PairedTest test;
  test.pairs = static_cast<int>(d.size());
  test.mean_difference = mean_of(d);
  if (d.size() < 2) {
    test.t = test.p = NAN;
    return test;
  }
  const double sd = sd_of(d);
  if (sd == 0.0) {
    test.t = test.mean_difference == 0.0 ? 0.0 : std::copysign(INFINITY, test.mean_difference);
    test.p = test.mean_difference == 0.0 ? 1.0 : 0.0;
    return test;
  }
  test.t = test.mean_difference / (sd / std::sqrt(static_cast<double>(d.size())));
  test.p = student_t_two_sided_p(test.t, static_cast<double>(d.size() - 1));
  return test;
}

}  // namespace evoaug
