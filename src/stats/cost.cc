#include "stats/cost.h"

#include <cmath>
#include <limits>

namespace inferbench::stats {

double CostPerMtokUsd(double gpu_hour_usd, int gpu_count, double tok_s) {
  if (!std::isfinite(tok_s) || tok_s <= 0) return std::numeric_limits<double>::quiet_NaN();
  return gpu_hour_usd * gpu_count / (tok_s * 3600) * 1e6;
}

}  // namespace inferbench::stats
