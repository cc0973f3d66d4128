#include "stats/descriptive.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

#include "stats/quantile.h"

namespace inferbench::stats {
namespace {

constexpr QuantileLevel kQuantiles[] = {
    {"p50", 0.50}, {"p90", 0.90}, {"p95", 0.95}, {"p99", 0.99}, {"p999", 0.999},
};

}  // namespace

std::span<const QuantileLevel> ReportedQuantiles() { return kQuantiles; }

bool IsLowN(int64_t n, double q) {
  assert(q >= 0.0 && q <= 1.0);
  const int64_t tail_ppm = std::llround((1.0 - q) * 1e6);
  return n * tail_ppm < 5'000'000;
}

Distribution Describe(std::vector<double> values) {
  Distribution d;
  d.n = static_cast<int64_t>(values.size());
  for (const QuantileLevel& level : kQuantiles) {
    if (IsLowN(d.n, level.q)) d.low_n.emplace_back(level.name);
  }
  if (values.empty()) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    d.mean = d.stddev = d.min = d.p50 = d.p90 = d.p95 = d.p99 = d.p999 = d.max = nan;
    return d;
  }
  std::sort(values.begin(), values.end());
  // Two passes: the centred sum of squares avoids the cancellation of Σx² − n·mean².
  double sum = 0;
  for (double v : values) sum += v;
  d.mean = sum / static_cast<double>(values.size());
  if (values.size() > 1) {
    double squares = 0;
    for (double v : values) squares += (v - d.mean) * (v - d.mean);
    d.stddev = std::sqrt(squares / static_cast<double>(values.size() - 1));
  }
  d.min = values.front();
  d.max = values.back();
  d.p50 = QuantileSorted(values, 0.50);
  d.p90 = QuantileSorted(values, 0.90);
  d.p95 = QuantileSorted(values, 0.95);
  d.p99 = QuantileSorted(values, 0.99);
  d.p999 = QuantileSorted(values, 0.999);
  return d;
}

}  // namespace inferbench::stats
