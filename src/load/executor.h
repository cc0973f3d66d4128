// Executor: the event loop as the schedulers see it — a clock, one-shot timers and a run queue.
// PointScheduler and LoopMonitor are written against this interface only, so unit tests drive
// them on a VirtualExecutor (time moves when the test says so) and the bench runs them on a
// net/ event loop through a small adapter (net/ itself stays out of load/).
//
// Threading: an Executor belongs to one thread. Every callback runs on that thread, and code
// driven by one executor calls it only from that thread (Post on a real loop may be thread-safe;
// callers must not rely on it through this interface).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <utility>

namespace inferbench::load {

class Executor {
 public:
  virtual ~Executor() = default;

  // Steady-clock nanoseconds (the clock of every RequestRecord timestamp).
  virtual int64_t NowNs() const = 0;
  // Runs fn once, on the executor's thread, at deadline_ns or as soon as possible after it; a
  // deadline in the past means "soon" — never synchronously inside this call. There is no
  // cancellation: a callback that may outlive its owner must check a liveness token itself.
  virtual void RunAt(int64_t deadline_ns, std::function<void()> fn) = 0;
  // Runs fn soon, after the current callback returns.
  virtual void Post(std::function<void()> fn) = 0;
};

// A deterministic executor for tests. Callbacks run in deadline order, first-queued first among
// equal deadlines; before each callback the clock is set to its deadline (never backwards), so a
// callback sees NowNs() == its deadline unless an earlier callback Spent time past it.
class VirtualExecutor final : public Executor {
 public:
  explicit VirtualExecutor(int64_t start_ns = 0) : now_ns_(start_ns) {}

  int64_t NowNs() const override { return now_ns_; }
  void RunAt(int64_t deadline_ns, std::function<void()> fn) override;
  void Post(std::function<void()> fn) override { RunAt(now_ns_, std::move(fn)); }

  // Runs every callback due at or before target_ns (including ones queued meanwhile), then
  // leaves the clock at target_ns (or later, if a callback Spent past it). Returns how many ran.
  int64_t AdvanceTo(int64_t target_ns);
  int64_t AdvanceBy(int64_t delta_ns) { return AdvanceTo(now_ns_ + delta_ns); }
  // Runs callbacks, jumping the clock to each deadline, until none is queued or max_callbacks
  // have run (a guard against a callback that re-arms itself forever). Returns how many ran.
  int64_t RunUntilIdle(int64_t max_callbacks = 100'000'000);
  // From inside a callback: the callback took delta_ns of CPU time. Moves the clock forward
  // without running anything, so callbacks due meanwhile run late (timer lag in tests).
  void Spend(int64_t delta_ns) { now_ns_ += delta_ns; }

  int64_t pending() const { return static_cast<int64_t>(queue_.size()); }
  // The deadline of the next queued callback; REQUIRES: pending() > 0.
  int64_t next_deadline_ns() const { return queue_.begin()->first.first; }

 private:
  // Runs the earliest queued callback.
  void RunOne();

  int64_t now_ns_;
  uint64_t next_sequence_ = 0;
  // Keyed by (deadline, sequence): deadline order, FIFO among ties, deterministic.
  std::map<std::pair<int64_t, uint64_t>, std::function<void()>> queue_;
};

}  // namespace inferbench::load
