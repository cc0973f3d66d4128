#include "stats/holm.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <numeric>

namespace inferbench::stats {

std::vector<HolmDecision> Holm(std::span<const double> p_values, double alpha) {
  assert(alpha > 0 && alpha < 1);
  const size_t m = p_values.size();
  std::vector<size_t> order(m);
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) {
    const bool nan_x = std::isnan(p_values[x]);
    const bool nan_y = std::isnan(p_values[y]);
    if (nan_x || nan_y) return !nan_x && nan_y;
    return p_values[x] < p_values[y];
  });

  std::vector<HolmDecision> decisions(m);
  bool still_rejecting = true;
  double running_max = 0;
  for (size_t rank = 0; rank < m; ++rank) {
    const size_t i = order[rank];
    const double p = p_values[i];
    const double remaining = static_cast<double>(m - rank);
    HolmDecision& d = decisions[i];
    d.rank = static_cast<int>(rank);
    d.level = alpha / remaining;
    if (std::isnan(p)) {
      d.adjusted_p = std::numeric_limits<double>::quiet_NaN();
      still_rejecting = false;
      continue;
    }
    running_max = std::max(running_max, std::min(1.0, remaining * p));
    d.adjusted_p = running_max;
    still_rejecting = still_rejecting && p <= d.level;
    d.rejected = still_rejecting;
  }
  return decisions;
}

}  // namespace inferbench::stats
