// The readiness probe (DESIGN.md §6): `/health` answering 200 is not readiness — servers answer
// it before the model can serve. The probe sends a real one-token completion and waits for a
// non-empty answer; each probe has its own timeout (long enough for a cold start) and all probes
// together run inside an overall window. The time until the first good answer is the target's
// cold-start time as the client sees it.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "client/openai_adapter.h"

namespace inferbench::runner {

struct ReadinessOptions {
  client::HttpTarget target;
  client::ApiEndpoint endpoint = client::ApiEndpoint::kChat;
  std::string model;
  int64_t probe_timeout_ns = 120'000'000'000;
  int64_t window_ns = 300'000'000'000;
  int64_t retry_interval_ns = 500'000'000;  // pause after a failed probe
  // Polled between probes; returning true stops waiting (Ctrl-C).
  std::function<bool()> cancelled;
};

struct ReadinessResult {
  bool ready = false;
  bool cancelled = false;
  int64_t cold_start_ns = 0;  // first probe sent → first non-empty answer
  int probes = 0;
  std::string last_problem;  // why the last probe did not count ("HTTP 503", "connection refused", …)
  std::string answer;        // the text of the answer that made the target ready
};

// Probes until ready, cancelled or the window is over. Blocking.
ReadinessResult WaitUntilReady(const ReadinessOptions& options);

// Whether a one-token completion body (chat or completions, streaming or not) carries a non-empty
// answer; `text` receives it. Exposed for tests.
bool NonEmptyAnswer(const std::string& body, std::string* text);

}  // namespace inferbench::runner
