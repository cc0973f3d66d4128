// Cost per million output tokens (DESIGN.md §4 cost_per_mtok_usd):
//   gpu_hour_usd × gpu_count / (tok_s × 3600) × 1e6.
#pragma once

namespace inferbench::stats {

// NaN when tok_s <= 0 (or not finite): nothing was produced, so there is no price per token.
double CostPerMtokUsd(double gpu_hour_usd, int gpu_count, double tok_s);

}  // namespace inferbench::stats
