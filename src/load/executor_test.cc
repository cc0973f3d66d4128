#include "load/executor.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace inferbench::load {
namespace {

TEST(VirtualExecutorTest, RunsInDeadlineOrderFifoForTies) {
  VirtualExecutor executor(100);
  std::vector<std::string> order;
  executor.RunAt(300, [&] { order.push_back("c@300"); });
  executor.RunAt(200, [&] { order.push_back("a@200"); });
  executor.RunAt(200, [&] { order.push_back("b@200"); });
  executor.Post([&] { order.push_back("post@100"); });
  EXPECT_EQ(executor.pending(), 4);
  EXPECT_EQ(executor.RunUntilIdle(), 4);
  EXPECT_EQ(order, (std::vector<std::string>{"post@100", "a@200", "b@200", "c@300"}));
  EXPECT_EQ(executor.NowNs(), 300);
}

TEST(VirtualExecutorTest, ClockIsTheDeadlineInsideACallback) {
  VirtualExecutor executor;
  std::vector<int64_t> seen;
  executor.RunAt(50, [&] { seen.push_back(executor.NowNs()); });
  executor.RunAt(70, [&] { seen.push_back(executor.NowNs()); });
  executor.AdvanceTo(60);
  EXPECT_EQ(seen, (std::vector<int64_t>{50}));
  EXPECT_EQ(executor.NowNs(), 60);
  executor.AdvanceTo(100);
  EXPECT_EQ(seen, (std::vector<int64_t>{50, 70}));
  EXPECT_EQ(executor.NowNs(), 100);
}

TEST(VirtualExecutorTest, PastDeadlineRunsNowNotSynchronously) {
  VirtualExecutor executor(1000);
  bool ran = false;
  executor.RunAt(10, [&] { ran = true; });
  EXPECT_FALSE(ran);
  executor.AdvanceTo(1000);
  EXPECT_TRUE(ran);
  EXPECT_EQ(executor.NowNs(), 1000);  // never backwards
}

TEST(VirtualExecutorTest, CallbacksQueuedWhileAdvancingRunIfDue) {
  VirtualExecutor executor;
  std::vector<int64_t> seen;
  executor.RunAt(10, [&] {
    executor.RunAt(15, [&] { seen.push_back(executor.NowNs()); });
    executor.RunAt(25, [&] { seen.push_back(executor.NowNs()); });
    executor.Post([&] { seen.push_back(executor.NowNs()); });
  });
  executor.AdvanceTo(20);
  EXPECT_EQ(seen, (std::vector<int64_t>{10, 15}));
  EXPECT_EQ(executor.pending(), 1);
  EXPECT_EQ(executor.next_deadline_ns(), 25);
}

TEST(VirtualExecutorTest, SpendMakesLaterCallbacksLate) {
  VirtualExecutor executor;
  int64_t woke = -1;
  executor.RunAt(10, [&] { executor.Spend(100); });
  executor.RunAt(20, [&] { woke = executor.NowNs(); });
  executor.RunUntilIdle();
  EXPECT_EQ(woke, 110);
}

TEST(VirtualExecutorTest, RunUntilIdleStopsAtTheGuard) {
  VirtualExecutor executor;
  std::function<void()> rearm = [&] { executor.RunAt(executor.NowNs() + 1, rearm); };
  executor.Post(rearm);
  EXPECT_EQ(executor.RunUntilIdle(1000), 1000);
  EXPECT_EQ(executor.pending(), 1);
}

}  // namespace
}  // namespace inferbench::load
