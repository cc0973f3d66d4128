#include "load/loop_executor.h"

#include <utility>

#include "net/event_loop.h"

namespace inferbench::load {

LoopExecutor::LoopExecutor(net::EventLoop& loop) : loop_(loop) {}

LoopExecutor::~LoopExecutor() = default;

int64_t LoopExecutor::NowNs() const { return net::EventLoop::NowNs(); }

void LoopExecutor::RunAt(int64_t deadline_ns, std::function<void()> fn) {
  const uint64_t id = next_id_++;
  auto timer = std::make_unique<net::Timer>(loop_);
  net::Timer* raw = timer.get();
  timers_.emplace(id, std::move(timer));
  // The Timer moves the callback out before running it, so erasing the Timer inside is safe.
  raw->ExpireAt(deadline_ns, [this, id, fn = std::move(fn)]() mutable {
    auto keep = std::move(fn);
    timers_.erase(id);
    keep();
  });
}

void LoopExecutor::Post(std::function<void()> fn) {
  std::weak_ptr<char> guard = alive_;
  loop_.Post([guard, fn = std::move(fn)] {
    if (!guard.expired()) fn();
  });
}

}  // namespace inferbench::load
