// RequestRecord: everything measured about one request (DESIGN.md §4), one line of
// requests.jsonl. A failed request is a measurement too: it gets a record with an error class.
//
// Times are steady-clock nanoseconds (the run's anchor in summary.json maps them to wall time);
// -1 means "did not happen" (no first token, never sent, …).
//
// requests.jsonl: one compact JSON object per line, keys sorted, with these fields:
//   request_id               string   unique within the run
//   point                    string   point string, e.g. "concurrency=64" (results/point.h)
//   replicate                int      0-based replicate index
//   warmup                   bool     warmup requests are never counted in metrics
//   t_sched_ns .. t_done_ns  int|null intended send, first byte written, first / second / last
//                                     token-carrying event, [DONE] or end of body; null = absent
//   input_tokens_requested   int      input length the workload asked for
//   input_tokens             int      achieved input length (usage.prompt_tokens, else generator)
//   output_tokens_requested  int      max_tokens asked for
//   output_tokens            int      achieved output length, from output_tokens_source
//   output_tokens_source     string   "usage" | "tokenizer" | "chunks"
//   token_events             int      number of token-carrying SSE events
//   same_read_gaps           int      gaps between token events parsed from the same read
//   cached_tokens            int|null usage.prompt_tokens_details.cached_tokens; null: not sent
//   finish_reason            string   as the server sent it ("" when none)
//   http_status              int      0 when no response status was received
//   error_class              string   "none" | "http_4xx" | "http_5xx" | "timeout" | "disconnect"
//                                     | "malformed" | "stream_error" | "cancelled"
//   error_message            string   "" when error_class is "none"
//   retries                  int      retries before this outcome
//   salt                     string   cache-bust salt prepended to the prompt ("" when none)
//   session                  string   multi-turn only (absent otherwise): the conversation's
//                                     session id, "#<k>" appended on its k-th repeat (k >= 1)
//   turn                     int      multi-turn only (absent otherwise): 0-based turn index
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/status.h"

namespace inferbench::results {

enum class ErrorClass {
  kNone,
  kHttp4xx,
  kHttp5xx,
  kTimeout,
  kDisconnect,
  kMalformed,
  kStreamError,
  kCancelled,
};
std::string_view ErrorClassName(ErrorClass error_class);
std::optional<ErrorClass> FindErrorClass(std::string_view name);

// Where output_tokens came from, in order of precedence (DESIGN.md §4).
enum class TokenCountSource { kUsage, kTokenizer, kChunks };
std::string_view TokenCountSourceName(TokenCountSource source);
std::optional<TokenCountSource> FindTokenCountSource(std::string_view name);

struct RequestRecord {
  static constexpr int64_t kAbsent = -1;

  std::string request_id;
  std::string point;
  int64_t replicate = 0;
  bool warmup = false;

  int64_t t_sched_ns = kAbsent;
  int64_t t_send_ns = kAbsent;
  int64_t t_first_ns = kAbsent;
  int64_t t_second_ns = kAbsent;
  int64_t t_last_ns = kAbsent;
  int64_t t_done_ns = kAbsent;

  int64_t input_tokens_requested = 0;
  int64_t input_tokens = 0;
  int64_t output_tokens_requested = 0;
  int64_t output_tokens = 0;
  TokenCountSource output_tokens_source = TokenCountSource::kChunks;
  int64_t token_events = 0;
  int64_t same_read_gaps = 0;
  int64_t cached_tokens = kAbsent;

  std::string finish_reason;
  int64_t http_status = 0;
  ErrorClass error_class = ErrorClass::kNone;
  std::string error_message;
  int64_t retries = 0;
  std::string salt;
  // Multi-turn sessions (issue 5): written to requests.jsonl only when set, so records of
  // single-request points stay byte-identical.
  std::string session;  // "" = not part of a conversation
  int64_t turn = -1;    // 0-based; -1 = none

  bool ok() const { return error_class == ErrorClass::kNone; }

  // Derived per-request metrics (DESIGN.md §4), in milliseconds; nullopt when a needed time is
  // absent (or, for TPOT, when the request produced at most one token).
  std::optional<double> TtftMs() const;         // t_first − t_send
  std::optional<double> TtftSchedMs() const;    // t_first − t_sched
  std::optional<double> TtstMs() const;         // t_second − t_first
  std::optional<double> TpotMs() const;         // (t_last − t_first) / (output_tokens − 1)
  std::optional<double> PerUserTokS() const;    // 1000 / TpotMs, when TPOT > 0
  std::optional<double> E2eLatencyMs() const;   // t_last − t_send
  std::optional<double> ScheduleLagMs() const;  // t_send − t_sched

  nlohmann::json ToJson() const;
  // One line of requests.jsonl, without the trailing newline.
  std::string ToJsonLine() const;
  // Reads a record written by ToJson. Absent optional fields keep their defaults; unknown fields
  // are ignored (forward compatibility); wrong types, unknown enum names and an invalid point
  // string are errors naming the field.
  static Result<RequestRecord> FromJson(const nlohmann::json& json);
  static Result<RequestRecord> FromJsonLine(std::string_view line);

  friend bool operator==(const RequestRecord&, const RequestRecord&) = default;
};

}  // namespace inferbench::results
