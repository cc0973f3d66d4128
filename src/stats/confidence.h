// Confidence intervals of a mean from a handful of replicate values (DESIGN.md §5 "Statistics
// across replicates"): the Student-t interval, and a seeded percentile bootstrap that the judge
// uses instead once there are at least ten replicates.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace inferbench::stats {

struct Interval {
  double low;
  double high;
  std::string method;  // "t" | "bootstrap" | "none" (fewer than two values: bounds are NaN)
};

// mean ± t(1 − α/2, n − 1) · s / √n with s the sample standard deviation (n − 1) and
// α = 1 − confidence; the quantile comes from Boost.Math's students_t. Identical values give a
// zero-width interval at the mean.
// REQUIRES: no NaN among values; 0 < confidence < 1.
Interval TInterval(std::span<const double> values, double confidence);

// Percentile bootstrap of the mean: `resamples` resamples of n values drawn with replacement
// (core/prng.h Prng(seed), NextBelow(n)), their means sorted, and the type-7 quantiles at
// (1 − confidence)/2 and (1 + confidence)/2. The same values, seed and resamples give the same
// interval on every machine.
// REQUIRES: no NaN among values; 0 < confidence < 1; resamples >= 1.
Interval BootstrapInterval(std::span<const double> values, double confidence, uint64_t seed,
                           int resamples = 10000);

}  // namespace inferbench::stats
