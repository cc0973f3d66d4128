// Clocks. All measurement times are steady-clock nanoseconds (DESIGN.md §4). Code that waits or
// timestamps takes a Clock& so unit tests can drive it with a VirtualClock.
#pragma once

#include <cstdint>

namespace inferbench {

class Clock {
 public:
  virtual ~Clock() = default;
  // Monotonic nanoseconds (std::chrono::steady_clock for the real clock).
  virtual int64_t NowNs() const = 0;
};

class SteadyClock final : public Clock {
 public:
  int64_t NowNs() const override;
  // The process-wide real clock.
  static SteadyClock& Instance();
};

// Time moves only when the test says so.
class VirtualClock final : public Clock {
 public:
  explicit VirtualClock(int64_t start_ns = 0) : now_ns_(start_ns) {}
  int64_t NowNs() const override { return now_ns_; }
  void AdvanceNs(int64_t delta_ns) { now_ns_ += delta_ns; }
  void SetNs(int64_t now_ns) { now_ns_ = now_ns; }

 private:
  int64_t now_ns_;
};

// One (steady_ns, system_ns) pair taken back to back, so steady timestamps can be joined with
// wall-clock sources (Prometheus scrapes, server traces).
struct ClockAnchor {
  int64_t steady_ns = 0;
  int64_t system_ns = 0;
  static ClockAnchor Now();
};

int64_t SteadyNowNs();

}  // namespace inferbench
