// The numbers that drive the simulated engine: scheduler limits, KV cache size and the step-time
// model of DESIGN.md §8. Filled from a profile (sim/profile.h) plus command-line overrides.
#pragma once

#include <cstdint>
#include <string>

namespace inferbench::sim {

struct StepTimeParams {
  double c0_s = 0.0;              // fixed overhead per step
  double c_req_s = 0.0;           // overhead per scheduled request per step
  double weight_bytes = 0.0;      // W_bytes: model weights read once per step
  double kv_bytes_per_token = 0;  // KV bytes one GPU reads per context token per step (the
                                  // model's per-token KV bytes / TP: KV heads are sharded)
  double params = 0.0;            // P: parameter count (2·P FLOPs per token)
  int tensor_parallel = 1;        // TP
  double hbm_bw_bytes_s = 0.0;    // HBM_BW of one GPU
  double peak_flops = 0.0;        // dense bf16 FLOP/s of one GPU
  double eff_bw = 1.0;            // achieved share of HBM bandwidth
  double mfu = 1.0;               // achieved share of peak FLOP/s
};

struct EngineParams {
  StepTimeParams step;
  int max_num_seqs = 256;
  int max_num_batched_tokens = 8192;
  int kv_blocks = 0;              // KV cache capacity in blocks of `block_size` tokens
  int block_size = 16;
  int max_waiting = 1024;         // waiting-queue bound; a full queue answers 429
  int max_model_len = 8192;       // prompt + output limit; longer requests get 400
  bool prefix_caching = true;
  bool zero_time = false;         // the `instant` profile: every step takes no modelled time
  double time_scale = 1.0;        // multiplies every modelled duration
};

// Modelled duration of one engine step in seconds, before time_scale:
//   c0 + c_req·B + max((W/TP + Σ kv_bytes·ctx) / (HBM_BW·eff_bw), 2·P·tokens / (TP·peak·mfu))
// `context_tokens` is Σ ctx_len over the scheduled requests, `step_tokens` counts decode and
// prefill tokens in the step, `batch` the number of scheduled requests (B).
double StepSeconds(const StepTimeParams& p, int batch, int64_t context_tokens, int64_t step_tokens);

}  // namespace inferbench::sim
