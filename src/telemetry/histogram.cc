#include "telemetry/histogram.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <utility>

namespace inferbench::telemetry {

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {
  assert(std::adjacent_find(bounds_.begin(), bounds_.end(),
                            [](double a, double b) { return !(a < b); }) == bounds_.end());
  assert(bounds_.empty() || std::isfinite(bounds_.back()));  // +Inf is implicit
}

void Histogram::Observe(double value) {
  // Bucket i counts values in (bounds[i-1], bounds[i]]: Prometheus `le` is inclusive. NaN is
  // below no bound, so it goes to the overflow bucket.
  size_t bucket = bounds_.size();
  if (!std::isnan(value)) {
    bucket = static_cast<size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), value) -
                                 bounds_.begin());
  }
  ++counts_[bucket];
  sum_ += value;
  ++count_;
}

}  // namespace inferbench::telemetry
