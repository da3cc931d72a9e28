// The statistics of a sweep's summary: mean and standard deviation over seeds, and a
// paired t-test of a setting against the baseline over the seeds both ran.
#pragma once

#include <vector>

namespace evoaug {

/// Mean of the finite values; NaN when there are none.
double mean_of(const std::vector<double>& values);
/// Sample standard deviation (n - 1) of the finite values; NaN for fewer than two.
double sd_of(const std::vector<double>& values);

struct PairedTest {
  int pairs = 0;
  double mean_difference = 0.0;  ///< mean of a - b (NaN without pairs)
  double t = 0.0;                ///< NaN for fewer than two pairs
  double p = 0.0;                ///< two-sided; NaN for fewer than two pairs
};

/// Paired t-test of a[i] - b[i] (pairs where either is not finite are left out). With
/// identical differences the t is infinite and p is 0 (1 when they are all zero).
PairedTest paired_t_test(const std::vector<double>& a, const std::vector<double>& b);

/// Two-sided p-value of Student's t with `df` degrees of freedom.
double student_t_two_sided_p(double t, double df);

}  // namespace evoaug
