// The relative change of a mean between a baseline sample a and a candidate sample b (replicate
// values), with a two-sided confidence interval and the Welch p-value of "equal means"
// (DESIGN.md §7 "Compare").
//
//   change = mean(b) / mean(a) − 1
//
// Interval: with at least kBootstrapMinN values on both sides, a seeded percentile bootstrap of
// mean(b*) / mean(a*) − 1 (a and b resampled independently); otherwise Welch's t interval of
// mean(b) − mean(a) (Welch–Satterthwaite degrees of freedom) divided by mean(a). Boost.Math
// provides the t quantile and CDF.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace inferbench::stats {

inline constexpr size_t kBootstrapMinN = 10;

struct RelativeChange {
  double mean_a = 0;
  double mean_b = 0;
  double change = 0;  // mean_b / mean_a − 1
  double low = 0;     // bounds of change at `confidence`
  double high = 0;
  double confidence = 0;
  double p_value = 0;  // Welch two-sided, H0: mean(a) = mean(b)
  double df = 0;       // Welch–Satterthwaite degrees of freedom (NaN without variance)
  // "welch" | "bootstrap" | "none". "none": fewer than two values on a side, or mean(a) = 0
  // while b differs (a relative change has no meaning); every number that cannot be computed is
  // NaN (the p-value is still given when both sides have two values).
  std::string method;
};

// Without any spread on either side the interval is the point itself and the p-value is 1 when
// the means are equal, 0 otherwise. Both means 0 and no spread: change 0, interval [0, 0].
// `seed` and `resamples` only matter for the bootstrap; the same inputs give the same result on
// every machine. A mean(a) below zero flips the bounds so low <= high always holds.
// REQUIRES: no NaN among values; 0 < confidence < 1; resamples >= 1.
RelativeChange RelativeChangeOfMeans(std::span<const double> a, std::span<const double> b,
                                     double confidence, uint64_t seed, int resamples = 4000);

// Welch's two-sided p-value for H0: equal means; NaN with fewer than two values on a side.
double WelchPValue(std::span<const double> a, std::span<const double> b);

}  // namespace inferbench::stats
