#include "load/point_scheduler.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <memory>
#include <vector>

#include "load/arrival_schedule.h"
#include "load/fake_request_sender.h"

namespace inferbench::load {
namespace {

using results::ErrorClass;
using results::RequestRecord;

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kS = 1'000'000'000;

FakeOutcome After(int64_t latency_ns) {
  FakeOutcome outcome;
  outcome.latency_ns = latency_ns;
  return outcome;
}

LoadPlan Closed(int concurrency, int64_t requests) {
  LoadPlan plan;
  plan.mode = LoadPlan::Mode::kConcurrency;
  plan.concurrency = concurrency;
  plan.requests = requests;
  plan.point = "concurrency=" + std::to_string(concurrency);
  plan.replicate = 1;
  return plan;
}

LoadPlan Open(double rate, LoadPlan::Arrival arrival, int64_t requests) {
  LoadPlan plan;
  plan.mode = LoadPlan::Mode::kRate;
  plan.rate_req_s = rate;
  plan.arrival = arrival;
  plan.requests = requests;
  plan.schedule_seed = 99;
  plan.point = "rate=" + std::to_string(static_cast<int>(rate));
  return plan;
}

// Runs one point to completion on a virtual clock and keeps what it produced.
struct Harness {
  Harness(LoadPlan plan, FakeRequestSender::Script script)
      : executor(1000 * kS), sender(executor, std::move(script)) {
    scheduler = std::make_unique<PointScheduler>(
        executor, sender, std::move(plan),
        [this](RequestRecord&& record) { records.push_back(std::move(record)); });
  }
  void Start() {
    start_ns = executor.NowNs();
    scheduler->Start([this] { ++done_calls; });
  }
  void Run() {
    Start();
    executor.RunUntilIdle();
  }
  std::vector<RequestRecord> Measured() const {
    std::vector<RequestRecord> out;
    for (const RequestRecord& r : records) {
      if (!r.warmup) out.push_back(r);
    }
    return out;
  }

