#include "load/point_scheduler.h"

#include <algorithm>
#include <cassert>
#include <utility>

namespace inferbench::load {

PointScheduler::PointScheduler(Executor& executor, RequestSender& sender, LoadPlan plan,
                               RecordSink on_record)
    : executor_(executor),
      sender_(sender),
      plan_(std::move(plan)),
      on_record_(std::move(on_record)) {
  assert(plan_.Validate().ok());
}

PointScheduler::~PointScheduler() = default;

std::function<void()> PointScheduler::Guarded(std::function<void()> fn) {
  return [alive = std::weak_ptr<char>(alive_), fn = std::move(fn)] {
    if (alive.lock()) fn();
  };
}

void PointScheduler::Start(std::function<void()> on_done) {
  assert(!started_);
  started_ = true;
  on_done_ = std::move(on_done);
  if (interrupted_) {
    stop_issuing_ = true;
    phase_ = Phase::kWarmup;
    MaybeFinish();
    return;
  }
  if (plan_.warmup_requests == 0) {
    StartMeasured();
    return;
  }
  phase_ = Phase::kWarmup;
  if (plan_.open_loop()) {
    warmup_width_ = std::min(4, plan_.warmup_requests);
    if (plan_.max_inflight > 0) warmup_width_ = std::min(warmup_width_, plan_.max_inflight);
  } else {
    warmup_width_ = std::min(plan_.concurrency, plan_.warmup_requests);
  }
  Refill();
}

void PointScheduler::StartMeasured() {
  phase_ = Phase::kMeasured;
  const int64_t start = executor_.NowNs();
  measured_start_ns_ = start;
  if (plan_.duration_ns > 0) {
    executor_.RunAt(start + plan_.duration_ns, Guarded([this] { OnDurationEnd(); }));
  }
  if (plan_.open_loop()) {
    arrivals_.emplace(plan_.arrival, plan_.rate_req_s, plan_.gamma_shape, plan_.schedule_seed);
    ScheduleNextArrival();
  } else {
    for (int slot = 0; slot < plan_.concurrency; ++slot) {
      const int64_t offset = plan_.ramp_up_ns * slot / plan_.concurrency;
      if (offset == 0) {
        ++active_slots_;
      } else {
        executor_.RunAt(start + offset, Guarded([this] { StartSlot(); }));
      }
    }
    Refill();
  }
  MaybeFinish();
}

void PointScheduler::StartSlot() {
  if (phase_ != Phase::kMeasured || stop_issuing_) return;
  ++active_slots_;
  Refill();
}

void PointScheduler::ScheduleNextArrival() {
  if (plan_.requests >= 0 && arrivals_->count() >= plan_.requests) {
    arrivals_done_ = true;
    return;
  }
  const int64_t start = *measured_start_ns_;
  const int64_t intended = start + arrivals_->NextOffsetNs();
  if (plan_.duration_ns > 0 && intended >= start + plan_.duration_ns) {
    arrivals_done_ = true;
    return;
  }
  executor_.RunAt(intended, Guarded([this, intended] { OnArrival(intended); }));
}

void PointScheduler::OnArrival(int64_t intended_ns) {
  if (phase_ != Phase::kMeasured || stop_issuing_) return;
  waiting_.push_back(intended_ns);
  Refill();
  ScheduleNextArrival();
  // The last arrival's request may already have completed inside Refill (synchronously),
  // before ScheduleNextArrival marked the arrivals done.
  MaybeFinish();
}

void PointScheduler::OnDurationEnd() {
  if (phase_ != Phase::kMeasured || stop_issuing_) return;
  StopIssuing();
  if (in_flight_ > 0) {
    executor_.RunAt(executor_.NowNs() + plan_.grace_ns, Guarded([this] { OnGraceEnd(); }));
  }
  MaybeFinish();
}

void PointScheduler::OnGraceEnd() {
  if (phase_ != Phase::kMeasured || in_flight_ == 0) return;
  grace_expired_ = true;
  sender_.CancelInFlight();
  MaybeFinish();
}

void PointScheduler::Interrupt() {
  if (phase_ == Phase::kDone) return;
  interrupted_ = true;
  if (!started_) return;
  StopIssuing();
  if (in_flight_ > 0) sender_.CancelInFlight();
  MaybeFinish();
}

void PointScheduler::Refill() {
  if (phase_ == Phase::kDone || stop_issuing_) return;
  if (in_send_) {
    // A completion inside Send: issuing here would nest Send calls (unbounded recursion when
    // every request fails at once). Continue from a fresh callback instead.
    if (!refill_posted_) {
      refill_posted_ = true;
      executor_.Post(Guarded([this] {
        refill_posted_ = false;
        Refill();
      }));
    }
    return;
  }
  // Each pass issues at most the free capacity seen on entry; requests that complete during the
  // pass are replaced by the posted pass, so other callbacks (timers) get to run in between.
  if (phase_ == Phase::kWarmup) {
    int64_t budget =
        std::min<int64_t>(warmup_width_ - in_flight_, plan_.warmup_requests - warmup_issued_);
    // A synchronous completion of the last warmup request starts the measured phase mid-pass.
    while (budget-- > 0 && phase_ == Phase::kWarmup && !stop_issuing_ &&
           warmup_issued_ < plan_.warmup_requests) {
      Issue(executor_.NowNs(), /*warmup=*/true);
    }
  } else if (phase_ == Phase::kMeasured && plan_.open_loop()) {
    int64_t budget = static_cast<int64_t>(waiting_.size());
    if (plan_.max_inflight > 0) budget = std::min<int64_t>(budget, plan_.max_inflight - in_flight_);
    while (budget-- > 0 && phase_ == Phase::kMeasured && !stop_issuing_ && !waiting_.empty()) {
      const int64_t intended = waiting_.front();
      waiting_.pop_front();
      Issue(intended, /*warmup=*/false);
    }
  } else if (phase_ == Phase::kMeasured) {
    int64_t budget = active_slots_ - in_flight_;
    while (budget-- > 0 && phase_ == Phase::kMeasured && MayIssueMeasured()) {
      Issue(executor_.NowNs(), /*warmup=*/false);
    }
  }
}

void PointScheduler::Issue(int64_t t_sched_ns, bool warmup) {
  ScheduledRequest request;
  request.index = static_cast<uint64_t>(warmup ? warmup_issued_++ : measured_issued_++);
  request.t_sched_ns = t_sched_ns;
  request.warmup = warmup;
  ++in_flight_;
  in_send_ = true;
  sender_.Send(request, [this, alive = std::weak_ptr<char>(alive_),
                         request](results::RequestRecord&& record) {
    if (alive.lock()) OnComplete(request, std::move(record));
  });
  in_send_ = false;
  // Completions that arrived inside Send posted a Refill; the pass that called Issue goes on.
}

void PointScheduler::OnComplete(const ScheduledRequest& request, results::RequestRecord&& record) {
  assert(in_flight_ > 0);
  --in_flight_;
  record.point = plan_.point;
  record.replicate = plan_.replicate;
  record.warmup = request.warmup;
  // Closed loop (and warmup) has no intended time apart from the send itself (DESIGN.md §4).
  const bool closed = request.warmup || !plan_.open_loop();
  record.t_sched_ns = closed && record.t_send_ns >= 0 ? record.t_send_ns : request.t_sched_ns;
  on_record_(std::move(record));

  if (phase_ == Phase::kWarmup && !stop_issuing_ && warmup_issued_ >= plan_.warmup_requests &&
      in_flight_ == 0) {
    StartMeasured();
    return;
  }
  Refill();
  MaybeFinish();
}

bool PointScheduler::MayIssueMeasured() const {
  if (stop_issuing_) return false;
  if (plan_.requests >= 0 && measured_issued_ >= plan_.requests) return false;
  if (plan_.duration_ns > 0 && executor_.NowNs() >= *measured_start_ns_ + plan_.duration_ns) {
    return false;
  }
  return true;
}

bool PointScheduler::AllIssued() const {
  if (stop_issuing_) return true;
  if (phase_ != Phase::kMeasured) return false;
  if (plan_.open_loop()) return arrivals_done_ && waiting_.empty();
  return !MayIssueMeasured();
}

void PointScheduler::StopIssuing() {
  stop_issuing_ = true;
  unsent_ += static_cast<int64_t>(waiting_.size());
  waiting_.clear();
}

void PointScheduler::MaybeFinish() {
  if (phase_ == Phase::kDone || phase_ == Phase::kIdle) return;
  if (in_flight_ > 0 || !AllIssued()) return;
  phase_ = Phase::kDone;
  executor_.Post(Guarded([this] {
    // on_done may destroy the scheduler: nothing touches it afterwards.
    std::function<void()> done = std::move(on_done_);
    if (done) done();
  }));
}

}  // namespace inferbench::load
