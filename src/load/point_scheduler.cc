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
  if (plan_.mode == LoadPlan::Mode::kSessions) {
    StartSessions(start);
  } else if (plan_.open_loop()) {
    if (plan_.mode == LoadPlan::Mode::kRate) {
      arrivals_.emplace(plan_.arrival, plan_.rate_req_s, plan_.gamma_shape, plan_.schedule_seed);
    }
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
  int64_t offset = 0;
  if (plan_.mode == LoadPlan::Mode::kTrace) {
    const std::vector<int64_t>& offsets = *plan_.trace_offsets_ns;
    const int64_t entries =
        plan_.requests >= 0 ? plan_.requests : static_cast<int64_t>(offsets.size());
    if (trace_next_ >= entries) {
      arrivals_done_ = true;
      return;
    }
    offset = offsets[static_cast<size_t>(trace_next_++)];
  } else {
    if (plan_.requests >= 0 && arrivals_->count() >= plan_.requests) {
      arrivals_done_ = true;
      return;
    }
    offset = arrivals_->NextOffsetNs();
  }
  const int64_t start = *measured_start_ns_;
  const int64_t intended = start + offset;
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
        // The pass may have retired the last session slots without sending anything.
        MaybeFinish();
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
      ScheduledRequest request;
      request.t_sched_ns = executor_.NowNs();
      request.warmup = true;
      Issue(request);
    }
  } else if (phase_ == Phase::kMeasured && plan_.open_loop()) {
    int64_t budget = static_cast<int64_t>(waiting_.size());
    if (plan_.max_inflight > 0) budget = std::min<int64_t>(budget, plan_.max_inflight - in_flight_);
    while (budget-- > 0 && phase_ == Phase::kMeasured && !stop_issuing_ && !waiting_.empty()) {
      ScheduledRequest request;
      request.t_sched_ns = waiting_.front();
      waiting_.pop_front();
      Issue(request);
    }
  } else if (phase_ == Phase::kMeasured && plan_.mode == LoadPlan::Mode::kSessions) {
    RefillSessions();
  } else if (phase_ == Phase::kMeasured) {
    int64_t budget = active_slots_ - in_flight_;
    while (budget-- > 0 && phase_ == Phase::kMeasured && MayIssueMeasured()) {
      ScheduledRequest request;
      request.t_sched_ns = executor_.NowNs();
      Issue(request);
    }
  }
}

void PointScheduler::Issue(ScheduledRequest request, int slot) {
  request.index = static_cast<uint64_t>(request.warmup ? warmup_issued_++ : measured_issued_++);
  if (request.warmup && plan_.mode == LoadPlan::Mode::kSessions) {
    // Warmup sends single first turns of conversations from the warmup index space.
    request.session = static_cast<int64_t>(request.index);
    request.turn = 0;
  }
  ++in_flight_;
  in_send_ = true;
  sender_.Send(request, [this, alive = std::weak_ptr<char>(alive_), request,
                         slot](results::RequestRecord&& record) {
    if (alive.lock()) OnComplete(request, slot, std::move(record));
  });
  in_send_ = false;
  // Completions that arrived inside Send posted a Refill; the pass that called Issue goes on.
}

void PointScheduler::OnComplete(const ScheduledRequest& request, int slot,
                                results::RequestRecord&& record) {
  assert(in_flight_ > 0);
  --in_flight_;
  const bool ok = record.ok();
  const bool cancelled = record.error_class == results::ErrorClass::kCancelled;
  record.point = plan_.point;
  record.replicate = plan_.replicate;
  record.warmup = request.warmup;
  // Closed loop (and warmup) has no intended time apart from the send itself (DESIGN.md §4).
  const bool closed = request.warmup || !plan_.open_loop();
  record.t_sched_ns = closed && record.t_send_ns >= 0 ? record.t_send_ns : request.t_sched_ns;
  on_record_(std::move(record));
  if (slot >= 0) OnTurnComplete(slot, request, ok, cancelled);

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
  if (plan_.mode == LoadPlan::Mode::kSessions) {
    return ready_slots_.empty() && active_conversations_ == 0 &&
           (pending_slot_starts_ == 0 || !MayStartConversation());
  }
  if (plan_.open_loop()) return arrivals_done_ && waiting_.empty();
  return !MayIssueMeasured();
}

void PointScheduler::StopIssuing() {
  stop_issuing_ = true;
  unsent_ += static_cast<int64_t>(waiting_.size());
  waiting_.clear();
  // Sessions: conversations between turns end here; those with a turn in flight end when it
  // completes (OnTurnComplete).
  for (SessionSlot& slot : slots_) {
    if (slot.conversation < 0 || slot.in_flight) continue;
    unsent_ += slot.turns - slot.next_turn;
    EndConversation(slot);
  }
  ready_slots_.clear();
}