  VirtualExecutor executor;
  FakeRequestSender sender;
  std::unique_ptr<PointScheduler> scheduler;
  std::vector<RequestRecord> records;
  int done_calls = 0;
  int64_t start_ns = 0;
};

TEST(ClosedLoopTest, KeepsExactlyConcurrencyInFlight) {
  Harness h(Closed(4, 40), [](const ScheduledRequest& r) {
    return After((10 + 5 * static_cast<int64_t>(r.index % 3)) * kMs);
  });
  h.Run();
  EXPECT_EQ(h.done_calls, 1);
  ASSERT_EQ(h.sender.sent.size(), 40u);
  EXPECT_EQ(h.sender.max_in_flight, 4);
  // The first four fill the slots; every later send replaces a completion at once.
  for (size_t i = 0; i < h.sender.sent.size(); ++i) {
    EXPECT_EQ(h.sender.sent[i].in_flight_after, i < 4 ? static_cast<int64_t>(i + 1) : 4) << i;
    EXPECT_EQ(h.sender.sent[i].request.index, i);
    EXPECT_FALSE(h.sender.sent[i].request.warmup);
  }
  ASSERT_EQ(h.records.size(), 40u);
  for (const RequestRecord& r : h.records) {
    EXPECT_EQ(r.t_sched_ns, r.t_send_ns);  // closed loop: intended == actual
    EXPECT_EQ(r.point, "concurrency=4");
    EXPECT_EQ(r.replicate, 1);
    EXPECT_FALSE(r.warmup);
  }
  EXPECT_EQ(h.scheduler->measured_issued(), 40);
  EXPECT_TRUE(h.scheduler->finished());
  EXPECT_EQ(h.sender.in_flight(), 0);
}

TEST(ClosedLoopTest, ReplacementIsSentAtTheCompletionTime) {
  Harness h(Closed(1, 3), [](const ScheduledRequest&) { return After(70 * kMs); });
  h.Run();
  ASSERT_EQ(h.sender.sent.size(), 3u);
  EXPECT_EQ(h.sender.sent[0].t_send_ns, h.start_ns);
  EXPECT_EQ(h.sender.sent[1].t_send_ns, h.start_ns + 70 * kMs);
  EXPECT_EQ(h.sender.sent[2].t_send_ns, h.start_ns + 140 * kMs);
}

TEST(ClosedLoopTest, RampUpStaggersTheSlotStarts) {
  LoadPlan plan = Closed(4, 8);
  plan.ramp_up_ns = 1 * kS;
  Harness h(plan, [](const ScheduledRequest&) { return After(10 * kS); });
  h.Run();
  ASSERT_EQ(h.sender.sent.size(), 8u);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(h.sender.sent[i].t_send_ns, h.start_ns + i * 250 * kMs) << i;
  }
  // Each slot then runs back to back from its own start.
  for (int i = 4; i < 8; ++i) {
    EXPECT_EQ(h.sender.sent[i].t_send_ns, h.start_ns + 10 * kS + (i - 4) * 250 * kMs) << i;
  }
}

TEST(ClosedLoopTest, FewerRequestsThanSlotsSendsOnlyThose) {
  Harness h(Closed(8, 3), [](const ScheduledRequest&) { return After(5 * kMs); });
  h.Run();
  EXPECT_EQ(h.sender.sent.size(), 3u);
  EXPECT_EQ(h.done_calls, 1);
}

TEST(ClosedLoopTest, ZeroRequestsFinishesAtOnce) {
  Harness h(Closed(2, 0), [](const ScheduledRequest&) { return After(5 * kMs); });
  h.Run();
  EXPECT_TRUE(h.sender.sent.empty());
  EXPECT_EQ(h.done_calls, 1);
}

TEST(WarmupTest, RunsFirstDrainsAndIsMarked) {
  LoadPlan plan = Closed(2, 4);
  plan.warmup_requests = 3;
  Harness h(plan, [](const ScheduledRequest& r) { return After(r.warmup ? 100 * kMs : 10 * kMs); });
  h.Run();
  ASSERT_EQ(h.records.size(), 7u);
  int64_t last_warmup_done = 0;
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(h.records[i].warmup) << i;
    last_warmup_done = std::max(last_warmup_done, h.records[i].t_done_ns);
  }
  // Warmup at the point's concurrency: two at once, then the third.
  EXPECT_EQ(h.sender.sent[0].request.index, 0u);
  EXPECT_EQ(h.sender.sent[1].t_send_ns, h.start_ns);
  EXPECT_EQ(h.sender.sent[2].t_send_ns, h.start_ns + 100 * kMs);
  // The measured phase starts after the warmup drained; its indices start at 0.
  for (size_t i = 3; i < 7; ++i) {
    EXPECT_FALSE(h.records[i].warmup) << i;
    EXPECT_GE(h.records[i].t_send_ns, last_warmup_done) << i;
    EXPECT_FALSE(h.sender.sent[i].request.warmup);
    EXPECT_EQ(h.sender.sent[i].request.index, i - 3);
  }
  EXPECT_EQ(*h.scheduler->measured_start_ns(), h.start_ns + 200 * kMs);
  EXPECT_EQ(h.scheduler->warmup_issued(), 3);
  EXPECT_EQ(h.scheduler->measured_issued(), 4);
}

TEST(WarmupTest, RateModeWarmsUpAtMostFourAtOnce) {
  LoadPlan plan = Open(1000, LoadPlan::Arrival::kConstant, 2);
  plan.warmup_requests = 10;
  Harness h(plan, [](const ScheduledRequest&) { return After(50 * kMs); });
  h.Run();
  int64_t warmup_max = 0;
  for (const auto& s : h.sender.sent) {
    if (s.request.warmup) warmup_max = std::max(warmup_max, s.in_flight_after);
  }
  EXPECT_EQ(warmup_max, 4);
  EXPECT_EQ(h.records.size(), 12u);
  for (const RequestRecord& r : h.records) {
    if (r.warmup) {
      EXPECT_EQ(r.t_sched_ns, r.t_send_ns);
    }
  }
}

TEST(OpenLoopTest, ConstantArrivalsAreExact) {
  Harness h(Open(10, LoadPlan::Arrival::kConstant, 5),
            [](const ScheduledRequest&) { return After(50 * kMs); });
  h.Run();
  ASSERT_EQ(h.records.size(), 5u);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(h.sender.sent[i].request.t_sched_ns, h.start_ns + i * 100 * kMs) << i;
    EXPECT_EQ(h.records[i].t_sched_ns, h.start_ns + i * 100 * kMs) << i;
    EXPECT_EQ(h.records[i].t_send_ns, h.records[i].t_sched_ns) << i;
  }
}

