// Engine: the simulated vLLM-like engine, pure logic on caller-supplied times (no I/O, no
// threads), so unit tests drive it with a virtual clock. One shared step loop with continuous
// batching: each step schedules decodes first, then prefill chunks within
// max_num_batched_tokens, up to max_num_seqs; KV cache in blocks with prefix caching (block-hash
// chain, LRU eviction of unreferenced cached blocks); preemption by recompute of the newest
// running request when blocks run out; a bounded waiting queue.
//
// Driving it (sim/sim_server does this on an event loop):
//   t = now; StepOutcome out = engine.BeginStep(t);   // plans the step and its duration
//   ... at t + out.duration_ns: engine.FinishStep(t + out.duration_ns) -> token events
//   repeat while engine.HasWork().
// Not thread-safe: one thread (the sim's loop) calls everything.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "sim/engine_params.h"
#include "sim/sim_metrics.h"

namespace inferbench::sim {

using SeqId = uint64_t;

struct SeqRequest {
  std::vector<uint32_t> prompt_tokens;  // token ids (block hashes for prefix caching use these)
  int max_tokens = 16;                  // output limit (finish_reason "length")
  int min_tokens = 0;
  bool ignore_eos = false;
  int eos_after = -1;                   // without ignore_eos: the "natural" answer length (stop)
  int64_t arrival_ns = 0;
};

// kTooLong covers every request the engine can never serve (HTTP 400): longer than
// max_model_len, more KV blocks than the whole cache, an empty prompt or max_tokens < 1.
// kQueueFull is HTTP 429.
enum class SubmitError { kNone, kQueueFull, kTooLong };

struct SubmitResult {
  SeqId id = 0;
  SubmitError error = SubmitError::kNone;
  std::string message;  // for errors, vLLM-style wording
};

enum class FinishReason { kNone, kLength, kStop };

// One generated token (or the end of a sequence) produced by a step.
struct TokenEvent {
  SeqId id = 0;
  int index = 0;                // 0-based output token index
  FinishReason finish = FinishReason::kNone;  // set on the sequence's last token
  int cached_prompt_tokens = 0; // on index 0: prompt tokens served from the prefix cache
  int prompt_tokens = 0;        // on index 0
  int64_t first_scheduled_ns = 0;  // on index 0: when the sequence was first scheduled (queue time)
};

struct StepOutcome {
  int64_t duration_ns = 0;      // modelled step time × time_scale (0 for zero_time, and for a
                                // step that scheduled nothing because every candidate was
                                // preempted: the next step admits again)
  int scheduled_seqs = 0;
  int decode_tokens = 0;
  int prefill_tokens = 0;
};

class Engine {
 public:
  Engine(EngineParams params, SimMetrics* metrics);  // metrics may be null
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Admits a request to the waiting queue (or refuses it: full queue, too long for the model).
  SubmitResult Submit(SeqRequest request);
  // Drops a request wherever it is (client went away); frees its blocks. Unknown ids ignored.
  // Callable mid-step: the cancelled sequence yields no event from the step in progress. Does
  // not touch metrics (the caller counts request_success_abort).
  void Cancel(SeqId id);

  bool HasWork() const;  // anything waiting or running
  // Plans the next step at `now_ns`. REQUIRES: HasWork() and no step in progress.
  StepOutcome BeginStep(int64_t now_ns);
  // Completes the planned step at `now_ns`: returns the tokens it produced (prefill completing a
  // prompt produces the first token) and retires finished sequences.
  std::vector<TokenEvent> FinishStep(int64_t now_ns);
  bool step_in_progress() const;

  int num_running() const;
  int num_waiting() const;
  double kv_cache_usage() const;  // used blocks / capacity, 0..1
  int num_used_blocks() const;    // KV blocks referenced by running sequences
  int num_cached_blocks() const;  // blocks registered in the prefix cache (referenced or not)
  const EngineParams& params() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace inferbench::sim
