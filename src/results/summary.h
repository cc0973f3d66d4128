// The structs of summary.json (schema "inferbench.summary/v1", DESIGN.md §9): what one
// `bench`/`run` measured, per point and replicate. Plain data: the numbers are computed by
// load/ and stats/; this file only fixes their names and their JSON form.
//
// summary.json:
//   {"schema": "inferbench.summary/v1", "run_id", "status": "ok"|"partial"|"failed",
//    "anchor": {"steady_ns", "system_ns"},
//    "points": [{"point", "replicate",
//                "requests": {"completed", "errored", "warmup", "cancelled"},
//                "window": {"start_s", "end_s", "duration_s", "steady_start_s", "steady_end_s"},
//                "client": {"lag_p99_ms", "busy_pct", "saturated"},
//                "metrics": {"<scalar>": number, "<distribution>": {"mean", "std", "min", "p50",
//                            "p90", "p95", "p99", "p999", "max", "n", "low_n": ["p99", …]}},
//                "timeslices": [{"start_s", "completed", "output_tokens", "in_flight", "errors"}],
//                "warnings": ["…"],
//                "degraded": true, "degraded_reason": "…"}]}   (only on degraded points)
// Times ending in _s are seconds on the run clock: (steady_ns − anchor.steady_ns) / 1e9.
// A number that could not be computed (a distribution with n = 0) is written as null.
// A degraded point (trace replay whose schedule lag p99 exceeded 50 ms: the client did not send
// at the trace's times, so the point does not measure the trace's load) carries
// "degraded": true and the reason; other points have neither member.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/status.h"
#include "results/metric_names.h"

namespace inferbench::results {

inline constexpr std::string_view kSummarySchema = "inferbench.summary/v1";

// mean … max of one metric over the requests of one point and replicate. Stats that are not
// defined (n = 0, or std with n = 1) are NaN. low_n lists the quantile stats with
// n · (1 − q) < 5 (DESIGN.md §4), which reports must flag.
struct DistributionSummary {
  static constexpr double kUndefined = std::numeric_limits<double>::quiet_NaN();

  double mean = kUndefined;
  double stddev = kUndefined;  // "std" in JSON
  double min = kUndefined;
  double p50 = kUndefined;
  double p90 = kUndefined;
  double p95 = kUndefined;
  double p99 = kUndefined;
  double p999 = kUndefined;
  double max = kUndefined;
  int64_t n = 0;
  std::vector<Stat> low_n;

  // nullopt when the stat is undefined (NaN).
  std::optional<double> Get(Stat stat) const;
  void Set(Stat stat, double value);
  bool IsLowN(Stat stat) const;

  nlohmann::json ToJson() const;
  static Result<DistributionSummary> FromJson(const nlohmann::json& json, std::string context);
};

struct RequestCounts {
  int64_t completed = 0;  // finished without error, warmup excluded
  int64_t errored = 0;    // error_class other than none and cancelled, warmup excluded
  int64_t warmup = 0;
  int64_t cancelled = 0;  // still in flight when the point ended (grace expired, Ctrl-C)
};

struct WindowSummary {
  double start_s = 0;  // first send
  double end_s = 0;    // last completion
  double duration_s = 0;
  double steady_start_s = 0;  // the steady window of DESIGN.md §4
  double steady_end_s = 0;
};

// The client watching itself (DESIGN.md §2.8): saturated when an event loop was busy >= 90 %
// over any 1 s window or timer lag p99 exceeded 1 ms; a saturated point is a DRAFT.
struct ClientSelfCheck {
  double lag_p99_ms = 0;
  double busy_pct = 0;  // highest 1 s busy share of any event loop, 0..100
  bool saturated = false;
};

// One second of the point.
struct Timeslice {
  double start_s = 0;
  int64_t completed = 0;
  int64_t output_tokens = 0;  // tokens that arrived during the second
  int64_t in_flight = 0;      // requests in flight at the end of the second
  int64_t errors = 0;
};

struct PointSummary {
  std::string point;  // point string (results/point.h)
  int64_t replicate = 0;
  RequestCounts requests;
  WindowSummary window;
  ClientSelfCheck client;
  std::map<std::string, double> scalars;                     // by metric name
  std::map<std::string, DistributionSummary> distributions;  // by metric name
  std::vector<Timeslice> timeslices;
  std::vector<std::string> warnings;  // e.g. unstable open loop, outputs shorter than requested
  // The point did not drive the load it was meant to (trace replay sent late); the reason is
  // also among the warnings.
  bool degraded = false;
  std::string degraded_reason;

  // The value a metric path names, or nullopt when the point does not have it (or it is NaN).
  std::optional<double> Value(const MetricPath& path) const;

  nlohmann::json ToJson() const;
  static Result<PointSummary> FromJson(const nlohmann::json& json, std::string context);
};

struct RunSummary {
  std::string run_id;
  std::string status = "ok";  // ok | partial (interrupted, records kept) | failed
  ClockAnchor anchor;
  std::vector<PointSummary> points;

  // Null when the run has no such point and replicate.
  const PointSummary* Find(std::string_view point, int64_t replicate) const;

  nlohmann::json ToJson() const;
  // Reads summary.json; the schema must be inferbench.summary/v1.
  static Result<RunSummary> FromJson(const nlohmann::json& json);
};

}  // namespace inferbench::results
