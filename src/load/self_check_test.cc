#include "load/self_check.h"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

namespace inferbench::load {
namespace {

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kS = 1'000'000'000;

TEST(LoopMonitorTest, IdleLoopIsNotSaturated) {
  VirtualExecutor executor;
  LoopMonitor monitor(executor);
  monitor.Start();
  executor.AdvanceTo(2 * kS);
  EXPECT_EQ(monitor.lag_samples(), 200);  // every 10 ms
  const results::ClientSelfCheck check = monitor.SelfCheck();
  EXPECT_DOUBLE_EQ(check.lag_p99_ms, 0);
  EXPECT_DOUBLE_EQ(check.busy_pct, 0);
  EXPECT_FALSE(check.saturated);
}

TEST(LoopMonitorTest, BusyShareIsPerOneSecondWindow) {
  VirtualExecutor executor;
  LoopMonitor monitor(executor);
  monitor.Start();
  monitor.BeginBusy(100 * kMs);
  monitor.EndBusy(550 * kMs);  // window 0: 45 %
  monitor.BeginBusy(900 * kMs);
  monitor.EndBusy(1300 * kMs);  // split: 100 ms in window 0, 300 ms in window 1
  executor.AdvanceTo(2 * kS);
  EXPECT_EQ(monitor.busy_ns_per_window(), (std::vector<int64_t>{550 * kMs, 300 * kMs}));
  const results::ClientSelfCheck check = monitor.SelfCheck();
  EXPECT_DOUBLE_EQ(check.busy_pct, 55);
  EXPECT_FALSE(check.saturated);
}

TEST(LoopMonitorTest, NinetyPercentBusyInAnyWindowSaturates) {
  VirtualExecutor executor;
  LoopMonitor monitor(executor);
  monitor.Start();
  monitor.BeginBusy(1050 * kMs);
  monitor.EndBusy(1950 * kMs);  // window 1: exactly 90 %
  executor.AdvanceTo(3 * kS);
  const results::ClientSelfCheck check = monitor.SelfCheck();
  EXPECT_DOUBLE_EQ(check.busy_pct, 90);
  EXPECT_TRUE(check.saturated);
}

TEST(LoopMonitorTest, NestedBusyScopesCountOnce) {
  VirtualExecutor executor;
  LoopMonitor monitor(executor);
  monitor.Start();
  executor.RunAt(100 * kMs, [&] {
    BusyScope outer(monitor);
    executor.Spend(200 * kMs);
    {
      BusyScope inner(monitor);
      executor.Spend(100 * kMs);
    }
  });
  executor.AdvanceTo(1 * kS);
  EXPECT_EQ(monitor.busy_ns_per_window(), (std::vector<int64_t>{300 * kMs}));
  EXPECT_DOUBLE_EQ(monitor.SelfCheck().busy_pct, 30);
}

TEST(LoopMonitorTest, ShortPointUsesItsPartialWindow) {
  VirtualExecutor executor;
  LoopMonitor monitor(executor);
  monitor.Start();
  monitor.BeginBusy(0);
  monitor.EndBusy(380 * kMs);
  executor.AdvanceTo(400 * kMs);
  monitor.Stop();
  EXPECT_DOUBLE_EQ(monitor.SelfCheck().busy_pct, 95);
  EXPECT_TRUE(monitor.SelfCheck().saturated);
}

TEST(LoopMonitorTest, OneStallIsBelowTheLagP99ManyStallsAreAbove) {
  // A callback that hogs the loop for 50 ms makes the next probe wake 40–50 ms late. Over 3 s
  // there are ~290 lag samples: one late sample is above the p99, six are not.
  const auto run = [](int stalls) {
    VirtualExecutor executor;
    LoopMonitor monitor(executor);
    monitor.Start();
    for (int i = 0; i < stalls; ++i) {
      executor.RunAt((105 + 400 * i) * kMs, [&executor] { executor.Spend(50 * kMs); });
    }
    executor.AdvanceTo(3 * kS);
    return monitor.SelfCheck();
  };
  const results::ClientSelfCheck one = run(1);
  EXPECT_LT(one.lag_p99_ms, 1);
  EXPECT_FALSE(one.saturated);
  const results::ClientSelfCheck six = run(6);
  EXPECT_GE(six.lag_p99_ms, 40);
  EXPECT_LE(six.lag_p99_ms, 50);
  EXPECT_TRUE(six.saturated);
}

TEST(LoopMonitorTest, StopEndsProbingAndRestartClears) {
  VirtualExecutor executor;
  LoopMonitor monitor(executor);
  monitor.Start();
  executor.AdvanceTo(100 * kMs);
  monitor.Stop();
  const int64_t samples = monitor.lag_samples();
  EXPECT_EQ(samples, 10);
  executor.AdvanceTo(1 * kS);
  EXPECT_EQ(monitor.lag_samples(), samples);
  EXPECT_EQ(executor.pending(), 0);
  monitor.BeginBusy(1100 * kMs);  // ignored: not running
  monitor.EndBusy(1200 * kMs);
  EXPECT_TRUE(monitor.busy_ns_per_window().empty());
  monitor.Start();
  executor.AdvanceTo(1050 * kMs);
  EXPECT_EQ(monitor.lag_samples(), 5);
}

TEST(LoopMonitorTest, DestroyedMonitorLeavesAHarmlessProbe) {
  VirtualExecutor executor;
  auto monitor = std::make_unique<LoopMonitor>(executor);
  monitor->Start();
  executor.AdvanceTo(15 * kMs);
  monitor.reset();
  EXPECT_EQ(executor.RunUntilIdle(), 1);  // the stale probe runs and does nothing
}

TEST(CombineSelfChecksTest, TakesTheWorstLoop) {
  const std::vector<results::ClientSelfCheck> checks = {
      {0.2, 50, false}, {1.5, 30, true}, {0.1, 70, false}};
  const results::ClientSelfCheck combined = CombineSelfChecks(checks);
  EXPECT_DOUBLE_EQ(combined.lag_p99_ms, 1.5);
  EXPECT_DOUBLE_EQ(combined.busy_pct, 70);
  EXPECT_TRUE(combined.saturated);
}

}  // namespace
}  // namespace inferbench::load
