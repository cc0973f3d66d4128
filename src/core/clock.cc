#include "core/clock.h"

#include <chrono>

namespace inferbench {

int64_t SteadyNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int64_t SteadyClock::NowNs() const { return SteadyNowNs(); }

SteadyClock& SteadyClock::Instance() {
  static SteadyClock clock;
  return clock;
}

ClockAnchor ClockAnchor::Now() {
  // Take steady on both sides of the system reading and use the midpoint: the anchor's error is
  // then at most half the (sub-microsecond) gap.
  ClockAnchor a;
  int64_t s0 = SteadyNowNs();
  a.system_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  int64_t s1 = SteadyNowNs();
  a.steady_ns = s0 + (s1 - s0) / 2;
  return a;
}

}  // namespace inferbench
