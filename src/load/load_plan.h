// LoadPlan: how one point of one replicate is driven — closed loop (`concurrency=N`) or open loop
// (`rate=X`), warmup, and when to stop. Built by the bench/runner from flags or the spec; read by
// PointScheduler and by ComputePointSummary (the steady window depends on the mode).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace inferbench::load {

struct LoadPlan {
  enum class Mode { kConcurrency, kRate };
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
  std::string point;           // point string, e.g. "concurrency=8", "rate=2.5"
  int replicate = 0;

  bool open_loop() const { return mode == Mode::kRate; }
  // Checks the fields the mode needs (concurrency >= 1, finite rate > 0, gamma shape > 0, a stop
  // condition, non-negative durations, a valid point string); the error names the field.
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
