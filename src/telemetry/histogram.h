// Histogram: fixed upper bounds (Prometheus `le` buckets) with counts, sum and count, as a
// server-side exporter keeps them.
#pragma once

#include <cstdint>
#include <vector>

namespace inferbench::telemetry {

class Histogram {
 public:
  // REQUIRES: bounds strictly increasing.
  explicit Histogram(std::vector<double> bounds);
  void Observe(double value);
  const std::vector<double>& bounds() const { return bounds_; }
  // Per-bucket counts, bounds().size() + 1 entries (the last is the +Inf overflow bucket).
  const std::vector<uint64_t>& bucket_counts() const { return counts_; }
  double sum() const { return sum_; }
  uint64_t count() const { return count_; }

 private:
  std::vector<double> bounds_;
  std::vector<uint64_t> counts_;
  double sum_ = 0.0;
  uint64_t count_ = 0;
};

}  // namespace inferbench::telemetry
