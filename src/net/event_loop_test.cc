#include "net/event_loop.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace inferbench::net {
namespace {

constexpr int64_t kMs = 1'000'000;

// Runs an EventLoop on its own thread for the lifetime of the object.
class LoopThread {
 public:
  LoopThread() : thread_([this] { loop_.Run(); }) {}
  ~LoopThread() {
    loop_.Stop();
    thread_.join();
  }
  EventLoop& loop() { return loop_; }
  std::thread::id thread_id() const { return thread_.get_id(); }

  // Runs `fn` on the loop thread and waits for it (bounded, so a broken loop fails the test
  // instead of hanging it).
  void RunSync(const std::function<void()>& fn) {
    std::promise<void> done;
    std::future<void> finished = done.get_future();
    loop_.Post([&] {
      fn();
      done.set_value();
    });
    if (finished.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
      ADD_FAILURE() << "event loop did not run a posted task within 10 s";
      std::abort();  // the posted task references this stack frame
    }
  }

 private:
  EventLoop loop_;
  std::thread thread_;
};

// Polls `done` (read on the test thread) for up to 10 s.
bool WaitFor(const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return done();
}

TEST(EventLoopTest, StopBeforeRunMakesRunReturn) {
  EventLoop loop;
  EXPECT_FALSE(loop.stopped());
  loop.Stop();
  loop.Run();  // returns at once
  EXPECT_TRUE(loop.stopped());
}

TEST(EventLoopTest, RunKeepsRunningWhileIdle) {
  LoopThread runner;
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // idle: nothing queued
  EXPECT_FALSE(runner.loop().stopped());
  std::atomic<bool> ran{false};
  runner.loop().Post([&] { ran = true; });
  EXPECT_TRUE(WaitFor([&] { return ran.load(); }));
}

TEST(EventLoopTest, PostFromOtherThreadsRunsEverythingOnTheLoopThread) {
  LoopThread runner;
  constexpr int kThreads = 4;
  constexpr int kPostsPerThread = 1000;
  int counter = 0;  // touched only on the loop thread
  std::atomic<int> wrong_thread{0};
  const std::thread::id loop_thread = runner.thread_id();
  std::vector<std::thread> posters;
  for (int t = 0; t < kThreads; ++t) {
    posters.emplace_back([&] {
      for (int i = 0; i < kPostsPerThread; ++i) {
        runner.loop().Post([&] {
          if (std::this_thread::get_id() != loop_thread) ++wrong_thread;
          ++counter;
        });
      }
    });
  }
  for (std::thread& poster : posters) poster.join();
  int seen = 0;
  runner.RunSync([&] { seen = counter; });
  EXPECT_EQ(seen, kThreads * kPostsPerThread);
  EXPECT_EQ(wrong_thread.load(), 0);
}

TEST(EventLoopTest, NowNsIsMonotonic) {
  const int64_t a = EventLoop::NowNs();
  const int64_t b = EventLoop::NowNs();
  EXPECT_GT(a, 0);
  EXPECT_LE(a, b);
}

TEST(TimerTest, FiresInDeadlineOrder) {
  LoopThread runner;
  std::vector<std::unique_ptr<Timer>> timers;
  std::vector<char> order;  // loop thread only
  std::atomic<int> fired{0};
  runner.RunSync([&] {
    const int64_t now = EventLoop::NowNs();
    const std::vector<std::pair<char, int64_t>> plan = {
        {'a', 3 * kMs}, {'b', 1 * kMs}, {'c', 2 * kMs}};
    for (const auto& [name, delay] : plan) {
      timers.push_back(std::make_unique<Timer>(runner.loop()));
      timers.back()->ExpireAt(now + delay, [&order, &fired, name = name] {
        order.push_back(name);
        ++fired;
      });
      EXPECT_TRUE(timers.back()->pending());
    }
  });
  ASSERT_TRUE(WaitFor([&] { return fired.load() == 3; }));
  runner.RunSync([&] {
    EXPECT_EQ(order, (std::vector<char>{'b', 'c', 'a'}));
    for (const auto& timer : timers) EXPECT_FALSE(timer->pending());
    timers.clear();
  });
}

TEST(TimerTest, PastDeadlineFiresPromptly) {
  LoopThread runner;
  std::unique_ptr<Timer> timer;
  std::atomic<bool> fired{false};
  runner.RunSync([&] {
    timer = std::make_unique<Timer>(runner.loop());
    timer->ExpireAt(0, [&] { fired = true; });
  });
  EXPECT_TRUE(WaitFor([&] { return fired.load(); }));
  runner.RunSync([&] { timer.reset(); });
}

TEST(TimerTest, CancelPreventsCallback) {
  LoopThread runner;
  std::unique_ptr<Timer> cancelled;
  std::unique_ptr<Timer> sentinel;
  std::atomic<bool> cancelled_ran{false};
  std::atomic<bool> sentinel_ran{false};
  runner.RunSync([&] {
    cancelled = std::make_unique<Timer>(runner.loop());
    sentinel = std::make_unique<Timer>(runner.loop());
    cancelled->ExpireAfter(1 * kMs, [&] { cancelled_ran = true; });
    cancelled->Cancel();
    EXPECT_FALSE(cancelled->pending());
    sentinel->ExpireAfter(20 * kMs, [&] { sentinel_ran = true; });
  });
  ASSERT_TRUE(WaitFor([&] { return sentinel_ran.load(); }));
  EXPECT_FALSE(cancelled_ran.load());
  runner.RunSync([&] {
    cancelled.reset();
    sentinel.reset();
  });
}

TEST(TimerTest, RearmReplacesTheCallback) {
  LoopThread runner;
  std::unique_ptr<Timer> timer;
  std::atomic<int> first{0};
  std::atomic<int> second{0};
  runner.RunSync([&] {
    timer = std::make_unique<Timer>(runner.loop());
    timer->ExpireAfter(1 * kMs, [&] { ++first; });
    timer->ExpireAfter(5 * kMs, [&] { ++second; });
  });
  ASSERT_TRUE(WaitFor([&] { return second.load() == 1; }));
  runner.RunSync([&] {
    EXPECT_FALSE(timer->pending());
    timer.reset();
  });
  EXPECT_EQ(first.load(), 0);
  EXPECT_EQ(second.load(), 1);
}

TEST(TimerTest, CallbackCanRearmItsOwnTimer) {
  LoopThread runner;
  std::unique_ptr<Timer> timer;
  std::atomic<int> ticks{0};
  std::function<void()> tick;
  tick = [&] {
    if (++ticks < 3) timer->ExpireAfter(1 * kMs, tick);
  };
  runner.RunSync([&] {
    timer = std::make_unique<Timer>(runner.loop());
    timer->ExpireAfter(1 * kMs, tick);
  });
  ASSERT_TRUE(WaitFor([&] { return ticks.load() == 3; }));
  runner.RunSync([&] {
    EXPECT_FALSE(timer->pending());
    timer.reset();
  });
}

// Two timers with the same past deadline expire in the same reactor pass, so Asio queues both
// completions before either runs. Cancelling the second from the first's callback must still
// stop it (Asio cannot un-queue it; our generation check must).
TEST(TimerTest, CancelAfterCompletionWasQueuedStillPreventsCallback) {
  LoopThread runner;
  std::unique_ptr<Timer> a;
  std::unique_ptr<Timer> b;
  std::unique_ptr<Timer> sentinel;
  std::atomic<int> ran{0};
  std::atomic<bool> done{false};
  runner.RunSync([&] {
    a = std::make_unique<Timer>(runner.loop());
    b = std::make_unique<Timer>(runner.loop());
    sentinel = std::make_unique<Timer>(runner.loop());
    const int64_t past = EventLoop::NowNs() - 1 * kMs;
    a->ExpireAt(past, [&] {
      ++ran;
      b->Cancel();
    });
    b->ExpireAt(past, [&] {
      ++ran;
      a->Cancel();
    });
    sentinel->ExpireAfter(20 * kMs, [&] { done = true; });
  });
  ASSERT_TRUE(WaitFor([&] { return done.load(); }));
  EXPECT_EQ(ran.load(), 1);
  runner.RunSync([&] {
    a.reset();
    b.reset();
    sentinel.reset();
  });
}

// Same, but the other timer is destroyed: its queued completion must not touch freed memory
// (AddressSanitizer builds catch it) nor run the callback.
TEST(TimerTest, DestroyAfterCompletionWasQueuedIsSafe) {
  LoopThread runner;
  std::unique_ptr<Timer> a;
  std::unique_ptr<Timer> b;
  std::unique_ptr<Timer> sentinel;
  std::atomic<int> ran{0};
  std::atomic<bool> done{false};
  runner.RunSync([&] {
    a = std::make_unique<Timer>(runner.loop());
    b = std::make_unique<Timer>(runner.loop());
    sentinel = std::make_unique<Timer>(runner.loop());
    const int64_t past = EventLoop::NowNs() - 1 * kMs;
    a->ExpireAt(past, [&] {
      ++ran;
      b.reset();
    });
    b->ExpireAt(past, [&] {
      ++ran;
      a.reset();
    });
    sentinel->ExpireAfter(20 * kMs, [&] { done = true; });
  });
  ASSERT_TRUE(WaitFor([&] { return done.load(); }));
  EXPECT_EQ(ran.load(), 1);
  runner.RunSync([&] {
    a.reset();
    b.reset();
    sentinel.reset();
  });
}

// Re-arming a timer whose old completion is already queued: the stale completion must not run
// the new callback early (the generation check), and the new one runs once, at its deadline.
TEST(TimerTest, RearmAfterCompletionWasQueuedRunsOnlyTheNewCallback) {
  LoopThread runner;
  std::unique_ptr<Timer> a;
  std::unique_ptr<Timer> b;
  std::atomic<int> old_runs{0};
  std::atomic<int> new_runs{0};
  std::atomic<int64_t> new_deadline{0};
  std::atomic<int64_t> new_ran_at{0};
  auto first = [&](std::unique_ptr<Timer>& other) {
    if (++old_runs > 1) return;
    new_deadline = EventLoop::NowNs() + 30 * kMs;
    other->ExpireAt(new_deadline.load(), [&] {
      new_ran_at = EventLoop::NowNs();
      ++new_runs;
    });
  };
  runner.RunSync([&] {
    a = std::make_unique<Timer>(runner.loop());
    b = std::make_unique<Timer>(runner.loop());
    const int64_t past = EventLoop::NowNs() - 1 * kMs;
    a->ExpireAt(past, [&] { first(b); });
    b->ExpireAt(past, [&] { first(a); });
  });
  ASSERT_TRUE(WaitFor([&] { return new_runs.load() == 1; }));
  runner.RunSync([] {});
  EXPECT_EQ(old_runs.load(), 1);
  EXPECT_EQ(new_runs.load(), 1);
  EXPECT_GE(new_ran_at.load(), new_deadline.load());  // Asio timers never fire early
  runner.RunSync([&] {
    a.reset();
    b.reset();
  });
}

TEST(TimerTest, CallbackMayDestroyItsOwnTimer) {
  LoopThread runner;
  std::unique_ptr<Timer> timer;
  std::atomic<bool> ran{false};
  runner.RunSync([&] {
    timer = std::make_unique<Timer>(runner.loop());
    auto payload = std::make_shared<std::string>("kept alive while the callback runs");
    timer->ExpireAfter(1 * kMs, [&, payload] {
      timer.reset();
      ran = !payload->empty();
    });
  });
  EXPECT_TRUE(WaitFor([&] { return ran.load(); }));
  runner.RunSync([&] { EXPECT_EQ(timer, nullptr); });
}

}  // namespace
}  // namespace inferbench::net
