#include "client/exchange.h"

#include <algorithm>
#include <string>
#include <utility>

namespace inferbench::client {
namespace {

using results::ErrorClass;

constexpr size_t kQuotedBodyBytes = 200;              // of an error body without a JSON message
constexpr size_t kKeptBodyCapacity = 1u << 20;        // larger body buffers are freed on Reset
constexpr size_t kMaxReservedTokenEvents = 1u << 20;  // bound on Reset's reservation

bool StartsWithIgnoreCase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    char c = text[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != prefix[i]) return false;
  }
  return true;
}

// The start of a body as one printable line, for a message.
std::string QuoteBody(std::string_view body) {
  std::string text;
  for (char c : body.substr(0, kQuotedBodyBytes)) {
    const auto byte = static_cast<unsigned char>(c);
    text += (byte < 0x20 || byte == 0x7f) ? ' ' : c;
  }
  while (!text.empty() && text.back() == ' ') text.pop_back();
  size_t start = text.find_first_not_of(' ');
  text.erase(0, start == std::string::npos ? text.size() : start);
  if (body.size() > kQuotedBodyBytes && !text.empty()) text += "...";
  return text;
}

// Appends `text` with every byte that is not part of a well-formed UTF-8 sequence replaced by
// U+FFFD: server messages go into JSON records, and a quoted prefix may cut a character.
void AppendValidUtf8(std::string_view text, std::string* out) {
  size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    size_t length = 0;
    unsigned char low = 0x80;
    unsigned char high = 0xbf;
    if (lead < 0x80) {
      length = 1;
    } else if (lead >= 0xc2 && lead <= 0xdf) {
      length = 2;
    } else if (lead >= 0xe0 && lead <= 0xef) {
      length = 3;
      if (lead == 0xe0) low = 0xa0;
      if (lead == 0xed) high = 0x9f;  // no surrogates
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      length = 4;
      if (lead == 0xf0) low = 0x90;
      if (lead == 0xf4) high = 0x8f;
    }
    bool valid = length > 0 && i + length <= text.size();
    for (size_t k = 1; valid && k < length; ++k) {
      const auto byte = static_cast<unsigned char>(text[i + k]);
      const unsigned char lo = k == 1 ? low : 0x80;
      const unsigned char hi = k == 1 ? high : 0xbf;
      valid = byte >= lo && byte <= hi;
    }
    if (valid) {
      out->append(text.substr(i, length));
      i += length;
    } else {
      out->append("\xEF\xBF\xBD");
      ++i;
    }
  }
}

// "message (type T, code C)" from an error frame or body.
std::string DescribeError(const StreamChunk& chunk) {
  std::string text(chunk.error_message.empty() ? std::string_view("no error message")
                                               : chunk.error_message);
  if (!chunk.error_type.empty() || !chunk.error_code.empty()) {
    text += " (";
    if (!chunk.error_type.empty()) {
      text += "type ";
      text += chunk.error_type;
    }
    if (!chunk.error_code.empty()) {
      if (!chunk.error_type.empty()) text += ", ";
      text += "code ";
      text += chunk.error_code;
    }
    text += ')';
  }
  return text;
}

}  // namespace

ResponseExchange::ResponseExchange(bool streaming, ChunkDecoder* shared_decoder)
    : streaming_(streaming),
      http_(*this),
      sse_(*this),
      own_decoder_(shared_decoder ? nullptr : std::make_unique<ChunkDecoder>()),
      decoder_(shared_decoder ? shared_decoder : own_decoder_.get()) {}

void ResponseExchange::Reset(bool streaming, size_t expected_token_events, bool collect_text) {
  streaming_ = streaming;
  collect_text_ = collect_text;
  text_.clear();
  reasoning_.clear();
  http_.Reset();
  sse_.Reset();
  chunk_.Clear();
  progress_ = Progress::kNeedMore;
  mode_ = BodyMode::kNone;
  until_close_ = false;
  if (body_.capacity() > kKeptBodyCapacity) {
    std::string().swap(body_);
  } else {
    body_.clear();
  }
  response_bytes_ = 0;
  read_ns_ = 0;
  read_seq_ = 0;
  last_token_read_seq_ = 0;
  t_first_ns_ = t_second_ns_ = t_last_ns_ = t_done_ns_ = results::RequestRecord::kAbsent;
  saw_done_ = false;
  token_events_ = 0;
  same_read_gaps_ = 0;
  token_times_.clear();
  token_times_.reserve(std::min(expected_token_events, kMaxReservedTokenEvents));
  prompt_tokens_ = completion_tokens_ = cached_tokens_ = -1;
  finish_reason_.clear();
  http_status_ = 0;
  error_class_ = ErrorClass::kNone;
  error_message_.clear();
}

