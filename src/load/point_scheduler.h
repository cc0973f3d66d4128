// PointScheduler: drives one point of one replicate — warmup, then the measured phase — through a
// RequestSender on an Executor, and hands every record (warmup included) to on_record as it
// completes so the caller can append it to requests.jsonl at once (DESIGN.md §2.10).
//
// Warmup: `warmup_requests` requests, never counted, closed loop at the point's concurrency (rate
// mode: at min(4, warmup_requests, max_inflight if set)), drained before the measured phase
// starts so no warmup request overlaps a measured one.
//
// Closed loop (concurrency=N): N slots, each sending its next request as soon as its previous one
// completes; t_sched = t_send. Slot i starts ramp_up_ns · i / N after the phase starts.
//
// Open loop (rate=X): requests are issued at the intended times of the ArrivalSchedule seeded
// with schedule_seed, t_sched = the intended time. When max_inflight requests are in flight, an
// arrival waits (FIFO) for a free slot and is sent late with its t_sched unchanged: latency from
// t_sched then includes the wait (coordinated-omission correction), and t_send − t_sched is the
// schedule lag. ramp_up_ns does not apply.
//
// Trace replay (kTrace): measured request i is due at measured start + trace_offsets_ns[i]
// (t_sched = that time) and then handled exactly like an open-loop arrival: FIFO wait under
// max_inflight, schedule lag, duration stop, unsent() for arrivals still waiting at the stop.
// Warmup as in rate mode (never from the trace's timing).
//
// Multi-turn sessions (kSessions): `concurrency` slots; a slot takes the next conversation c
// (0, 1, 2, … in the order slots ask), sends its turn 0 at once (slot i first starts
// ramp_up_ns · i / N after the phase starts), and sends turn k when turn k−1 completed plus
// session_delays_ns[c mod size][k]; after the last turn it takes the next conversation. Each
// request carries {session = c, turn = k}; t_sched = t_send. A failed turn (any error class)
// ends its conversation: its later turns are never sent and count in session_turns_skipped()
// (and the conversation in sessions_aborted(), unless it was cancelled). `requests` limits the
// conversations started; duration_ns stops new conversations and turns (the turns of cut
// conversations count in unsent()).
//
// Stop: requests mode issues exactly `requests` measured requests and waits for all of them.
// Duration mode sends nothing new once duration_ns has passed since the measured phase began
// (arrivals still waiting for a slot are dropped and counted in unsent()); in-flight requests get
// grace_ns to finish, then the sender's CancelInFlight() ends them. With both set, whichever
// comes first stops the sends. on_done runs once, after every issued request has completed.
//
// Threading: every method and callback runs on the executor's thread. The sender must serve only
// this scheduler while it runs (Interrupt and the grace expiry cancel all its in-flight requests).
// Lifetime: the scheduler may be destroyed from on_done or any time after (not from on_record);
// callbacks it left in the executor or the sender then do nothing. Destroying it earlier drops
// the records of requests still in flight.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "load/arrival_schedule.h"
#include "load/executor.h"
#include "load/load_plan.h"
#include "load/request_sender.h"
#include "results/request_record.h"

namespace inferbench::load {

class PointScheduler {
 public:
  using RecordSink = std::function<void(results::RequestRecord&&)>;

  // REQUIRES: plan.Validate().ok(). executor and sender must outlive the scheduler.
  PointScheduler(Executor& executor, RequestSender& sender, LoadPlan plan, RecordSink on_record);
  ~PointScheduler();
  PointScheduler(const PointScheduler&) = delete;
  PointScheduler& operator=(const PointScheduler&) = delete;

  // Begins the warmup (or the measured phase when there is none). on_done runs once, from a
  // fresh executor callback, when the point has finished or been interrupted.
  // REQUIRES: called once.
  void Start(std::function<void()> on_done);
  // Ctrl-C: stop issuing, cancel every in-flight request (their records arrive with error class
  // cancelled), then on_done. Idempotent; before Start it makes Start finish at once.
  void Interrupt();

