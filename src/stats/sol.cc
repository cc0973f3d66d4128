#include "stats/sol.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace inferbench::stats {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

int Groups(const SolInputs& in) { return std::max(1, in.gpu_count / in.tensor_parallel); }

}  // namespace

bool SolInputsValid(const SolInputs& in) {
  const auto positive = [](double v) { return std::isfinite(v) && v > 0; };
  return positive(in.running_batch) && std::isfinite(in.mean_context_tokens) &&
         in.mean_context_tokens >= 0 && positive(in.weight_bytes) &&
         positive(in.kv_bytes_per_token) && positive(in.params) && in.tensor_parallel >= 1 &&
         positive(in.hbm_bw_bytes_s) && positive(in.peak_flops) && in.gpu_count >= 1;
}

double FloorStepSeconds(const SolInputs& in) {
  if (!SolInputsValid(in)) return kNaN;
  const double b = in.running_batch / Groups(in);
  const double tp = in.tensor_parallel;
  const double memory_s = (in.weight_bytes + b * in.kv_bytes_per_token * in.mean_context_tokens) /
                          (tp * in.hbm_bw_bytes_s);
  const double compute_s = 2 * in.params * b / (tp * in.peak_flops);
  return std::max(memory_s, compute_s);
}

double CeilingTokSPerGpu(const SolInputs& in) {
  if (!SolInputsValid(in)) return kNaN;
  const int groups = Groups(in);
  const double b = in.running_batch / groups;
  return groups * b / FloorStepSeconds(in) / in.gpu_count;
}

double SolPct(double steady_output_tok_s, const SolInputs& in) {
  if (!SolInputsValid(in) || !std::isfinite(steady_output_tok_s)) return kNaN;
  return 100 * (steady_output_tok_s / in.gpu_count) / CeilingTokSPerGpu(in);
}

}  // namespace inferbench::stats