ResponseExchange::Progress ResponseExchange::Feed(std::string_view bytes, int64_t read_ns,
                                                  size_t* consumed) {
  *consumed = 0;
  if (progress_ != Progress::kNeedMore || bytes.empty()) return progress_;
  read_ns_ = read_ns;
  ++read_seq_;
  const HttpFeedResult result = http_.Feed(bytes);
  if (result.status == HttpParseStatus::kError) {
    *consumed = bytes.size();
    response_bytes_ += bytes.size();
    Fail(ErrorClass::kMalformed,
         std::string("malformed HTTP response: ") + std::string(http_.error()), read_ns);
    return progress_;
  }
  *consumed = result.consumed;
  response_bytes_ += result.consumed;
  if (progress_ != Progress::kNeedMore) return progress_;  // the body sink failed
  if (result.status == HttpParseStatus::kMessageComplete) {
    CompleteBody(read_ns);
  } else if (mode_ == BodyMode::kEvents && until_close_ && saw_done_) {
    // Nothing frames this body but `[DONE]` ends the stream: done, and the connection is spent.
    progress_ = Progress::kComplete;
  }
  return progress_;
}

ResponseExchange::Progress ResponseExchange::OnEof(int64_t ns, std::string_view reason) {
  if (progress_ != Progress::kNeedMore) return progress_;
  if (mode_ == BodyMode::kEvents && saw_done_) {
    // The stream said everything it had to; only the body's framing was cut.
    progress_ = Progress::kComplete;
    return progress_;
  }
  const HttpParseStatus status = http_.FeedEof();
  if (status == HttpParseStatus::kMessageComplete && mode_ != BodyMode::kEvents) {
    CompleteBody(ns);
    return progress_;
  }
  std::string message;
  if (!reason.empty()) {
    message += reason;
    message += " (";
  }
  if (response_bytes_ == 0) {
    message += "connection closed before any response byte";
  } else {
    message += mode_ == BodyMode::kEvents ? "connection closed before [DONE]"
                                          : "connection closed before the response ended";
    message += " after ";
    message += std::to_string(response_bytes_);
    message += " response bytes";
  }
  if (!reason.empty()) message += ')';
  Fail(ErrorClass::kDisconnect, message, ns);
  return progress_;
}

bool ResponseExchange::keep_alive() const {
  return progress_ == Progress::kComplete && http_.keep_alive();
}

void ResponseExchange::Finalize(results::RequestRecord* record, std::vector<int64_t>* token_times,
                                std::string* text, std::string* reasoning) {
  record->t_first_ns = t_first_ns_;
  record->t_second_ns = t_second_ns_;
  record->t_last_ns = t_last_ns_;
  record->t_done_ns = t_done_ns_;
  record->token_events = token_events_;
  record->same_read_gaps = same_read_gaps_;
  if (completion_tokens_ >= 0) {
    record->output_tokens = completion_tokens_;
    record->output_tokens_source = results::TokenCountSource::kUsage;
  } else {
    record->output_tokens = token_events_;
    record->output_tokens_source = results::TokenCountSource::kChunks;
  }
  if (prompt_tokens_ >= 0) record->input_tokens = prompt_tokens_;
  record->cached_tokens = cached_tokens_ >= 0 ? cached_tokens_ : results::RequestRecord::kAbsent;
  record->finish_reason = finish_reason_;
  record->http_status = http_status_;
  if (error_class_ != ErrorClass::kNone) {
    record->error_class = error_class_;
    record->error_message = error_message_;
  }
  token_times->clear();
  std::swap(*token_times, token_times_);
  if (text != nullptr) {
    text->clear();
    std::swap(*text, text_);
  }
  if (reasoning != nullptr) {
    reasoning->clear();
    std::swap(*reasoning, reasoning_);
  }
}

// --- parsing callbacks ---------------------------------------------------------------------------

void ResponseExchange::OnHead(const HttpResponseHead& head) {
  http_status_ = head.status_code;
  until_close_ = !head.chunked && head.content_length < 0 && head.status_code != 204 &&
                 head.status_code != 304;
  if (head.status_code >= 200 && head.status_code < 300) {
    // A server that answers a streaming request with plain JSON gets read as what it sent.
    const bool json_body = StartsWithIgnoreCase(head.content_type, "application/json");
    mode_ = streaming_ && !json_body ? BodyMode::kEvents : BodyMode::kWholeJson;
  } else {
    mode_ = BodyMode::kErrorBody;
  }
}

void ResponseExchange::OnBody(std::string_view bytes) {
  if (progress_ != Progress::kNeedMore) return;
  switch (mode_) {
    case BodyMode::kEvents:
      if (!sse_.Feed(bytes)) {
        Fail(ErrorClass::kMalformed,
             std::string("malformed event stream: ") + std::string(sse_.error()), read_ns_);
      }
      break;
    case BodyMode::kWholeJson:
      if (body_.size() + bytes.size() > kMaxBodyBytes) {
        Fail(ErrorClass::kMalformed,
             "response body larger than " + std::to_string(kMaxBodyBytes >> 20) + " MiB", read_ns_);
      } else {
        body_.append(bytes);
      }
      break;
    case BodyMode::kErrorBody:
      if (body_.size() < kMaxErrorBodyBytes) {
        body_.append(bytes.substr(0, kMaxErrorBodyBytes - body_.size()));
      }
      break;
    case BodyMode::kNone:
      break;
  }
}

