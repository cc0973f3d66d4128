#include "results/request_record.h"

#include "results/json_fields.h"
#include "results/point.h"

namespace inferbench::results {
namespace {

constexpr ErrorClass kErrorClasses[] = {
    ErrorClass::kNone,        ErrorClass::kHttp4xx,    ErrorClass::kHttp5xx,
    ErrorClass::kTimeout,     ErrorClass::kDisconnect, ErrorClass::kMalformed,
    ErrorClass::kStreamError, ErrorClass::kCancelled,
};
constexpr TokenCountSource kSources[] = {TokenCountSource::kUsage, TokenCountSource::kTokenizer,
                                         TokenCountSource::kChunks};

std::optional<double> SpanMs(int64_t from_ns, int64_t to_ns) {
  if (from_ns < 0 || to_ns < 0) return std::nullopt;
  return static_cast<double>(to_ns - from_ns) / 1e6;
}

// Negative means absent (RequestRecord::kAbsent) and is written as null.
nlohmann::json IntOrNull(int64_t value) {
  return value < 0 ? nlohmann::json(nullptr) : nlohmann::json(value);
}

}  // namespace

std::string_view ErrorClassName(ErrorClass error_class) {
  switch (error_class) {
    case ErrorClass::kNone:
      return "none";
    case ErrorClass::kHttp4xx:
      return "http_4xx";
    case ErrorClass::kHttp5xx:
      return "http_5xx";
    case ErrorClass::kTimeout:
      return "timeout";
    case ErrorClass::kDisconnect:
      return "disconnect";
    case ErrorClass::kMalformed:
      return "malformed";
    case ErrorClass::kStreamError:
      return "stream_error";
    case ErrorClass::kCancelled:
      return "cancelled";
  }
  return "unknown";
}

std::optional<ErrorClass> FindErrorClass(std::string_view name) {
  for (ErrorClass c : kErrorClasses) {
    if (ErrorClassName(c) == name) return c;
  }
  return std::nullopt;
}

std::string_view TokenCountSourceName(TokenCountSource source) {
  switch (source) {
    case TokenCountSource::kUsage:
      return "usage";
    case TokenCountSource::kTokenizer:
      return "tokenizer";
    case TokenCountSource::kChunks:
      return "chunks";
  }
  return "unknown";
}

std::optional<TokenCountSource> FindTokenCountSource(std::string_view name) {
  for (TokenCountSource s : kSources) {
    if (TokenCountSourceName(s) == name) return s;
  }
  return std::nullopt;
}

std::optional<double> RequestRecord::TtftMs() const { return SpanMs(t_send_ns, t_first_ns); }
std::optional<double> RequestRecord::TtftSchedMs() const { return SpanMs(t_sched_ns, t_first_ns); }
std::optional<double> RequestRecord::TtstMs() const { return SpanMs(t_first_ns, t_second_ns); }
std::optional<double> RequestRecord::E2eLatencyMs() const { return SpanMs(t_send_ns, t_last_ns); }
std::optional<double> RequestRecord::ScheduleLagMs() const { return SpanMs(t_sched_ns, t_send_ns); }

std::optional<double> RequestRecord::TpotMs() const {
  if (output_tokens <= 1) return std::nullopt;
  const std::optional<double> decode_ms = SpanMs(t_first_ns, t_last_ns);
  if (!decode_ms) return std::nullopt;
  return *decode_ms / static_cast<double>(output_tokens - 1);
}

std::optional<double> RequestRecord::PerUserTokS() const {
  const std::optional<double> tpot = TpotMs();
  if (!tpot || *tpot <= 0) return std::nullopt;
  return 1000.0 / *tpot;
}

nlohmann::json RequestRecord::ToJson() const {
  nlohmann::json json = {
      {"request_id", request_id},
      {"point", point},
      {"replicate", replicate},
      {"warmup", warmup},
      {"t_sched_ns", IntOrNull(t_sched_ns)},
      {"t_send_ns", IntOrNull(t_send_ns)},
      {"t_first_ns", IntOrNull(t_first_ns)},
      {"t_second_ns", IntOrNull(t_second_ns)},
      {"t_last_ns", IntOrNull(t_last_ns)},
      {"t_done_ns", IntOrNull(t_done_ns)},
      {"input_tokens_requested", input_tokens_requested},
      {"input_tokens", input_tokens},
      {"output_tokens_requested", output_tokens_requested},
      {"output_tokens", output_tokens},
      {"output_tokens_source", TokenCountSourceName(output_tokens_source)},
      {"token_events", token_events},
      {"same_read_gaps", same_read_gaps},
      {"cached_tokens", IntOrNull(cached_tokens)},
      {"finish_reason", finish_reason},
      {"http_status", http_status},
      {"error_class", ErrorClassName(error_class)},
      {"error_message", error_message},
      {"retries", retries},
      {"salt", salt},
  };
  if (!session.empty()) json["session"] = session;
  if (turn >= 0) json["turn"] = turn;
  return json;
}

std::string RequestRecord::ToJsonLine() const {
  // Replace invalid UTF-8 (a server's garbled error text) instead of throwing mid-run.
  return ToJson().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<RequestRecord> RequestRecord::FromJson(const nlohmann::json& json) {
  using Need = JsonFields::Need;
  RequestRecord r;
  JsonFields f(json, "requests.jsonl record");
  f.String("request_id", r.request_id, Need::kRequired);
  f.String("point", r.point, Need::kRequired);
  f.Int("replicate", r.replicate, Need::kRequired);
  f.Bool("warmup", r.warmup);
  f.IntOrAbsent("t_sched_ns", r.t_sched_ns);
  f.IntOrAbsent("t_send_ns", r.t_send_ns);
  f.IntOrAbsent("t_first_ns", r.t_first_ns);
  f.IntOrAbsent("t_second_ns", r.t_second_ns);
  f.IntOrAbsent("t_last_ns", r.t_last_ns);
  f.IntOrAbsent("t_done_ns", r.t_done_ns);
  f.Int("input_tokens_requested", r.input_tokens_requested);
  f.Int("input_tokens", r.input_tokens);
  f.Int("output_tokens_requested", r.output_tokens_requested);
  f.Int("output_tokens", r.output_tokens);
  std::string source = std::string(TokenCountSourceName(r.output_tokens_source));
  f.String("output_tokens_source", source);
  f.Int("token_events", r.token_events);
  f.Int("same_read_gaps", r.same_read_gaps);
  f.IntOrAbsent("cached_tokens", r.cached_tokens);
  f.String("finish_reason", r.finish_reason);
  f.Int("http_status", r.http_status);
  std::string error_class = std::string(ErrorClassName(r.error_class));
  f.String("error_class", error_class);
  f.String("error_message", r.error_message);
  f.Int("retries", r.retries);
  f.String("salt", r.salt);
  f.String("session", r.session);
  f.Int("turn", r.turn);
  if (!f.ok()) return f.status();
  if (r.turn < -1) f.Fail("turn", "must be a 0-based turn index");

  if (std::optional<TokenCountSource> s = FindTokenCountSource(source)) {
    r.output_tokens_source = *s;
  } else {
    f.Fail("output_tokens_source", "must be usage, tokenizer or chunks, not \"" + source + "\"");
  }
  if (std::optional<ErrorClass> c = FindErrorClass(error_class)) {
    r.error_class = *c;
  } else {
    f.Fail("error_class",
           "must be none, http_4xx, http_5xx, timeout, disconnect, malformed, stream_error or "
           "cancelled, not \"" +
               error_class + "\"");
  }
  if (Result<Point> point = Point::Parse(r.point); !point.ok()) {
    f.Fail("point", "is not a point string: " + point.status().message());
  }
  if (!f.ok()) return f.status();
  return r;
}

Result<RequestRecord> RequestRecord::FromJsonLine(std::string_view line) {
  nlohmann::json json = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) {
    return Status::Error("requests.jsonl record: not valid JSON");
  }
  return FromJson(json);
}

}  // namespace inferbench::results