TEST(OpenLoopTest, ArrivalsDoNotWaitForCompletions) {
  // Latency far above the gap: an open loop keeps sending on schedule (unbounded in-flight).
  Harness h(Open(100, LoadPlan::Arrival::kConstant, 50),
            [](const ScheduledRequest&) { return After(2 * kS); });
  h.Run();
  EXPECT_EQ(h.sender.max_in_flight, 50);
  for (const RequestRecord& r : h.records) EXPECT_EQ(r.t_send_ns, r.t_sched_ns);
}

TEST(OpenLoopTest, PoissonScheduleIsTheSeededArrivalSchedule) {
  const LoadPlan plan = Open(20, LoadPlan::Arrival::kPoisson, 200);
  Harness h(plan, [](const ScheduledRequest&) { return After(30 * kMs); });
  h.Run();
  ArrivalSchedule expected(LoadPlan::Arrival::kPoisson, 20, 1, plan.schedule_seed);
  ASSERT_EQ(h.sender.sent.size(), 200u);
  for (const auto& s : h.sender.sent) {
    EXPECT_EQ(s.request.t_sched_ns, h.start_ns + expected.NextOffsetNs());
    EXPECT_EQ(s.t_send_ns, s.request.t_sched_ns);
  }
}

TEST(OpenLoopTest, MaxInflightSendsLateButKeepsTheIntendedTime) {
  LoadPlan plan = Open(10, LoadPlan::Arrival::kConstant, 4);
  plan.max_inflight = 1;
  Harness h(plan, [](const ScheduledRequest&) { return After(250 * kMs); });
  h.Run();
  ASSERT_EQ(h.records.size(), 4u);
  const int64_t sched[] = {0, 100, 200, 300};
  const int64_t send[] = {0, 250, 500, 750};
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(h.records[i].t_sched_ns, h.start_ns + sched[i] * kMs) << i;
    EXPECT_EQ(h.records[i].t_send_ns, h.start_ns + send[i] * kMs) << i;
    EXPECT_DOUBLE_EQ(*h.records[i].ScheduleLagMs(), static_cast<double>(send[i] - sched[i]));
  }
  EXPECT_LT(h.records[3].t_sched_ns, h.records[3].t_send_ns);
  EXPECT_EQ(h.sender.max_in_flight, 1);
}

TEST(DurationTest, NoSendsAfterTheDurationThenGraceThenCancel) {
  LoadPlan plan = Closed(2, -1);
  plan.duration_ns = 1 * kS;
  plan.grace_ns = 100 * kMs;
  Harness h(plan, [](const ScheduledRequest&) { return After(400 * kMs); });
  h.Run();
  // Sends at 0, 400 and 800 ms from both slots; the last pair is cut at 1000 + 100 ms.
  ASSERT_EQ(h.sender.sent.size(), 6u);
  for (const auto& s : h.sender.sent) EXPECT_LT(s.t_send_ns, h.start_ns + 1 * kS);
  int ok = 0, cancelled = 0;
  for (const RequestRecord& r : h.records) {
    if (r.ok()) ++ok;
    if (r.error_class == ErrorClass::kCancelled) {
      ++cancelled;
      EXPECT_EQ(r.t_done_ns, h.start_ns + 1100 * kMs);
    }
  }
  EXPECT_EQ(ok, 4);
  EXPECT_EQ(cancelled, 2);
  EXPECT_TRUE(h.scheduler->grace_expired());
  EXPECT_EQ(h.sender.cancel_calls, 1);
  EXPECT_EQ(h.done_calls, 1);
}

TEST(DurationTest, RequestsFinishingWithinGraceAreNotCancelled) {
  LoadPlan plan = Closed(2, -1);
  plan.duration_ns = 1 * kS;
  plan.grace_ns = 500 * kMs;
  Harness h(plan, [](const ScheduledRequest&) { return After(400 * kMs); });
  h.Run();
  EXPECT_EQ(h.records.size(), 6u);
  for (const RequestRecord& r : h.records) EXPECT_TRUE(r.ok());
  EXPECT_FALSE(h.scheduler->grace_expired());
  EXPECT_EQ(h.sender.cancel_calls, 0);
  EXPECT_EQ(h.done_calls, 1);
}

