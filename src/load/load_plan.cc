#include "load/load_plan.h"

#include <charconv>
#include <cmath>

#include "core/canonical_json.h"
#include "results/point.h"

namespace inferbench::load {
namespace {

Status Invalid(const std::string& why) { return Status::Error("load plan: " + why); }

Status ValidateTrace(const LoadPlan& plan) {
  if (!plan.trace_offsets_ns || plan.trace_offsets_ns->empty()) {
    return Invalid("trace replay needs trace_offsets_ns (one send offset per trace entry)");
  }
  const std::vector<int64_t>& offsets = *plan.trace_offsets_ns;
  if (plan.requests > static_cast<int64_t>(offsets.size())) {
    return Invalid("requests (" + std::to_string(plan.requests) + ") exceeds the trace's " +
                   std::to_string(offsets.size()) + " entries");
  }
  for (size_t i = 0; i < offsets.size(); ++i) {
    if (offsets[i] < 0 || (i > 0 && offsets[i] < offsets[i - 1])) {
      return Invalid("trace_offsets_ns[" + std::to_string(i) +
                     "] must be >= 0 and not earlier than the entry before it");
    }
  }
  return Status::Ok();
}

Status ValidateSessions(const LoadPlan& plan) {
  if (plan.concurrency < 1) return Invalid("sessions (concurrency) must be >= 1");
  if (!plan.session_turns || plan.session_turns->empty()) {
    return Invalid("multi-turn sessions need session_turns (the turn count of each conversation)");
  }
  for (size_t i = 0; i < plan.session_turns->size(); ++i) {
    if ((*plan.session_turns)[i] < 1) {
      return Invalid("session_turns[" + std::to_string(i) + "] must be >= 1");
    }
  }
  if (plan.session_delays_ns) {
    if (plan.session_delays_ns->size() != plan.session_turns->size()) {
      return Invalid("session_delays_ns must have one row per conversation (" +
                     std::to_string(plan.session_turns->size()) + "), not " +
                     std::to_string(plan.session_delays_ns->size()));
    }
    for (size_t i = 0; i < plan.session_delays_ns->size(); ++i) {
      const std::vector<int64_t>& row = (*plan.session_delays_ns)[i];
      if (row.size() != static_cast<size_t>((*plan.session_turns)[i])) {
        return Invalid("session_delays_ns[" + std::to_string(i) + "] must have " +
                       std::to_string((*plan.session_turns)[i]) + " entries (one per turn)");
      }
      for (int64_t delay : row) {
        if (delay < 0) {
          return Invalid("session_delays_ns[" + std::to_string(i) + "] has a negative delay");
        }
      }
    }
  }
  return Status::Ok();
}

}  // namespace

Status LoadPlan::Validate() const {
  if (Result<results::Point> parsed = results::Point::Parse(point); !parsed.ok()) {
    return Invalid(parsed.status().message());
  }
  if (mode == Mode::kConcurrency && concurrency < 1) {
    return Invalid("concurrency must be >= 1");
  }
  if (mode == Mode::kRate) {
    if (!std::isfinite(rate_req_s) || rate_req_s <= 0) return Invalid("rate must be > 0");
    if (arrival == Arrival::kGamma && !(std::isfinite(gamma_shape) && gamma_shape > 0)) {
      return Invalid("gamma arrival shape must be > 0");
    }
  }
  if (max_inflight < 0) return Invalid("max in-flight must be >= 0 (0 = unbounded)");
  if (warmup_requests < 0) return Invalid("warmup requests must be >= 0");
  if (requests < -1) return Invalid("requests must be >= 0, or -1 for a duration-bound point");
  if (duration_ns < 0 || grace_ns < 0 || ramp_up_ns < 0) {
    return Invalid("duration, grace and ramp-up must not be negative");
  }
  if (mode == Mode::kTrace) return ValidateTrace(*this);
  if (mode == Mode::kSessions) return ValidateSessions(*this);
  if (requests < 0 && duration_ns == 0) {
    return Invalid("a point needs a request count or a duration to stop");
  }
  return Status::Ok();
}

Result<ArrivalProcess> ParseArrival(std::string_view text) {
  if (text == "poisson") return ArrivalProcess{LoadPlan::Arrival::kPoisson, 1};
  if (text == "constant") return ArrivalProcess{LoadPlan::Arrival::kConstant, 1};
  constexpr std::string_view kGamma = "gamma:";
  if (text.substr(0, kGamma.size()) == kGamma) {
    const std::string_view number = text.substr(kGamma.size());
    double shape = 0;
    const auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), shape);
    if (error == std::errc() && end == number.data() + number.size() && !number.empty() &&
        std::isfinite(shape) && shape > 0) {
      return ArrivalProcess{LoadPlan::Arrival::kGamma, shape};
    }
  }
  return Result<ArrivalProcess>::Error(
      "invalid arrival process \"" + std::string(text) +
      "\": expected poisson, constant or gamma:K with a shape K > 0 (e.g. gamma:0.5)");
}

std::string FormatArrival(const ArrivalProcess& process) {
  switch (process.arrival) {
    case LoadPlan::Arrival::kPoisson:
      return "poisson";
    case LoadPlan::Arrival::kConstant:
      return "constant";
    case LoadPlan::Arrival::kGamma:
      return "gamma:" + FormatJsonNumber(process.gamma_shape);
  }
  return "poisson";
}

LoadPlan LevelPlan(bool open_loop, double level, const ArrivalProcess& arrival, int max_inflight) {
  LoadPlan plan;
  if (open_loop) {
    plan.mode = LoadPlan::Mode::kRate;
    plan.rate_req_s = level;
    plan.arrival = arrival.arrival;
    plan.gamma_shape = arrival.gamma_shape;
    plan.max_inflight = max_inflight;
    plan.point = results::Point::Rate(level).Format();
  } else {
    plan.mode = LoadPlan::Mode::kConcurrency;
    plan.concurrency = static_cast<int>(std::lround(level));
    plan.point = results::Point::Concurrency(plan.concurrency).Format();
  }
  return plan;
}

}  // namespace inferbench::load
