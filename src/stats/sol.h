// Speed of light (DESIGN.md §8 "%SoL ceiling"): the decode throughput a deployment could reach if
// every step took only the time to read the weights and the batch's KV cache at full HBM
// bandwidth, or to do the batch's matrix work at peak FLOP/s, whichever is longer. sol_pct says
// how close the measured steady throughput came to it. Pure formulas; the inputs come from the
// ceilings table (catalog/) and the measured point.
#pragma once

namespace inferbench::stats {

struct SolInputs {
  double running_batch = 0;        // B: mean requests running on the whole deployment
  double mean_context_tokens = 0;  // L: mean ISL + OSL / 2, the mean context of a decode step
  double weight_bytes = 0;         // W: all weights, before tensor-parallel sharding
  double kv_bytes_per_token = 0;   // whole model (all layers, K and V)
  double params = 0;               // P: 2·P FLOPs per generated token
  int tensor_parallel = 1;         // TP: GPUs per model replica (group)
  double hbm_bw_bytes_s = 0;       // one GPU's memory bandwidth
  double peak_flops = 0;           // one GPU's dense peak
  int gpu_count = 1;               // GPUs of the deployment; groups = max(1, gpu_count / TP)
};

// Valid when B, W, kv_bytes_per_token, P, HBM_BW and peak_flops are finite and > 0, L is finite
// and >= 0, TP >= 1 and gpu_count >= 1 (fewer GPUs than TP count as one group). The functions
// below return NaN for inputs that are not valid.
bool SolInputsValid(const SolInputs& in);

// The floor of one decode step of one group, which runs b = B / groups requests:
//   max((W + b·kv_bytes_per_token·L) / (TP·HBM_BW), 2·P·b / (TP·peak_flops))   seconds.
double FloorStepSeconds(const SolInputs& in);

// The ceiling per GPU: groups · b / floor_step (the deployment's decode ceiling) / gpu_count.
// With one group of TP GPUs this is B / floor_step / TP.
double CeilingTokSPerGpu(const SolInputs& in);

// 100 · (steady_output_tok_s / gpu_count) / CeilingTokSPerGpu: steady_output_tok_s is the whole
// deployment's steady output throughput (steady_output_throughput_tok_s). NaN when the inputs are
// not valid or the throughput is not finite.
double SolPct(double steady_output_tok_s, const SolInputs& in);

}  // namespace inferbench::stats
