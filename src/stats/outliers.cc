#include "stats/outliers.h"

#include <algorithm>
#include <cassert>
#include <cmath>

#include "stats/quantile.h"

namespace inferbench::stats {
namespace {

// Iglewicz & Hoaglin's constant: 0.6745 = Φ⁻¹(0.75), so MAD / 0.6745 estimates σ for normal data.
constexpr double kMadScale = 0.6745;
// √(π/2): E|X − μ| · √(π/2) = σ for normal data, the mean absolute deviation's consistency factor.
constexpr double kMeanAdScale = 1.253314;

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return QuantileSorted(values, 0.5);
}

std::vector<OutlierFlag> ByModifiedZScore(std::span<const double> values, double threshold) {
  const double median = Median({values.begin(), values.end()});
  std::vector<double> deviations;
  deviations.reserve(values.size());
  for (double v : values) deviations.push_back(std::fabs(v - median));
  const double mad = Median(deviations);
  // Both forms estimate σ: M = (x − median) / σ̂.
  double sigma = mad / kMadScale;
  if (mad == 0) {
    double sum = 0;
    for (double d : deviations) sum += d;
    sigma = kMeanAdScale * sum / static_cast<double>(values.size());
  }
  std::vector<OutlierFlag> flags;
  if (sigma == 0) return flags;
  for (size_t i = 0; i < values.size(); ++i) {
    const double score = (values[i] - median) / sigma;
    if (std::fabs(score) > threshold) flags.push_back({i, values[i], score});
  }
  return flags;
}

std::vector<OutlierFlag> ByFences(std::span<const double> values, double k) {
  std::vector<double> sorted(values.begin(), values.end());
  std::sort(sorted.begin(), sorted.end());
  const double q1 = QuantileSorted(sorted, 0.25);
  const double q3 = QuantileSorted(sorted, 0.75);
  const double iqr = q3 - q1;
  std::vector<OutlierFlag> flags;
  if (iqr <= 0) return flags;
  const double low = q1 - k * iqr;
  const double high = q3 + k * iqr;
  for (size_t i = 0; i < values.size(); ++i) {
    const double v = values[i];
    if (v < low) flags.push_back({i, v, (low - v) / iqr});
    if (v > high) flags.push_back({i, v, (v - high) / iqr});
  }
  return flags;
}

}  // namespace

std::vector<OutlierFlag> FindOutliers(std::span<const double> values, OutlierMethod method,
                                      double threshold) {
  assert(threshold > 0);
  if (values.size() < 3) return {};
  switch (method) {
    case OutlierMethod::kMad:
      return ByModifiedZScore(values, threshold);
    case OutlierMethod::kIqr:
      return ByFences(values, threshold);
    case OutlierMethod::kNone:
      return {};
  }
  return {};
}

}  // namespace inferbench::stats
