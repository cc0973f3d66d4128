#include "net/event_loop.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <utility>

namespace inferbench::net {

namespace asio = boost::asio;

struct EventLoop::Impl {
  // Concurrency hint 1: one thread runs the context (lets Asio skip some cross-thread work);
  // posting from other threads stays safe.
  asio::io_context io{1};
  // Keeps Run() running while there is nothing to do, until Stop().
  asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
};

EventLoop::EventLoop() : impl_(std::make_unique<Impl>()) {}
EventLoop::~EventLoop() = default;

void EventLoop::Post(std::function<void()> fn) { asio::post(impl_->io, std::move(fn)); }

void EventLoop::Run() { impl_->io.run(); }

void EventLoop::Stop() { impl_->io.stop(); }

bool EventLoop::stopped() const { return impl_->io.stopped(); }

int64_t EventLoop::NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void* EventLoop::native_handle() { return &impl_->io; }

// The timer state is shared with the completion handlers Asio holds, so that a handler which
// runs after the Timer is gone (or after it was cancelled or re-armed, when Asio had already
// queued the completion) finds out and does nothing. `generation` tells stale completions apart.
struct Timer::Impl {
  struct State {
    explicit State(asio::io_context& io) : timer(io) {}
    asio::steady_timer timer;
    uint64_t generation = 0;
    bool armed = false;
    std::function<void()> callback;
  };

  explicit Impl(EventLoop& loop)
      : state(std::make_shared<State>(*static_cast<asio::io_context*>(loop.native_handle()))) {}

  std::shared_ptr<State> state;
};

Timer::Timer(EventLoop& loop) : impl_(std::make_unique<Impl>(loop)) {}

Timer::~Timer() { Cancel(); }

void Timer::ExpireAt(int64_t deadline_ns, std::function<void()> callback) {
  Impl::State& s = *impl_->state;
  const uint64_t generation = ++s.generation;
  s.armed = true;
  s.callback = std::move(callback);
  // expires_at cancels a wait still pending; a completion already queued is caught by the
  // generation check below.
  s.timer.expires_at(std::chrono::steady_clock::time_point(std::chrono::nanoseconds(deadline_ns)));
  s.timer.async_wait([weak = std::weak_ptr<Impl::State>(impl_->state),
                      generation](const boost::system::error_code&) {
    std::shared_ptr<Impl::State> state = weak.lock();
    if (!state || state->generation != generation || !state->armed) return;
    state->armed = false;
    std::function<void()> cb = std::move(state->callback);
    state->callback = nullptr;
    cb();  // may re-arm or destroy the Timer; `state` keeps the shared part alive meanwhile
  });
}

void Timer::ExpireAfter(int64_t delay_ns, std::function<void()> callback) {
  ExpireAt(EventLoop::NowNs() + delay_ns, std::move(callback));
}

void Timer::Cancel() {
  Impl::State& s = *impl_->state;
  if (!s.armed) return;
  ++s.generation;
  s.armed = false;
  s.callback = nullptr;
  s.timer.cancel();
}

bool Timer::pending() const { return impl_->state->armed; }

}  // namespace inferbench::net
