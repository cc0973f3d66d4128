#include "stats/quantile.h"

#include <cassert>
#include <cmath>
#include <cstddef>

namespace inferbench::stats {

double QuantileSorted(std::span<const double> sorted, double q) {
  assert(!sorted.empty());
  assert(q >= 0.0 && q <= 1.0);
  const double h = static_cast<double>(sorted.size() - 1) * q;
  const double floor_h = std::floor(h);
  const size_t lo = static_cast<size_t>(floor_h);
  if (lo + 1 >= sorted.size()) return sorted.back();
  return sorted[lo] + (h - floor_h) * (sorted[lo + 1] - sorted[lo]);
}

}  // namespace inferbench::stats