TEST(DurationTest, OpenLoopDropsArrivalsStillWaitingForASlot) {
  LoadPlan plan = Open(100, LoadPlan::Arrival::kConstant, -1);
  plan.duration_ns = 1 * kS;
  plan.grace_ns = 1 * kS;
  plan.max_inflight = 1;
  Harness h(plan, [](const ScheduledRequest&) { return After(100 * kMs); });
  h.Run();
  // 100 arrivals (0 … 990 ms); one slot sends every 100 ms: 10 sends, 90 never sent.
  EXPECT_EQ(h.scheduler->measured_issued(), 10);
  EXPECT_EQ(h.scheduler->unsent(), 90);
  EXPECT_EQ(h.records.size(), 10u);
  EXPECT_EQ(h.records.back().t_sched_ns, h.start_ns + 90 * kMs);  // FIFO: the 10th arrival
  EXPECT_EQ(h.done_calls, 1);
}

TEST(DurationTest, OpenLoopStopsArrivalsAtTheDuration) {
  LoadPlan plan = Open(10, LoadPlan::Arrival::kConstant, -1);
  plan.duration_ns = 1 * kS;
  Harness h(plan, [](const ScheduledRequest&) { return After(50 * kMs); });
  h.Run();
  EXPECT_EQ(h.records.size(), 10u);  // 0, 100, …, 900 ms; 1000 ms is not before the end
  EXPECT_EQ(h.scheduler->unsent(), 0);
}

TEST(InterruptTest, CancelsInFlightAndFinishes) {
  LoadPlan plan = Closed(3, -1);
  plan.duration_ns = 10 * kS;
  Harness h(plan, [](const ScheduledRequest&) { return After(1 * kS); });
  h.Start();
  h.executor.AdvanceBy(1500 * kMs);  // three completed at 1 s, three more in flight
  EXPECT_EQ(h.sender.in_flight(), 3);
  h.scheduler->Interrupt();
  h.executor.RunUntilIdle();
  EXPECT_EQ(h.done_calls, 1);
  EXPECT_TRUE(h.scheduler->interrupted());
  ASSERT_EQ(h.records.size(), 6u);
  for (int i = 3; i < 6; ++i) EXPECT_EQ(h.records[i].error_class, ErrorClass::kCancelled);
  EXPECT_EQ(h.sender.sent.size(), 6u);  // nothing sent after the interrupt
  h.scheduler->Interrupt();             // idempotent
  h.executor.RunUntilIdle();
  EXPECT_EQ(h.done_calls, 1);
}

TEST(InterruptTest, DuringWarmupSkipsTheMeasuredPhase) {
  LoadPlan plan = Closed(2, 10);
  plan.warmup_requests = 4;
  Harness h(plan, [](const ScheduledRequest&) { return After(1 * kS); });
  h.Start();
  h.executor.AdvanceBy(100 * kMs);
  h.scheduler->Interrupt();
  h.executor.RunUntilIdle();
  EXPECT_EQ(h.done_calls, 1);
  EXPECT_FALSE(h.scheduler->measured_start_ns().has_value());
  ASSERT_EQ(h.records.size(), 2u);
  for (const RequestRecord& r : h.records) EXPECT_TRUE(r.warmup);
}

TEST(InterruptTest, BeforeStartFinishesAtOnce) {
  Harness h(Closed(2, 10), [](const ScheduledRequest&) { return After(1 * kS); });
  h.scheduler->Interrupt();
  h.Run();
  EXPECT_EQ(h.done_calls, 1);
  EXPECT_TRUE(h.sender.sent.empty());
}

TEST(InterruptTest, OpenLoopStopsArrivals) {
  Harness h(Open(10, LoadPlan::Arrival::kConstant, 100),
            [](const ScheduledRequest&) { return After(1 * kS); });
  h.Start();
  h.executor.AdvanceBy(450 * kMs);  // arrivals at 0 … 400 ms
  h.scheduler->Interrupt();
  h.executor.RunUntilIdle();
  EXPECT_EQ(h.sender.sent.size(), 5u);
  EXPECT_EQ(h.records.size(), 5u);
  EXPECT_EQ(h.done_calls, 1);
}

