#include "sim/engine_params.h"

#include <algorithm>

namespace inferbench::sim {

double StepSeconds(const StepTimeParams& p, int batch, int64_t context_tokens,
                   int64_t step_tokens) {
  const double tp = p.tensor_parallel > 0 ? p.tensor_parallel : 1;
  // A ceiling of zero means "not modelled" (e.g. a profile that only sets overheads): its term
  // contributes nothing instead of dividing by zero.
  double memory_s = 0.0;
  const double bandwidth = p.hbm_bw_bytes_s * p.eff_bw;
  if (bandwidth > 0.0) {
    const double bytes =
        p.weight_bytes / tp + p.kv_bytes_per_token * static_cast<double>(context_tokens);
    memory_s = bytes / bandwidth;
  }
  double compute_s = 0.0;
  const double flops_per_s = tp * p.peak_flops * p.mfu;
  if (flops_per_s > 0.0) {
    compute_s = 2.0 * p.params * static_cast<double>(step_tokens) / flops_per_s;
  }
  return p.c0_s + p.c_req_s * batch + std::max(memory_s, compute_s);
}

}  // namespace inferbench::sim
