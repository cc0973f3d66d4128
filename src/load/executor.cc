#include "load/executor.h"

#include <algorithm>

namespace inferbench::load {

void VirtualExecutor::RunAt(int64_t deadline_ns, std::function<void()> fn) {
  // A past deadline is due now: clamping keeps the clock monotonic and orders it FIFO with
  // everything else due now.
  queue_.emplace(std::make_pair(std::max(deadline_ns, now_ns_), next_sequence_++), std::move(fn));
}

void VirtualExecutor::RunOne() {
  auto it = queue_.begin();
  now_ns_ = std::max(now_ns_, it->first.first);
  std::function<void()> fn = std::move(it->second);
  queue_.erase(it);
  fn();
}

int64_t VirtualExecutor::AdvanceTo(int64_t target_ns) {
  int64_t ran = 0;
  while (!queue_.empty() && queue_.begin()->first.first <= target_ns) {
    RunOne();
    ++ran;
  }
  now_ns_ = std::max(now_ns_, target_ns);
  return ran;
}

int64_t VirtualExecutor::RunUntilIdle(int64_t max_callbacks) {
  int64_t ran = 0;
  while (!queue_.empty() && ran < max_callbacks) {
    RunOne();
    ++ran;
  }
  return ran;
}

}  // namespace inferbench::load