TEST(ReentrancyTest, SynchronousFailuresDoNotRecurse) {
  // Every request fails inside Send (connection refused at once): the scheduler must not nest
  // Send calls, or 20k requests (several frames each) would overflow the stack.
  Harness h(Closed(2, 20'000), [](const ScheduledRequest&) {
    FakeOutcome outcome;
    outcome.synchronous = true;
    outcome.error = ErrorClass::kDisconnect;
    return outcome;
  });
  h.Run();
  EXPECT_EQ(h.records.size(), 20'000u);
  EXPECT_EQ(h.sender.max_in_flight, 1);
  EXPECT_EQ(h.done_calls, 1);
  for (size_t i = 0; i < h.sender.sent.size(); ++i) {
    ASSERT_EQ(h.sender.sent[i].request.index, i);
  }
}

TEST(ReentrancyTest, SynchronousLastWarmupStartsTheMeasuredPhaseOnce) {
  LoadPlan plan = Closed(3, 5);
  plan.warmup_requests = 2;
  Harness h(plan, [](const ScheduledRequest&) {
    FakeOutcome outcome;
    outcome.synchronous = true;
    return outcome;
  });
  h.Run();
  EXPECT_EQ(h.scheduler->warmup_issued(), 2);
  EXPECT_EQ(h.scheduler->measured_issued(), 5);
  EXPECT_EQ(h.records.size(), 7u);
  EXPECT_EQ(h.done_calls, 1);
}

TEST(ReentrancyTest, OpenLoopFinishesWhenTheLastArrivalCompletesInsideSend) {
  Harness h(Open(10, LoadPlan::Arrival::kConstant, 3), [](const ScheduledRequest&) {
    FakeOutcome outcome;
    outcome.synchronous = true;
    return outcome;
  });
  h.Run();
  EXPECT_EQ(h.records.size(), 3u);
  EXPECT_EQ(h.done_calls, 1);
  EXPECT_TRUE(h.scheduler->finished());
}

TEST(LifetimeTest, DestroyingTheSchedulerFromOnDoneIsSafe) {
  LoadPlan plan = Closed(1, -1);
  plan.duration_ns = 1 * kS;
  plan.grace_ns = 5 * kS;
  VirtualExecutor executor;
  FakeRequestSender sender(executor, [](const ScheduledRequest&) { return After(300 * kMs); });
  auto scheduler = std::make_unique<PointScheduler>(executor, sender, plan, [](RequestRecord&&) {});
  bool done = false;
  scheduler->Start([&] {
    done = true;
    scheduler.reset();
  });
  executor.RunUntilIdle();  // the grace timer outlives the scheduler and must do nothing
  EXPECT_TRUE(done);
  EXPECT_EQ(scheduler, nullptr);
}

}  // namespace
}  // namespace inferbench::load