  bool finished() const { return phase_ == Phase::kDone; }
  bool interrupted() const { return interrupted_; }
  // The grace period of a duration-bound point expired with requests still in flight.
  bool grace_expired() const { return grace_expired_; }
  // Steady time the measured phase began; nullopt before.
  std::optional<int64_t> measured_start_ns() const { return measured_start_ns_; }
  int64_t warmup_issued() const { return warmup_issued_; }
  int64_t measured_issued() const { return measured_issued_; }
  // Open loop: arrivals that were due but never sent (waiting for a slot when the point stopped).
  // Sessions: turns of conversations cut by the stop (duration, interrupt) that were not sent.
  int64_t unsent() const { return unsent_; }
  // Sessions: conversations begun; those ended early by a failed (not cancelled) turn; turns
  // never sent because an earlier turn of their conversation failed.
  int64_t conversations_started() const { return conversations_started_; }
  int64_t sessions_aborted() const { return sessions_aborted_; }
  int64_t session_turns_skipped() const { return session_turns_skipped_; }

 private:
  enum class Phase { kIdle, kWarmup, kMeasured, kDone };

  // Wraps fn so it does nothing once this scheduler is gone.
  std::function<void()> Guarded(std::function<void()> fn);

  void StartMeasured();
  void StartSlot();
  void OnArrival(int64_t intended_ns);
  void ScheduleNextArrival();
  void OnDurationEnd();
  void OnGraceEnd();

  // Issues whatever the current state allows (free warmup slots, free closed-loop slots,
  // waiting open-loop arrivals). Never recurses into the sender: when called from inside Send
  // (a synchronous completion) it re-runs itself from a posted callback instead.
  void Refill();
  void RefillSessions();
  // Sends `request` (its index is assigned here); `slot` is the session slot, or -1.
  void Issue(ScheduledRequest request, int slot = -1);
  void OnComplete(const ScheduledRequest& request, int slot, results::RequestRecord&& record);

  // Sessions.
  struct SessionSlot {
    int64_t conversation = -1;  // -1: between conversations
    int next_turn = 0;
    int turns = 0;
    bool in_flight = false;
  };
  void StartSessions(int64_t start_ns);
  void SlotReady(int slot);
  void OnTurnComplete(int slot, const ScheduledRequest& request, bool ok, bool cancelled);
  void EndConversation(SessionSlot& slot);
  bool MayStartConversation() const;
  int TurnsOf(int64_t conversation) const;
  int64_t DelayOf(int64_t conversation, int turn) const;
  bool MayIssueMeasured() const;
  bool AllIssued() const;
  void StopIssuing();
  void MaybeFinish();

  Executor& executor_;
  RequestSender& sender_;
  LoadPlan plan_;
  RecordSink on_record_;
  std::function<void()> on_done_;
  // Expires with the scheduler; callbacks left in the executor hold a weak_ptr to it.
  std::shared_ptr<char> alive_ = std::make_shared<char>();

  Phase phase_ = Phase::kIdle;
  bool started_ = false;
  bool interrupted_ = false;
  bool stop_issuing_ = false;
  bool grace_expired_ = false;
  bool in_send_ = false;
  bool refill_posted_ = false;

  int64_t in_flight_ = 0;
  int warmup_width_ = 0;
  int64_t warmup_issued_ = 0;
  int64_t measured_issued_ = 0;
  std::optional<int64_t> measured_start_ns_;

  int active_slots_ = 0;  // closed loop: slots started so far (ramp-up)

  std::optional<ArrivalSchedule> arrivals_;  // open loop
  bool arrivals_done_ = false;               // no further arrival will be scheduled
  std::deque<int64_t> waiting_;              // intended times of arrivals waiting for a slot
  int64_t unsent_ = 0;
  int64_t trace_next_ = 0;  // trace: the next entry to schedule

  std::vector<SessionSlot> slots_;
  std::deque<int> ready_slots_;  // slots whose next send (turn or new conversation) is due
  int pending_slot_starts_ = 0;  // ramp-up: slots not started yet
  int64_t active_conversations_ = 0;
  int64_t conversations_started_ = 0;
  int64_t sessions_aborted_ = 0;
  int64_t session_turns_skipped_ = 0;
};

}  // namespace inferbench::load
