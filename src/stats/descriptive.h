// Descriptive statistics of one sample: the fixed set every distribution metric reports
// (DESIGN.md §4): mean, std, min, p50, p90, p95, p99, p999, max, n, and which quantiles rest
// on too few samples to trust.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace inferbench::stats {

// One quantile of the reported set.
struct QuantileLevel {
  std::string_view name;  // "p50", "p90", "p95", "p99", "p999"
  double q;
};
// The reported quantiles, in output order.
std::span<const QuantileLevel> ReportedQuantiles();

// A quantile at level q from n samples is low_n when n · (1 − q) < 5: fewer than five samples
// lie beyond it (p99 needs n >= 500, p999 n >= 5000). Evaluated in exact integer arithmetic on
// q's tail in parts per million, so n = 50 does not flag p90 through rounding.
// REQUIRES: 0 <= q <= 1.
bool IsLowN(int64_t n, double q);

struct Distribution {
  // With n = 0 every statistic is NaN; with n = 1 stddev is 0.
  double mean = 0;
  double stddev = 0;  // sample standard deviation (divides by n − 1); "std" in outputs
  double min = 0;
  double p50 = 0;
  double p90 = 0;
  double p95 = 0;
  double p99 = 0;
  double p999 = 0;
  double max = 0;
  int64_t n = 0;
  std::vector<std::string> low_n;  // names of the low_n quantiles, in output order
};

// Describes values (the copy is sorted; the caller's vector is taken by value so it can be
// moved in). Quantiles are type 7 (stats/quantile.h).
// REQUIRES: no NaN among values.
Distribution Describe(std::vector<double> values);

}  // namespace inferbench::stats