namespace inferbench::load {
namespace {

LoadPlan Trace(std::vector<int64_t> offsets_ms, int64_t requests = -1) {
  LoadPlan plan;
  plan.mode = LoadPlan::Mode::kTrace;
  plan.requests = requests;
  plan.point = "trace";
  auto offsets = std::make_shared<std::vector<int64_t>>();
  for (int64_t ms : offsets_ms) offsets->push_back(ms * kMs);
  plan.trace_offsets_ns = std::move(offsets);
  return plan;
}

LoadPlan Sessions(int concurrency, std::vector<int> turns, int64_t requests = -1) {
  LoadPlan plan;
  plan.mode = LoadPlan::Mode::kSessions;
  plan.concurrency = concurrency;
  plan.requests = requests;
  plan.point = "sessions=" + std::to_string(concurrency);
  plan.session_turns = std::make_shared<std::vector<int>>(std::move(turns));
  return plan;
}

// --- trace replay --------------------------------------------------------------------------------

TEST(TraceTest, SendsAtTheTraceOffsetsExactly) {
  Harness h(Trace({0, 5, 5, 100, 1000}), [](const ScheduledRequest&) { return After(1 * kMs); });
  h.Run();
  ASSERT_EQ(h.sender.sent.size(), 5u);
  const int64_t offsets[] = {0, 5, 5, 100, 1000};
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(h.sender.sent[i].request.index, i);
    EXPECT_EQ(h.sender.sent[i].request.t_sched_ns, h.start_ns + offsets[i] * kMs) << i;
    EXPECT_EQ(h.sender.sent[i].t_send_ns, h.start_ns + offsets[i] * kMs) << i;
    EXPECT_EQ(h.sender.sent[i].request.session, -1);
  }
  ASSERT_EQ(h.records.size(), 5u);
  for (const RequestRecord& r : h.records) EXPECT_EQ(*r.ScheduleLagMs(), 0.0);
  EXPECT_EQ(h.done_calls, 1);
  EXPECT_EQ(h.scheduler->unsent(), 0);
}

TEST(TraceTest, ArrivalsDoNotWaitForCompletionsWithoutACap) {
  Harness h(Trace({0, 10, 20}), [](const ScheduledRequest&) { return After(1 * kS); });
  h.Run();
  ASSERT_EQ(h.sender.sent.size(), 3u);
  EXPECT_EQ(h.sender.sent[2].t_send_ns, h.start_ns + 20 * kMs);
  EXPECT_EQ(h.sender.max_in_flight, 3);
}

TEST(TraceTest, RequestsReplaysTheFirstEntries) {
  Harness h(Trace({0, 1, 2, 3, 4}, 3), [](const ScheduledRequest&) { return After(kMs); });
  h.Run();
  EXPECT_EQ(h.sender.sent.size(), 3u);
  EXPECT_EQ(h.scheduler->measured_issued(), 3);
}

TEST(TraceTest, FullSlotsMakeSendsLateWithTheTraceTimeKept) {
  LoadPlan plan = Trace({0, 10, 20, 30});
  plan.max_inflight = 1;
  Harness h(plan, [](const ScheduledRequest&) { return After(25 * kMs); });
  h.Run();
  ASSERT_EQ(h.records.size(), 4u);
  const int64_t sched[] = {0, 10, 20, 30};
  const int64_t send[] = {0, 25, 50, 75};
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(h.records[i].t_sched_ns, h.start_ns + sched[i] * kMs) << i;
    EXPECT_EQ(h.records[i].t_send_ns, h.start_ns + send[i] * kMs) << i;
    EXPECT_DOUBLE_EQ(*h.records[i].ScheduleLagMs(), static_cast<double>(send[i] - sched[i]));
  }
  EXPECT_EQ(h.sender.max_in_flight, 1);
}

TEST(TraceTest, DurationStopsTheReplay) {
  LoadPlan plan = Trace({0, 1000, 2000, 3000, 4000, 5000});
  plan.duration_ns = 3500 * kMs;
  Harness h(plan, [](const ScheduledRequest&) { return After(10 * kMs); });
  h.Run();
  EXPECT_EQ(h.sender.sent.size(), 4u);
  EXPECT_EQ(h.records.size(), 4u);
  EXPECT_EQ(h.done_calls, 1);
}

TEST(TraceTest, WarmupIsNotTimedByTheTrace) {
  LoadPlan plan = Trace({0, 100});
  plan.warmup_requests = 6;
  Harness h(plan, [](const ScheduledRequest&) { return After(50 * kMs); });
  h.Run();
  ASSERT_EQ(h.sender.sent.size(), 8u);
  // Rate-mode warmup: at most four at once, then drained before the trace starts.
  for (size_t i = 0; i < 6; ++i) EXPECT_TRUE(h.sender.sent[i].request.warmup) << i;
  EXPECT_LE(h.sender.max_in_flight, 4);
  const int64_t measured_start = *h.scheduler->measured_start_ns();
  EXPECT_EQ(measured_start, h.start_ns + 100 * kMs);
  EXPECT_EQ(h.sender.sent[6].t_send_ns, measured_start);
  EXPECT_EQ(h.sender.sent[7].t_send_ns, measured_start + 100 * kMs);
  EXPECT_EQ(h.sender.sent[6].request.index, 0u);
}

