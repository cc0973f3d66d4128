// BenchSession: executes `inferbench bench` — every point × replicate of a load sweep against one
// OpenAI-compatible target, on one event loop — and writes the run directory as it goes
// (DESIGN.md §9): requests.jsonl and token_times appended as each request completes,
// summary.json rewritten after every point (so a partial run stays readable), spec.yaml with
// the effective configuration. Blocking; call from the main thread.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "load/http_request_sender.h"
#include "load/load_plan.h"
#include "load/slo.h"
#include "results/summary.h"

namespace inferbench::runner {

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
  int workers = 1;                  // event-loop threads the load is split across
};

struct BenchOutcome {
  results::RunSummary summary;
  int exit_code = 0;          // 0 measured, 2 could not, 130 interrupted
  std::string error;          // when exit_code is 2
  std::vector<std::string> notes;  // what the run decided on the way (probe, metrics URL, …)
};

// `on_point` runs after each point × replicate with its summary (for the console table).
BenchOutcome RunBench(const BenchConfig& config,
                      const std::function<void(const results::PointSummary&)>& on_point);

}  // namespace inferbench::runner
