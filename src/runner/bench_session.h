// BenchSession: executes `inferbench bench` — every point × replicate of a load sweep against one
// OpenAI-compatible target, on one event loop — and writes the run directory as it goes
// (DESIGN.md §9): requests.jsonl and token_times appended as each request completes,
// summary.json rewritten after every point (so a partial run stays readable), spec.yaml with
// the effective configuration. Blocking; call from the main thread.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "load/http_request_sender.h"
#include "net/client_connection.h"
#include "load/load_plan.h"
#include "load/slo.h"
#include "results/summary.h"

namespace inferbench::runner {

struct ScheduledPoint {
  size_t point_index = 0;  // into BenchConfig::points
  int replicate = 0;
  // A point decided during the run (sweep rates, search levels): run this plan; point_index is
  // then unused.
  std::optional<load::LoadPlan> plan;
};

struct BenchConfig {
  std::string base_url;              // as given, e.g. http://127.0.0.1:8000
  load::HttpSenderOptions sender;    // target (parsed base URL + headers), request, workload
  std::vector<load::LoadPlan> points;  // in run order; replicate is set per run
  int replicates = 1;
  std::vector<std::string> metrics_urls;  // scraped before/after each point
  bool metrics_auto = true;               // none given: use the target's /metrics if it answers
  load::SloThresholds slo;
  bool probe_chat_template = true;  // chat + text prompts: measure the template's tokens first
  std::string output_dir;           // created if missing
  std::string run_id;
  std::string effective_spec_yaml;  // written to spec.yaml
  bool progress = false;            // a progress line on stderr
  // The cache-bust setting promises a cold prefix cache (ExpectsColdCache, spec_config.h): a
  // point whose prefix_cache_hit_rate exceeds kColdHitRateWarning gets a warning.
  bool expect_cold = false;
  int workers = 1;                  // event-loop threads the load is split across

  // `run`: the order of (index into points, replicate) to execute. Empty: every point with
  // replicates 0..replicates−1, point-major (what `bench` does).
  std::vector<ScheduledPoint> schedule;
  // `run`: called when the schedule is exhausted with the summary so far; returns further runs
  // (adaptive replicates), empty when done.
  std::function<std::vector<ScheduledPoint>(const results::RunSummary&)> extend;
  // `run`: after a point with errored requests, check that the target still answers; when it
  // does not, stop, mark the run partial and report it (BenchOutcome::target_lost).
  bool stop_when_target_lost = false;
  // Called before and after each point × replicate (scrapes, telemetry); may add scalars and
  // warnings to the finished point in `after`. Runs on the calling thread.
  std::function<void(const load::LoadPlan& plan)> before_point;
  std::function<void(const load::LoadPlan& plan, results::PointSummary& point)> after_point;
  // Called with every finished request (warmup included) as it is appended to requests.jsonl,
  // on a load worker's thread under the session's lock: keep it short (hot metrics counters).
  std::function<void(const results::RequestRecord& record)> on_record;
};

// Above this prefix-cache hit rate a supposedly cold point is warned about: cache-busted
// prompts share at most a chat template's few tokens, far below one in five.
inline constexpr double kColdHitRateWarning = 0.2;

struct BenchOutcome {
  results::RunSummary summary;
  int exit_code = 0;          // 0 measured, 2 could not, 130 interrupted
  std::string error;          // when exit_code is 2
  std::vector<std::string> notes;  // what the run decided on the way (probe, metrics URL, …)
  bool target_lost = false;        // the target stopped answering mid-run (exit_code 2, partial)
  std::vector<std::string> metrics_urls;  // the endpoints actually scraped
};

// A URL on the target's server: the base (trailing '/' removed, a final "/v1" not doubled when
// `path` starts with "/v1/", dropped for other server paths such as "/metrics") + path.
std::string TargetUrl(const std::string& base, std::string_view path);

// Event-loop workers by default: 1 for a loopback target (it shares this machine's cores with
// the server: leave it one), else one per core.
int DefaultWorkerCount(const net::Url& url);

// `on_point` runs after each point × replicate with its summary (for the console table).
BenchOutcome RunBench(const BenchConfig& config,
                      const std::function<void(const results::PointSummary&)>& on_point);

}  // namespace inferbench::runner