// --- multi-turn sessions -------------------------------------------------------------------------

TEST(SessionsTest, TurnsFollowTheAnswerPlusTheirDelay) {
  LoadPlan plan = Sessions(1, {3, 2});
  plan.session_delays_ns = std::make_shared<std::vector<std::vector<int64_t>>>(
      std::vector<std::vector<int64_t>>{{999 * kMs, 100 * kMs, 200 * kMs}, {0, 50 * kMs}});
  Harness h(plan, [](const ScheduledRequest&) { return After(10 * kMs); });
  h.Run();
  ASSERT_EQ(h.sender.sent.size(), 5u);
  struct Expected {
    int64_t session;
    int turn;
    int64_t send_ms;
  };
  // Turn 0 goes at once (its delay is ignored); turn k at turn k−1's completion + delay k.
  const Expected expected[] = {{0, 0, 0}, {0, 1, 110}, {0, 2, 320}, {1, 0, 330}, {1, 1, 390}};
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(h.sender.sent[i].request.session, expected[i].session) << i;
    EXPECT_EQ(h.sender.sent[i].request.turn, expected[i].turn) << i;
    EXPECT_EQ(h.sender.sent[i].t_send_ns, h.start_ns + expected[i].send_ms * kMs) << i;
    EXPECT_EQ(h.sender.sent[i].request.index, i);
  }
  // Closed loop: t_sched is the send.
  for (const RequestRecord& r : h.records) EXPECT_EQ(r.t_sched_ns, r.t_send_ns);
  EXPECT_EQ(h.records[1].session, "s0");
  EXPECT_EQ(h.records[1].turn, 1);
  EXPECT_EQ(h.scheduler->conversations_started(), 2);
  EXPECT_EQ(h.done_calls, 1);
}

TEST(SessionsTest, SlotsRunConversationsSideBySideEachInTurnOrder) {
  Harness h(Sessions(2, {3, 1, 2, 2}, 4),
            [](const ScheduledRequest& r) { return After((r.session + 1) * 10 * kMs); });
  h.Run();
  EXPECT_EQ(h.scheduler->conversations_started(), 4);
  EXPECT_EQ(h.sender.sent.size(), 8u);  // 3 + 1 + 2 + 2 turns
  EXPECT_EQ(h.sender.max_in_flight, 2);
  std::map<int64_t, std::vector<int>> turns;
  std::map<int64_t, int64_t> last_done;
  for (const FakeRequestSender::Sent& s : h.sender.sent) {
    std::vector<int>& seen = turns[s.request.session];
    EXPECT_EQ(s.request.turn, static_cast<int>(seen.size())) << "session " << s.request.session;
    seen.push_back(s.request.turn);
    // A turn starts only after the previous turn of its conversation completed.
    if (s.request.turn > 0) {
      EXPECT_GE(s.t_send_ns, last_done[s.request.session]);
    }
    last_done[s.request.session] = s.t_send_ns + (s.request.session + 1) * 10 * kMs;
  }
  EXPECT_EQ(turns.size(), 4u);
  EXPECT_EQ(turns[0].size(), 3u);
  EXPECT_EQ(turns[1].size(), 1u);
  EXPECT_EQ(turns[3].size(), 2u);
}

TEST(SessionsTest, RequestsCountsConversationsAndWrapsTheTurnCounts) {
  Harness h(Sessions(1, {1, 2}, 5), [](const ScheduledRequest&) { return After(kMs); });
  h.Run();
  EXPECT_EQ(h.scheduler->conversations_started(), 5);
  // Conversations 0..4 use turn counts 1, 2, 1, 2, 1.
  EXPECT_EQ(h.sender.sent.size(), 7u);
  EXPECT_EQ(h.sender.sent.back().request.session, 4);
}

TEST(SessionsTest, WithoutRequestsOrDurationEachConversationRunsOnce) {
  Harness h(Sessions(3, {2, 2}), [](const ScheduledRequest&) { return After(kMs); });
  h.Run();
  EXPECT_EQ(h.scheduler->conversations_started(), 2);
  EXPECT_EQ(h.sender.sent.size(), 4u);
}

