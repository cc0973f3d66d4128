// LoadPlan: how one point of one replicate is driven — closed loop (`concurrency=N`) or open loop
// (`rate=X`), warmup, and when to stop. Built by the bench/runner from flags or the spec; read by
// PointScheduler and by ComputePointSummary (the steady window depends on the mode).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace inferbench::load {

struct LoadPlan {
  // kTrace: each measured request i is sent at trace_offsets_ns[i] after the measured phase
  //   starts (t_sched = that time; late sends count as schedule lag; max_inflight caps as in
  //   rate mode: arrivals wait FIFO for a free slot). `requests` is the number of trace entries
  //   to replay (-1: all of trace_offsets_ns); duration_ns still stops the sends. Warmup is as in
  //   rate mode (its own items, never timed by the trace). Point string "trace".
  // kSessions: `concurrency` conversations in flight; each slot runs one conversation turn by
  //   turn (turn k sent when turn k−1's answer completed plus the turn's delay), then takes the
  //   next conversation. `requests` counts conversations, not turns (-1 with no duration: each
  //   conversation of session_turns once; -1 with a duration: conversations keep starting until
  //   it ends). Conversation c uses session_turns[c mod size] (and the same row of
  //   session_delays_ns); the sender gets ScheduledRequest{session = c, turn = k} and applies the
  //   same modulo to the dataset. A turn that fails ends its conversation (later turns are not
  //   sent and are counted). ramp_up_ns spreads the slots' first conversations as in closed
  //   loop. Warmup: `warmup_requests` single turn-0 requests of conversations (warmup index
  //   space), closed loop at min(concurrency, warmup_requests). Point string "sessions=N" with
  //   N = concurrency.
  enum class Mode { kConcurrency, kRate, kTrace, kSessions };
  enum class Arrival { kPoisson, kGamma, kConstant };

  Mode mode = Mode::kConcurrency;
  int concurrency = 1;    // closed loop: requests kept in flight
  double rate_req_s = 0;  // open loop: offered requests per second
  Arrival arrival = Arrival::kPoisson;
  double gamma_shape = 1;  // kGamma: shape k (k = 1 is Poisson; k < 1 burstier, k > 1 smoother)
  int max_inflight = 0;    // open loop: cap on requests in flight; 0 = unbounded
  int warmup_requests = 0;
  int64_t requests = -1;       // measured requests to issue; -1 = bounded by duration only
  int64_t duration_ns = 0;     // no new sends after this long; 0 = bounded by requests only
  int64_t grace_ns = 0;        // duration mode: time in-flight requests get before cancellation
  int64_t ramp_up_ns = 0;      // closed loop: the initial slot starts are spread over this long
  uint64_t schedule_seed = 0;  // open loop arrival process (DeriveSeed(base, "schedule"))
  std::string point;           // point string, e.g. "concurrency=8", "rate=2.5", "trace"
  // kTrace: send offsets (ns after the measured phase starts), one per measured request,
  // non-decreasing. Shared, not copied, across replicates.
  std::shared_ptr<const std::vector<int64_t>> trace_offsets_ns;
  // kSessions: number of turns of conversation i (the scheduler asks for turns 0..n−1), each
  // >= 1. The caller fills it from the dataset: turns.size() of conversations[i].
  std::shared_ptr<const std::vector<int>> session_turns;
  // kSessions, optional: session_delays_ns[i][k] = the wait after turn k−1's answer completed
  // before turn k of conversation i is sent (ns >= 0; [i][0] is ignored: a conversation's first
  // turn goes out at once). Null: no waits. When set, row i has session_turns[i] entries. The
  // caller fills it from the dataset's ConversationTurn::delay_ns.
  std::shared_ptr<const std::vector<std::vector<int64_t>>> session_delays_ns;
  int replicate = 0;

  bool open_loop() const { return mode == Mode::kRate || mode == Mode::kTrace; }
  // Checks the fields the mode needs (concurrency >= 1, finite rate > 0, gamma shape > 0, a stop
  // condition, non-negative durations, a valid point string; kTrace: offsets present,
  // non-negative, non-decreasing and at least `requests` of them; kSessions: session_turns
  // present with every count >= 1, delays shaped like it); the error names the field.
  Status Validate() const;
};

// An arrival process as written on the command line.
struct ArrivalProcess {
  LoadPlan::Arrival arrival = LoadPlan::Arrival::kPoisson;
  double gamma_shape = 1;  // set for kGamma
};

// "poisson", "gamma:K" (K > 0, e.g. "gamma:0.5") or "constant"; the error names the text and the
// accepted forms.
Result<ArrivalProcess> ParseArrival(std::string_view text);
// The inverse of ParseArrival ("gamma:0.5").
std::string FormatArrival(const ArrivalProcess& process);

// The mode, level and point string of one sweep level: closed loop at `level` requests in flight
// (rounded), or open loop at `level` requests/s with `arrival` and `max_inflight`. The caller sets
// the stop condition, warmup, ramp-up and seed.
LoadPlan LevelPlan(bool open_loop, double level, const ArrivalProcess& arrival, int max_inflight);

}  // namespace inferbench::load
