// The prediction interval for one new observation from a history window (DESIGN.md §7
// "Regressions"): assuming the history is a sample of a normal distribution,
//
//   mean ± t(1 − (1 − c)/2, n − 1) · s · √(1 + 1/n)
//
// with s the sample standard deviation. It is wider than the confidence interval of the mean
// (which shrinks as 1/√n) because it covers the scatter of a single new run, not the estimate.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

namespace inferbench::stats {

struct PredictionInterval {
  int64_t n = 0;
  double mean = 0;
  double stddev = 0;  // sample standard deviation of the history (n − 1)
  double confidence = 0;
  double low = 0;
  double high = 0;

  // (value − mean) / stddev; with no spread in the history, 0 for value == mean and ±infinity
  // otherwise.
  double ZScore(double value) const;
  bool Contains(double value) const { return value >= low && value <= high; }
};

// nullopt when the history has fewer than max(min_n, 2) values.
// REQUIRES: no NaN in history; 0 < confidence < 1.
std::optional<PredictionInterval> PredictNext(std::span<const double> history, double confidence,
                                              int64_t min_n = 5);

}  // namespace inferbench::stats
