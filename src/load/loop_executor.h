// LoopExecutor: the load schedulers' Executor (load/executor.h) on a real net::EventLoop — steady
// time, one-shot timers and posts on the loop's thread. Loop thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <unordered_map>

#include "load/executor.h"

namespace inferbench::net {
class EventLoop;
class Timer;
}  // namespace inferbench::net

namespace inferbench::load {

class LoopExecutor final : public Executor {
 public:
  // REQUIRES: `loop` outlives the executor.
  explicit LoopExecutor(net::EventLoop& loop);
  // Pending callbacks are dropped (never run).
  ~LoopExecutor() override;
  LoopExecutor(const LoopExecutor&) = delete;
  LoopExecutor& operator=(const LoopExecutor&) = delete;

  int64_t NowNs() const override;
  void RunAt(int64_t deadline_ns, std::function<void()> fn) override;
  void Post(std::function<void()> fn) override;

  net::EventLoop& loop() { return loop_; }

 private:
  net::EventLoop& loop_;
  uint64_t next_id_ = 0;
  std::unordered_map<uint64_t, std::unique_ptr<net::Timer>> timers_;
  std::shared_ptr<char> alive_ = std::make_shared<char>();
};

}  // namespace inferbench::load
