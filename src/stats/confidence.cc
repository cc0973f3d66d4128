#include "stats/confidence.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <vector>

#include <boost/math/distributions/students_t.hpp>

#include "core/prng.h"
#include "stats/quantile.h"

namespace inferbench::stats {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

Interval Undefined() { return Interval{kNaN, kNaN, "none"}; }

double Mean(std::span<const double> values) {
  double sum = 0;
  for (double v : values) sum += v;
  return sum / static_cast<double>(values.size());
}

}  // namespace

Interval TInterval(std::span<const double> values, double confidence) {
  assert(confidence > 0 && confidence < 1);
  const size_t n = values.size();
  if (n < 2) return Undefined();
  const double mean = Mean(values);
  double squares = 0;
  for (double v : values) squares += (v - mean) * (v - mean);
  const double stddev = std::sqrt(squares / static_cast<double>(n - 1));
  const boost::math::students_t t(static_cast<double>(n - 1));
  const double quantile = boost::math::quantile(t, (1 + confidence) / 2);
  const double half_width = quantile * stddev / std::sqrt(static_cast<double>(n));
  return Interval{mean - half_width, mean + half_width, "t"};
}

Interval BootstrapInterval(std::span<const double> values, double confidence, uint64_t seed,
                           int resamples) {
  assert(confidence > 0 && confidence < 1);
  assert(resamples >= 1);
  const size_t n = values.size();
  if (n < 2) return Undefined();
  Prng prng(seed);
  std::vector<double> means;
  means.reserve(static_cast<size_t>(resamples));
  for (int r = 0; r < resamples; ++r) {
    double sum = 0;
    for (size_t i = 0; i < n; ++i) sum += values[prng.NextBelow(n)];
    means.push_back(sum / static_cast<double>(n));
  }
  std::sort(means.begin(), means.end());
  return Interval{QuantileSorted(means, (1 - confidence) / 2),
                  QuantileSorted(means, (1 + confidence) / 2), "bootstrap"};
}

}  // namespace inferbench::stats