TEST(SessionsTest, AFailedTurnEndsItsConversation) {
  Harness h(Sessions(1, {4, 2}), [](const ScheduledRequest& r) {
    FakeOutcome outcome = After(kMs);
    if (r.session == 0 && r.turn == 1) outcome.error = ErrorClass::kHttp5xx;
    return outcome;
  });
  h.Run();
  ASSERT_EQ(h.sender.sent.size(), 4u);  // s0 t0, s0 t1 (fails), s1 t0, s1 t1
  EXPECT_EQ(h.sender.sent[2].request.session, 1);
  EXPECT_EQ(h.scheduler->session_turns_skipped(), 2);
  EXPECT_EQ(h.scheduler->sessions_aborted(), 1);
  EXPECT_EQ(h.done_calls, 1);
}

TEST(SessionsTest, RampUpStaggersTheFirstConversations) {
  LoadPlan plan = Sessions(4, {1}, 4);
  plan.ramp_up_ns = 400 * kMs;
  Harness h(plan, [](const ScheduledRequest&) { return After(1 * kS); });
  h.Run();
  ASSERT_EQ(h.sender.sent.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(h.sender.sent[i].t_send_ns, h.start_ns + static_cast<int64_t>(i) * 100 * kMs);
  }
}

TEST(SessionsTest, DurationCutsConversationsAndCountsTheirTurns) {
  LoadPlan plan = Sessions(2, {5});
  plan.duration_ns = 250 * kMs;
  plan.session_delays_ns = std::make_shared<std::vector<std::vector<int64_t>>>(
      std::vector<std::vector<int64_t>>{{0, 100 * kMs, 100 * kMs, 100 * kMs, 100 * kMs}});
  Harness h(plan, [](const ScheduledRequest&) { return After(10 * kMs); });
  h.Run();
  // Each slot: t0 at 0, t1 at 110, t2 at 220; t3 would be at 330 > 250.
  EXPECT_EQ(h.sender.sent.size(), 6u);
  EXPECT_EQ(h.scheduler->unsent(), 4);  // two turns of each conversation
  EXPECT_EQ(h.scheduler->session_turns_skipped(), 0);
  EXPECT_EQ(h.done_calls, 1);
}

TEST(SessionsTest, WarmupSendsFirstTurnsFromTheWarmupSpace) {
  LoadPlan plan = Sessions(2, {3});
  plan.requests = 1;
  plan.warmup_requests = 3;
  Harness h(plan, [](const ScheduledRequest&) { return After(kMs); });
  h.Run();
  ASSERT_EQ(h.sender.sent.size(), 6u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_TRUE(h.sender.sent[i].request.warmup);
    EXPECT_EQ(h.sender.sent[i].request.session, static_cast<int64_t>(i));
    EXPECT_EQ(h.sender.sent[i].request.turn, 0);
  }
  EXPECT_FALSE(h.sender.sent[3].request.warmup);
  EXPECT_EQ(h.sender.sent[3].request.session, 0);
}

TEST(SessionsTest, SynchronousFailuresDoNotRecurse) {
  Harness h(Sessions(3, {2}, 1000), [](const ScheduledRequest&) {
    FakeOutcome outcome;
    outcome.synchronous = true;
    outcome.error = ErrorClass::kDisconnect;
    return outcome;
  });
  h.Run();
  EXPECT_EQ(h.sender.sent.size(), 1000u);
  EXPECT_EQ(h.scheduler->sessions_aborted(), 1000);
  EXPECT_EQ(h.scheduler->session_turns_skipped(), 1000);
  EXPECT_EQ(h.done_calls, 1);
}

TEST(SessionsTest, InterruptCancelsAndFinishes) {
  LoadPlan plan = Sessions(2, {3}, 10);
  Harness h(plan, [](const ScheduledRequest&) { return After(1 * kS); });
  h.Start();
  h.executor.AdvanceBy(500 * kMs);
  h.scheduler->Interrupt();
  h.executor.RunUntilIdle();
  EXPECT_EQ(h.done_calls, 1);
  EXPECT_EQ(h.sender.sent.size(), 2u);
  EXPECT_EQ(h.scheduler->unsent(), 4);
  EXPECT_EQ(h.scheduler->sessions_aborted(), 0);  // cancelled, not failed
}

}  // namespace
}  // namespace inferbench::load