// --- multi-turn sessions -------------------------------------------------------------------------

void PointScheduler::StartSessions(int64_t start_ns) {
  slots_.assign(static_cast<size_t>(plan_.concurrency), SessionSlot{});
  for (int slot = 0; slot < plan_.concurrency; ++slot) {
    const int64_t offset = plan_.ramp_up_ns * slot / plan_.concurrency;
    if (offset == 0) {
      ready_slots_.push_back(slot);
    } else {
      ++pending_slot_starts_;
      executor_.RunAt(start_ns + offset, Guarded([this, slot] {
                        --pending_slot_starts_;
                        SlotReady(slot);
                      }));
    }
  }
  Refill();
}

void PointScheduler::SlotReady(int slot) {
  if (phase_ != Phase::kMeasured || stop_issuing_) return;
  ready_slots_.push_back(slot);
  Refill();
  MaybeFinish();
}

void PointScheduler::RefillSessions() {
  // Past the duration nothing more is sent; OnDurationEnd (due now) ends the conversations.
  if (plan_.duration_ns > 0 && executor_.NowNs() >= *measured_start_ns_ + plan_.duration_ns) {
    return;
  }
  // At most the slots ready on entry; slots made ready by synchronous completions during the
  // pass are served by the posted pass.
  int64_t budget = static_cast<int64_t>(ready_slots_.size());
  while (budget-- > 0 && phase_ == Phase::kMeasured && !stop_issuing_ && !ready_slots_.empty()) {
    const int index = ready_slots_.front();
    ready_slots_.pop_front();
    SessionSlot& slot = slots_[static_cast<size_t>(index)];
    if (slot.conversation < 0) {
      if (!MayStartConversation()) continue;  // the slot retires
      slot.conversation = conversations_started_++;
      slot.next_turn = 0;
      slot.turns = TurnsOf(slot.conversation);
      ++active_conversations_;
    }
    ScheduledRequest request;
    request.t_sched_ns = executor_.NowNs();
    request.session = slot.conversation;
    request.turn = slot.next_turn;
    slot.in_flight = true;
    Issue(request, index);
  }
}

void PointScheduler::OnTurnComplete(int index, const ScheduledRequest& request, bool ok,
                                    bool cancelled) {
  SessionSlot& slot = slots_[static_cast<size_t>(index)];
  slot.in_flight = false;
  const int remaining = slot.turns - request.turn - 1;
  if (stop_issuing_ || phase_ != Phase::kMeasured) {
    unsent_ += remaining;
    EndConversation(slot);
    return;
  }
  if (!ok) {
    session_turns_skipped_ += remaining;
    if (!cancelled) ++sessions_aborted_;
    EndConversation(slot);
    ready_slots_.push_back(index);
    return;
  }
  if (remaining == 0) {
    EndConversation(slot);
    ready_slots_.push_back(index);
    return;
  }
  slot.next_turn = request.turn + 1;
  const int64_t delay = DelayOf(slot.conversation, slot.next_turn);
  if (delay == 0) {
    ready_slots_.push_back(index);
    return;
  }
  // The conversation stays active while it waits, so the point cannot finish meanwhile.
  executor_.RunAt(executor_.NowNs() + delay, Guarded([this, index] { SlotReady(index); }));
}

void PointScheduler::EndConversation(SessionSlot& slot) {
  if (slot.conversation < 0) return;
  slot.conversation = -1;
  --active_conversations_;
}

bool PointScheduler::MayStartConversation() const {
  if (stop_issuing_) return false;
  int64_t limit = plan_.requests;
  if (limit < 0 && plan_.duration_ns == 0) {
    limit = static_cast<int64_t>(plan_.session_turns->size());
  }
  if (limit >= 0 && conversations_started_ >= limit) return false;
  if (plan_.duration_ns > 0 && executor_.NowNs() >= *measured_start_ns_ + plan_.duration_ns) {
    return false;
  }
  return true;
}

int PointScheduler::TurnsOf(int64_t conversation) const {
  const std::vector<int>& turns = *plan_.session_turns;
  return turns[static_cast<size_t>(conversation) % turns.size()];
}

int64_t PointScheduler::DelayOf(int64_t conversation, int turn) const {
  if (!plan_.session_delays_ns) return 0;
  const std::vector<std::vector<int64_t>>& delays = *plan_.session_delays_ns;
  return delays[static_cast<size_t>(conversation) % delays.size()][static_cast<size_t>(turn)];
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
