// FakeRequestSender: a RequestSender for unit tests on a VirtualExecutor. Each request completes
// after the latency its script gives it (or synchronously inside Send), so tests can reason about
// exact send times, in-flight counts and cancellation. Test-only (not in the ib_load library).
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "load/executor.h"
#include "load/request_sender.h"

namespace inferbench::load {

struct FakeOutcome {
  int64_t latency_ns = 0;  // t_send → completion
  results::ErrorClass error = results::ErrorClass::kNone;
  int64_t output_tokens = 4;
  bool synchronous = false;  // complete inside Send (latency ignored)
};

class FakeRequestSender final : public RequestSender {
 public:
  using Script = std::function<FakeOutcome(const ScheduledRequest&)>;

  struct Sent {
    ScheduledRequest request;
    int64_t t_send_ns;
    int64_t in_flight_after;  // this sender's in-flight count including the new request
  };

  FakeRequestSender(VirtualExecutor& executor, Script script)
      : executor_(executor), script_(std::move(script)) {}

  void Send(const ScheduledRequest& request, Done done) override {
    const int64_t now = executor_.NowNs();
    const FakeOutcome outcome = script_(request);
    const uint64_t id = next_id_++;
    results::RequestRecord record;
    record.request_id = (request.warmup ? "w" : "m") + std::to_string(request.index);
    if (request.session >= 0) {
      record.session = "s" + std::to_string(request.session);
      record.turn = request.turn;
    }
    record.t_send_ns = now;
    const int64_t end = now + (outcome.synchronous ? 0 : outcome.latency_ns);
    record.error_class = outcome.error;
    record.t_done_ns = end;
    if (outcome.error == results::ErrorClass::kNone) {
      record.t_first_ns = now + (end - now) / 2;
      record.t_last_ns = end;
      record.output_tokens = outcome.output_tokens;
    }
    pending_.emplace(id, Pending{std::move(record), std::move(done)});
    sent.push_back({request, now, in_flight()});
    max_in_flight = std::max(max_in_flight, in_flight());
    if (outcome.synchronous) {
      Complete(id);
      return;
    }
    executor_.RunAt(end, [this, id] { Complete(id); });
  }

  void CancelInFlight() override {
    ++cancel_calls;
    std::vector<uint64_t> ids;
    for (const auto& [id, pending] : pending_) ids.push_back(id);
    for (uint64_t id : ids) {
      auto it = pending_.find(id);
      if (it == pending_.end()) continue;
      it->second.record = CancelledRecord(std::move(it->second.record));
      Complete(id);
    }
  }

  int64_t in_flight() const override { return static_cast<int64_t>(pending_.size()); }

  std::vector<Sent> sent;
  int64_t max_in_flight = 0;
  int cancel_calls = 0;

 private:
  struct Pending {
    results::RequestRecord record;
    Done done;
  };

  results::RequestRecord CancelledRecord(results::RequestRecord record) const {
    record.error_class = results::ErrorClass::kCancelled;
    record.t_first_ns = record.t_last_ns = results::RequestRecord::kAbsent;
    record.output_tokens = 0;
    record.t_done_ns = executor_.NowNs();
    return record;
  }

  void Complete(uint64_t id) {
    auto it = pending_.find(id);
    if (it == pending_.end()) return;  // cancelled earlier
    Pending pending = std::move(it->second);
    pending_.erase(it);
    pending.done(std::move(pending.record));
  }

  VirtualExecutor& executor_;
  Script script_;
  uint64_t next_id_ = 0;
  std::map<uint64_t, Pending> pending_;
};

}  // namespace inferbench::load
