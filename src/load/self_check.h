// LoopMonitor: the client watching itself (DESIGN.md §2.8). One monitor per event loop measures
//   - busy share: the time the loop spent inside reported busy intervals, per 1 s window
//     aligned to Start(); busy_pct is the busiest window's share;
//   - timer lag: a probe timer re-armed every probe_interval_ns through the Executor; each
//     wake-up's delay past its deadline is one lag sample; lag_p99_ms is their type-7 p99.
// The loop is saturated when any window is >= 90 % busy or the lag p99 exceeds 1 ms; a saturated
// point is a DRAFT.
//
// Wiring it into an event loop (all on the loop's thread):
//   LoopMonitor monitor(executor);        // the loop's Executor adapter
//   monitor.Start();                      // when the point starts
//   { BusyScope busy(monitor); … }        // around each handler that does client work (socket
//                                         // reads and parsing, writes, record output)
//   summary.client = monitor.SelfCheck(); // when the point ends; then monitor.Stop()
// Several loops: CombineSelfChecks over their monitors.
//
// Lifetime: the monitor may be destroyed at any time; a probe left in the executor then does
// nothing.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "load/executor.h"
#include "results/summary.h"

namespace inferbench::load {

struct LoopMonitorOptions {
  int64_t probe_interval_ns = 10'000'000;  // 100 lag samples per second
  int64_t window_ns = 1'000'000'000;
  double busy_limit_pct = 90;
  double lag_p99_limit_ms = 1;
};

class LoopMonitor {
 public:
  explicit LoopMonitor(Executor& executor, LoopMonitorOptions options = {});
  ~LoopMonitor();
  LoopMonitor(const LoopMonitor&) = delete;
  LoopMonitor& operator=(const LoopMonitor&) = delete;

  // Opens the first window at the executor's now and arms the probe. Restarting clears the
  // previous measurements.
  void Start();
  // Stops probing; the measurements stay readable. Windows end at the time of Stop.
  void Stop();

  // A busy interval, with the times the caller took (steady ns). Nested Begin/End pairs count
  // once (the outermost pair). Intervals outside Start … Stop are ignored.
  void BeginBusy(int64_t now_ns);
  void EndBusy(int64_t now_ns);

  // The self-check so far: busiest window (complete windows, plus the current one once it is at
  // least half a window long, or alone when no window has completed), lag p99, saturated.
  results::ClientSelfCheck SelfCheck() const;

  Executor& executor() { return executor_; }
  int64_t lag_samples() const { return static_cast<int64_t>(lags_ns_.size()); }
  // Busy nanoseconds per window since Start (index 0 = the first second).
  const std::vector<int64_t>& busy_ns_per_window() const { return busy_ns_; }

 private:
  void ArmProbe(int64_t deadline_ns);
  void OnProbe(int64_t deadline_ns, uint64_t generation);
  void AddBusy(int64_t from_ns, int64_t to_ns);

  Executor& executor_;
  LoopMonitorOptions options_;
  std::shared_ptr<char> alive_ = std::make_shared<char>();

  bool running_ = false;
  uint64_t generation_ = 0;  // a probe armed before the last Start/Stop is stale
  int64_t start_ns_ = 0;
  int64_t stop_ns_ = -1;  // -1 while running
  int busy_depth_ = 0;
  int64_t busy_since_ns_ = 0;
  std::vector<int64_t> busy_ns_;
  std::vector<int64_t> lags_ns_;
};

// Measures the enclosing scope as busy time of the monitor's loop, on the executor's clock.
class BusyScope {
 public:
  explicit BusyScope(LoopMonitor& monitor) : monitor_(monitor) {
    monitor_.BeginBusy(monitor_.executor().NowNs());
  }
  ~BusyScope() { monitor_.EndBusy(monitor_.executor().NowNs()); }
  BusyScope(const BusyScope&) = delete;
  BusyScope& operator=(const BusyScope&) = delete;

 private:
  LoopMonitor& monitor_;
};

// Several event loops: the worst busy share, the worst lag p99, saturated if any loop is.
results::ClientSelfCheck CombineSelfChecks(std::span<const results::ClientSelfCheck> checks);

}  // namespace inferbench::load