void ResponseExchange::OnEvent(const SseEvent& event) {
  if (saw_done_) return;
  if (event.done) {
    saw_done_ = true;
    t_done_ns_ = read_ns_;
    return;
  }
  if (error_class_ != ErrorClass::kNone || event.data.empty()) return;
  const Status status = decoder_->ParseStreamChunk(event.data, &chunk_);
  if (!status.ok()) {
    SetError(ErrorClass::kMalformed, "malformed stream event: " + status.message());
    return;
  }
  if (chunk_.is_error) {
    SetError(ErrorClass::kStreamError, DescribeError(chunk_));
    return;
  }
  if (event.type == "error") {
    SetError(ErrorClass::kStreamError, "error event: " + QuoteBody(event.data));
    return;
  }
  if (chunk_.token_carrying()) {
    RecordTokenEvent(read_ns_);
    if (collect_text_) CollectText();
  }
  TakeChunkMetadata();
}

void ResponseExchange::RecordTokenEvent(int64_t ns) {
  if (token_events_ == 0) {
    t_first_ns_ = ns;
  } else {
    if (t_second_ns_ == results::RequestRecord::kAbsent) t_second_ns_ = ns;
    if (last_token_read_seq_ == read_seq_) ++same_read_gaps_;
  }
  t_last_ns_ = ns;
  last_token_read_seq_ = read_seq_;
  ++token_events_;
  token_times_.push_back(ns);
}

void ResponseExchange::CollectText() {
  for (const ChoiceUpdate& choice : chunk_.choices) {
    text_.append(choice.content);
    reasoning_.append(choice.reasoning);
  }
}

void ResponseExchange::TakeChunkMetadata() {
  for (const ChoiceUpdate& choice : chunk_.choices) {
    if (choice.has_finish_reason && !choice.finish_reason.empty()) {
      finish_reason_.assign(choice.finish_reason);
    }
  }
  const TokenUsage& usage = chunk_.usage;
  if (!usage.present) return;
  // With continuous usage stats every chunk carries running totals: the last one wins.
  if (usage.prompt_tokens >= 0) prompt_tokens_ = usage.prompt_tokens;
  if (usage.completion_tokens >= 0) completion_tokens_ = usage.completion_tokens;
  if (usage.cached_tokens >= 0) cached_tokens_ = usage.cached_tokens;
}

// --- ending --------------------------------------------------------------------------------------

void ResponseExchange::CompleteBody(int64_t ns) {
  switch (mode_) {
    case BodyMode::kEvents:
      break;
    case BodyMode::kWholeJson:
      CompleteWholeJson(ns);
      break;
    case BodyMode::kErrorBody:
      CompleteErrorBody();
      break;
    case BodyMode::kNone:
      break;
  }
  if (t_done_ns_ == results::RequestRecord::kAbsent) t_done_ns_ = ns;
  progress_ = Progress::kComplete;
}

void ResponseExchange::CompleteWholeJson(int64_t ns) {
  const Status status = decoder_->ParseResponseBody(body_, &chunk_);
  if (!status.ok()) {
    SetError(ErrorClass::kMalformed, "malformed response body: " + status.message());
    return;
  }
  if (chunk_.is_error) {
    SetError(ErrorClass::kStreamError, DescribeError(chunk_));
    return;
  }
  if (chunk_.token_carrying()) {
    RecordTokenEvent(ns);
    if (collect_text_) CollectText();
  }
  TakeChunkMetadata();
}

void ResponseExchange::CompleteErrorBody() {
  std::string message = "HTTP " + std::to_string(http_status_);
  const std::string_view reason = http_.head().reason;
  if (!reason.empty()) {
    message += ' ';
    message += reason;
  }
  if (http_status_ >= 300 && http_status_ < 400) message += " (redirects are not followed)";
  std::string detail;
  if (!body_.empty() && decoder_->ParseResponseBody(body_, &chunk_).ok() && chunk_.is_error) {
    detail = DescribeError(chunk_);
  } else {
    detail = QuoteBody(body_);
  }
  if (!detail.empty()) {
    message += ": ";
    message += detail;
  }
  SetError(http_status_ >= 500 ? ErrorClass::kHttp5xx : ErrorClass::kHttp4xx, message);
}

void ResponseExchange::SetError(ErrorClass error_class, std::string_view message) {
  if (error_class_ != ErrorClass::kNone) return;
  error_class_ = error_class;
  error_message_.clear();
  AppendValidUtf8(message, &error_message_);
}

void ResponseExchange::Fail(ErrorClass error_class, std::string_view message, int64_t ns) {
  SetError(error_class, message);
  if (t_done_ns_ == results::RequestRecord::kAbsent) t_done_ns_ = ns;
  progress_ = Progress::kFailed;
}

}  // namespace inferbench::client
