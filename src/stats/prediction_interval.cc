#include "stats/prediction_interval.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

#include <boost/math/distributions/students_t.hpp>

namespace inferbench::stats {

double PredictionInterval::ZScore(double value) const {
  const double deviation = value - mean;
  if (stddev > 0) return deviation / stddev;
  if (deviation == 0) return 0;
  return deviation > 0 ? std::numeric_limits<double>::infinity()
                       : -std::numeric_limits<double>::infinity();
}

std::optional<PredictionInterval> PredictNext(std::span<const double> history, double confidence,
                                              int64_t min_n) {
  assert(confidence > 0 && confidence < 1);
  const int64_t n = static_cast<int64_t>(history.size());
  if (n < std::max<int64_t>(min_n, 2)) return std::nullopt;
  PredictionInterval pi;
  pi.n = n;
  pi.confidence = confidence;
  double sum = 0;
  for (double v : history) sum += v;
  pi.mean = sum / static_cast<double>(n);
  double squares = 0;
  for (double v : history) squares += (v - pi.mean) * (v - pi.mean);
  pi.stddev = std::sqrt(squares / static_cast<double>(n - 1));
  const boost::math::students_t t(static_cast<double>(n - 1));
  const double quantile = boost::math::quantile(t, (1 + confidence) / 2);
  const double half_width = quantile * pi.stddev * std::sqrt(1 + 1.0 / static_cast<double>(n));
  pi.low = pi.mean - half_width;
  pi.high = pi.mean + half_width;
  return pi;
}

}  // namespace inferbench::stats
