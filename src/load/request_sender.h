// RequestSender: the seam between the load schedulers and the wire. The schedulers decide *when*
// a request goes out; a sender builds it (workload item, salt, OpenAI body), sends it, parses the
// stream and reports one RequestRecord. The bench implements it over client/ and net/; unit tests
// use a fake that completes requests after scripted latencies on a VirtualExecutor.
#pragma once

#include <cstdint>
#include <functional>

#include "results/request_record.h"

namespace inferbench::load {

struct ScheduledRequest {
  // Which workload item to send. Measured requests count 0, 1, 2, … in issue order; warmup
  // requests count separately from 0 (warmup = true), so the measured items do not depend on
  // the number of warmup requests.
  uint64_t index = 0;
  // The intended send time (steady ns): the issue time in closed loop, the arrival process's
  // time in open loop — earlier than the actual send when the request waited for a free slot.
  int64_t t_sched_ns = 0;
  bool warmup = false;
  // kSessions: the conversation (its index in the dataset, like `index` for single requests)
  // and the 0-based turn; -1 for single requests.
  int64_t session = -1;
  int turn = -1;
};

class RequestSender {
 public:
  using Done = std::function<void(results::RequestRecord&&)>;

  virtual ~RequestSender() = default;

  // Sends the request now. `done` runs exactly once, on the executor's thread, with the record
  // of the outcome (errors included); it may run synchronously inside Send (e.g. a connection
  // refused at once) or inside CancelInFlight. The record's t_send_ns is the time the first
  // byte was written; the caller fills point, replicate, warmup and t_sched_ns itself.
  virtual void Send(const ScheduledRequest& request, Done done) = 0;
  // Ends every in-flight request promptly: each one's `done` runs (synchronously or soon) with
  // error_class cancelled. Requests sent after this call are unaffected.
  virtual void CancelInFlight() = 0;
  // Requests sent whose `done` has not run yet.
  virtual int64_t in_flight() const = 0;
};

}  // namespace inferbench::load
