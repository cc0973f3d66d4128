#include "client/sse_parser.h"

#include <algorithm>
#include <cstring>

namespace inferbench::client {
namespace {

constexpr char kBom[] = "\xEF\xBB\xBF";
constexpr int kBomBytes = 3;

// Position of the first byte `c` at or after `from`, or `end`.
size_t FindByte(std::string_view bytes, size_t from, char c) {
  const void* hit = std::memchr(bytes.data() + from, c, bytes.size() - from);
  return hit == nullptr ? bytes.size()
                        : static_cast<size_t>(static_cast<const char*>(hit) - bytes.data());
}

}  // namespace

bool SseParser::Feed(std::string_view bytes) {
  if (failed_) return false;
  const size_t n = bytes.size();
  size_t pos = 0;

  if (!bom_checked_) {
    while (pos < n && bom_matched_ < kBomBytes && bytes[pos] == kBom[bom_matched_]) {
      ++pos;
      ++bom_matched_;
    }
    if (bom_matched_ == kBomBytes) {
      bom_checked_ = true;
    } else if (pos < n) {
      bom_checked_ = true;
      line_buf_.assign(kBom, static_cast<size_t>(bom_matched_));  // not a BOM: ordinary bytes
    } else {
      return true;  // a BOM prefix so far; decide on the next feed
    }
  }

  if (pending_cr_ && pos < n) {
    pending_cr_ = false;
    if (bytes[pos] == '\n') ++pos;
  }

  // Next LF and CR positions, each searched once per occurrence so that a feed costs O(n) even
  // when one kind of line ending is absent.
  constexpr size_t kUnknown = std::string_view::npos;
  size_t next_lf = kUnknown;
  size_t next_cr = kUnknown;
  while (pos < n) {
    if (next_lf == kUnknown || next_lf < pos) next_lf = FindByte(bytes, pos, '\n');
    if (next_cr == kUnknown || next_cr < pos) next_cr = FindByte(bytes, pos, '\r');
    size_t end = std::min(next_lf, next_cr);
    if (end == n) {
      if (!AppendPartialLine(bytes.substr(pos))) return false;
      break;
    }
    bool buffered = !line_buf_.empty();
    std::string_view line = bytes.substr(pos, end - pos);
    if (buffered) {
      if (!AppendPartialLine(line)) return false;
      line = line_buf_;
    } else if (line.size() > max_event_bytes_) {
      // The same limit as for a line cut by a feed boundary, so that the outcome of a stream
      // never depends on how it was split into reads.
      Fail("SSE line longer than the event size limit");
      return false;
    }
    pos = end + 1;
    if (bytes[end] == '\r') {
      if (pos < n) {
        if (bytes[pos] == '\n') ++pos;
      } else {
        pending_cr_ = true;
      }
    }
    ProcessLine(line, buffered);
    if (buffered) line_buf_.clear();
    if (failed_) return false;
  }

  // The feed's memory goes away after we return: keep a pending event's data.
  if (data_lines_ > 0 && !data_buffered_) {
    data_buf_.assign(data_view_);
    data_view_ = {};
    data_buffered_ = true;
  }
  return true;
}

void SseParser::Reset() {
  line_buf_.clear();
  data_buf_.clear();
  data_view_ = {};
  data_lines_ = 0;
  data_buffered_ = false;
  event_type_.clear();
  last_event_id_.clear();
  retry_ms_ = -1;
  events_dispatched_ = 0;
  bom_matched_ = 0;
  bom_checked_ = false;
  pending_cr_ = false;
  failed_ = false;
  error_ = "";
}

bool SseParser::has_partial_event() const {
  return data_lines_ > 0 || !line_buf_.empty() || !event_type_.empty();
}

void SseParser::Fail(const char* reason) {
  failed_ = true;
  error_ = reason;
  // Drop the pending event so that the state after a failure does not depend on where the
  // stream was split. Callers that still view line_buf_ return right after Fail.
  line_buf_.clear();
  data_buf_.clear();
  data_view_ = {};
  data_lines_ = 0;
  data_buffered_ = false;
  event_type_.clear();
}

bool SseParser::AppendPartialLine(std::string_view piece) {
  if (line_buf_.size() + piece.size() > max_event_bytes_) {
    Fail("SSE line longer than the event size limit");
    return false;
  }
  line_buf_.append(piece);
  return true;
}

void SseParser::ProcessLine(std::string_view line, bool line_is_buffered) {
  if (line.empty()) {
    Dispatch();
    return;
  }
  if (line.front() == ':') return;  // comment (keep-alive pings)
  std::string_view field = line;
  std::string_view value;
  size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    field = line.substr(0, colon);
    value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  if (field == "data") {
    AppendData(value, line_is_buffered);
  } else if (field == "event") {
    event_type_.assign(value);
  } else if (field == "id") {
    if (value.find('\0') == std::string_view::npos) last_event_id_.assign(value);
  } else if (field == "retry") {
    if (value.empty() || value.size() > 15) return;
    int64_t ms = 0;
    for (char c : value) {
      if (c < '0' || c > '9') return;
      ms = ms * 10 + (c - '0');
    }
    retry_ms_ = ms;
  }
  // Any other field is ignored, as the spec requires.
}

void SseParser::AppendData(std::string_view value, bool line_is_buffered) {
  if (data_lines_ == 0 && !line_is_buffered) {
    data_view_ = value;  // zero-copy case: one data line inside the current feed
    data_buffered_ = false;
  } else {
    if (!data_buffered_) {
      data_buf_.assign(data_view_);
      data_view_ = {};
      data_buffered_ = true;
    }
    if (data_lines_ > 0) data_buf_.push_back('\n');
    data_buf_.append(value);
  }
  ++data_lines_;
  size_t size = data_buffered_ ? data_buf_.size() : data_view_.size();
  if (size > max_event_bytes_) Fail("SSE event larger than the event size limit");
}

void SseParser::Dispatch() {
  if (data_lines_ > 0) {
    SseEvent event;
    event.data = data_buffered_ ? std::string_view(data_buf_) : data_view_;
    event.type = event_type_;
    event.id = last_event_id_;
    event.done = event.data == "[DONE]";
    ++events_dispatched_;
    sink_->OnEvent(event);
  }
  data_lines_ = 0;
  data_buffered_ = false;
  data_view_ = {};
  data_buf_.clear();
  event_type_.clear();
}

}  // namespace inferbench::client
