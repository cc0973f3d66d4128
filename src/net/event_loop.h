// EventLoop: one single-threaded event loop (an Asio io_context run by one thread). Everything
// posted to a loop, every timer callback and every HttpServer handler runs on that loop's
// thread, so code driven by one loop needs no locks. Asio stays inside net/*.cc.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

namespace inferbench::net {

class EventLoop;

// A one-shot timer owned by its creator. Destroying or cancelling it guarantees the callback
// will not run afterwards. Only the loop's thread may use it.
class Timer {
 public:
  explicit Timer(EventLoop& loop);
  ~Timer();
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  // Runs `callback` on the loop at steady time `deadline_ns` (at once if it has passed).
  // Re-arming cancels any pending callback.
  void ExpireAt(int64_t deadline_ns, std::function<void()> callback);
  void ExpireAfter(int64_t delay_ns, std::function<void()> callback);
  void Cancel();
  bool pending() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

class EventLoop {
 public:
  EventLoop();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Thread-safe: queue `fn` to run on the loop thread.
  void Post(std::function<void()> fn);
  // Runs handlers on the calling thread until Stop() is called. Returns when stopped.
  void Run();
  // Thread-safe (also async-signal-unsafe: call from a thread, not a signal handler).
  void Stop();
  bool stopped() const;

  // Steady-clock nanoseconds.
  static int64_t NowNs();

  // For net/ internals only: the asio::io_context behind this loop.
  void* native_handle();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace inferbench::net
