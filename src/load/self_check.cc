#include "load/self_check.h"

#include <algorithm>
#include <cassert>

#include "stats/quantile.h"

namespace inferbench::load {

LoopMonitor::LoopMonitor(Executor& executor, LoopMonitorOptions options)
    : executor_(executor), options_(options) {
  assert(options_.probe_interval_ns > 0 && options_.window_ns > 0);
}

LoopMonitor::~LoopMonitor() = default;

void LoopMonitor::Start() {
  ++generation_;
  running_ = true;
  start_ns_ = executor_.NowNs();
  stop_ns_ = -1;
  busy_depth_ = 0;
  busy_ns_.clear();
  lags_ns_.clear();
  ArmProbe(start_ns_ + options_.probe_interval_ns);
}

void LoopMonitor::Stop() {
  if (!running_) return;
  const int64_t now = executor_.NowNs();
  if (busy_depth_ > 0) AddBusy(busy_since_ns_, now);
  busy_depth_ = 0;
  ++generation_;
  running_ = false;
  stop_ns_ = now;
}

void LoopMonitor::ArmProbe(int64_t deadline_ns) {
  executor_.RunAt(deadline_ns, [this, alive = std::weak_ptr<char>(alive_), deadline_ns,
                                generation = generation_] {
    if (alive.lock()) OnProbe(deadline_ns, generation);
  });
}

void LoopMonitor::OnProbe(int64_t deadline_ns, uint64_t generation) {
  if (!running_ || generation != generation_) return;
  const int64_t now = executor_.NowNs();
  lags_ns_.push_back(std::max<int64_t>(0, now - deadline_ns));
  // From the actual wake-up: a late loop is sampled, not flooded with catch-up probes.
  ArmProbe(now + options_.probe_interval_ns);
}

void LoopMonitor::BeginBusy(int64_t now_ns) {
  if (!running_) return;
  if (busy_depth_++ == 0) busy_since_ns_ = now_ns;
}

void LoopMonitor::EndBusy(int64_t now_ns) {
  if (!running_ || busy_depth_ == 0) return;
  if (--busy_depth_ == 0) AddBusy(busy_since_ns_, now_ns);
}

void LoopMonitor::AddBusy(int64_t from_ns, int64_t to_ns) {
  from_ns = std::max(from_ns, start_ns_);
  while (from_ns < to_ns) {
    const int64_t window = (from_ns - start_ns_) / options_.window_ns;
    const int64_t window_end = start_ns_ + (window + 1) * options_.window_ns;
    const int64_t piece_end = std::min(to_ns, window_end);
    if (static_cast<int64_t>(busy_ns_.size()) <= window) {
      busy_ns_.resize(static_cast<size_t>(window) + 1, 0);
    }
    busy_ns_[static_cast<size_t>(window)] += piece_end - from_ns;
    from_ns = piece_end;
  }
}

results::ClientSelfCheck LoopMonitor::SelfCheck() const {
  results::ClientSelfCheck check;
  const int64_t end = running_ ? executor_.NowNs() : stop_ns_;
  const int64_t elapsed = std::max<int64_t>(0, end - start_ns_);
  const int64_t complete = elapsed / options_.window_ns;
  const int64_t partial_ns = elapsed % options_.window_ns;
  const auto busy_in = [&](int64_t window) {
    return window < static_cast<int64_t>(busy_ns_.size()) ? busy_ns_[static_cast<size_t>(window)]
                                                          : int64_t{0};
  };
  double busiest = 0;
  for (int64_t w = 0; w < complete; ++w) {
    busiest = std::max(busiest,
                       static_cast<double>(busy_in(w)) / static_cast<double>(options_.window_ns));
  }
  if (partial_ns > 0 && (complete == 0 || 2 * partial_ns >= options_.window_ns)) {
    busiest =
        std::max(busiest, static_cast<double>(busy_in(complete)) / static_cast<double>(partial_ns));
  }
  check.busy_pct = std::min(100.0, busiest * 100.0);
  if (!lags_ns_.empty()) {
    std::vector<double> lags(lags_ns_.begin(), lags_ns_.end());
    std::sort(lags.begin(), lags.end());
    check.lag_p99_ms = stats::QuantileSorted(lags, 0.99) / 1e6;
  }
  check.saturated =
      check.busy_pct >= options_.busy_limit_pct || check.lag_p99_ms > options_.lag_p99_limit_ms;
  return check;
}

results::ClientSelfCheck CombineSelfChecks(std::span<const results::ClientSelfCheck> checks) {
  results::ClientSelfCheck combined;
  for (const results::ClientSelfCheck& c : checks) {
    combined.lag_p99_ms = std::max(combined.lag_p99_ms, c.lag_p99_ms);
    combined.busy_pct = std::max(combined.busy_pct, c.busy_pct);
    combined.saturated = combined.saturated || c.saturated;
  }
  return combined;
}

}  // namespace inferbench::load
