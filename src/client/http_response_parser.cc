#include "client/http_response_parser.h"

#include <algorithm>
#include <cstring>

namespace inferbench::client {
namespace {

char LowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (LowerAscii(a[i]) != LowerAscii(b[i])) return false;
  }
  return true;
}

bool IsOws(char c) { return c == ' ' || c == '\t'; }

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && IsOws(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsOws(s.back())) s.remove_suffix(1);
  return s;
}

// RFC 9110 token characters (header field names).
bool IsTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::strchr("!#$%&'*+-.^_`|~", c) != nullptr && c != '\0';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Calls fn(token) for each non-empty element of a comma-separated header value.
template <typename Fn>
void ForEachListToken(std::string_view value, Fn fn) {
  while (!value.empty()) {
    size_t comma = value.find(',');
    std::string_view token = TrimOws(value.substr(0, comma));
    if (!token.empty()) fn(token);
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
}

// "HTTP/1.x SP 3DIGIT [SP reason]". Fills the head's version, status and reason.
bool ParseStatusLine(std::string_view line, HttpResponseHead* head) {
  constexpr std::string_view kPrefix = "HTTP/1.";
  if (line.size() < 12 || line.substr(0, kPrefix.size()) != kPrefix) return false;
  char minor = line[7];
  if ((minor != '0' && minor != '1') || line[8] != ' ') return false;
  int code = 0;
  for (size_t i = 9; i < 12; ++i) {
    if (line[i] < '0' || line[i] > '9') return false;
    code = code * 10 + (line[i] - '0');
  }
  if (code < 100 || code > 599) return false;
  std::string_view reason;
  if (line.size() > 12) {
    if (line[12] != ' ') return false;
    reason = line.substr(13);
  }
  head->version_minor = minor - '0';
  head->status_code = code;
  head->reason = reason;
  return true;
}

bool ParseContentLength(std::string_view value, int64_t* out) {
  if (value.empty() || value.size() > 18) return false;
  int64_t n = 0;
  for (char c : value) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + (c - '0');
  }
  *out = n;
  return true;
}

}  // namespace

std::string_view HttpResponseHead::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) return value;
  }
  return {};
}

HttpFeedResult HttpResponseParser::Feed(std::string_view bytes) {
  size_t pos = 0;
  while (pos < bytes.size()) {
    switch (phase_) {
      case Phase::kHead:
        ParseHeadBytes(bytes, &pos);
        break;
      case Phase::kBodyLength: {
        size_t n = static_cast<size_t>(std::min<uint64_t>(remaining_, bytes.size() - pos));
        DeliverBody(bytes.substr(pos, n));
        pos += n;
        remaining_ -= n;
        if (remaining_ == 0) phase_ = Phase::kDone;
        break;
      }
      case Phase::kBodyUntilClose:
        DeliverBody(bytes.substr(pos));
        pos = bytes.size();
        break;
      case Phase::kDone:
      case Phase::kFailed:
        status_ = CurrentStatus();
        return {status_, pos};
      default:
        ParseChunked(bytes, &pos);
        break;
    }
  }
  status_ = CurrentStatus();
  return {status_, pos};
}

HttpParseStatus HttpResponseParser::FeedEof() {
  switch (phase_) {
    case Phase::kBodyUntilClose:
      phase_ = Phase::kDone;
      break;
    case Phase::kDone:
    case Phase::kFailed:
      break;
    case Phase::kHead:
      Fail(head_buf_.empty() ? "connection closed before a response arrived"
                             : "connection closed inside the response head");
      break;
    default:
      Fail("connection closed before the end of the body");
      break;
  }
  status_ = CurrentStatus();
  return status_;
}

void HttpResponseParser::Reset() {
  phase_ = Phase::kHead;
  status_ = HttpParseStatus::kNeedMore;
  error_ = "";
  auto headers = std::move(head_.headers);
  headers.clear();
  head_ = HttpResponseHead();
  head_.headers = std::move(headers);
  head_buf_.clear();
  line_start_ = 0;
  remaining_ = 0;
  body_bytes_ = 0;
  chunk_line_bytes_ = 0;
  chunk_digits_ = 0;
  trailer_line_bytes_ = 0;
  trailer_bytes_ = 0;
  read_until_close_ = false;
}

bool HttpResponseParser::keep_alive() const {
  return phase_ == Phase::kDone && !head_.connection_close && !read_until_close_;
}

HttpParseStatus HttpResponseParser::CurrentStatus() const {
  switch (phase_) {
    case Phase::kHead:
      return HttpParseStatus::kNeedMore;
    case Phase::kDone:
      return HttpParseStatus::kMessageComplete;
    case Phase::kFailed:
      return HttpParseStatus::kError;
    default:
      return HttpParseStatus::kHeadersComplete;
  }
}

void HttpResponseParser::Fail(const char* reason) {
  phase_ = Phase::kFailed;
  status_ = HttpParseStatus::kError;
  error_ = reason;
}

void HttpResponseParser::DeliverBody(std::string_view bytes) {
  if (bytes.empty()) return;
  body_bytes_ += bytes.size();
  sink_->OnBody(bytes);
}

void HttpResponseParser::ParseHeadBytes(std::string_view bytes, size_t* pos) {
  constexpr std::string_view kPrefix = "HTTP/1.";
  while (*pos < bytes.size() && phase_ == Phase::kHead) {
    const char* start = bytes.data() + *pos;
    size_t avail = bytes.size() - *pos;
    const char* newline = static_cast<const char*>(std::memchr(start, '\n', avail));
    size_t take = newline != nullptr ? static_cast<size_t>(newline - start) + 1 : avail;
    if (head_buf_.size() + take > kMaxHeadBytes) {
      Fail("response head larger than 64 KiB");
      return;
    }
    head_buf_.append(start, take);
    *pos += take;
    if (newline == nullptr) {
      // Reject garbage early instead of buffering up to the head limit.
      if (line_start_ == 0 && head_buf_ != "\r") {
        size_t n = std::min(head_buf_.size(), kPrefix.size());
        if (std::string_view(head_buf_).substr(0, n) != kPrefix.substr(0, n)) {
          Fail("malformed status line");
        }
      }
      return;
    }
    std::string_view line(head_buf_.data() + line_start_, head_buf_.size() - line_start_ - 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line_start_ == 0) {
      if (line.empty()) {  // stray blank line before the status line (e.g. after a 1xx)
        head_buf_.clear();
        continue;
      }
      HttpResponseHead scratch;
      if (!ParseStatusLine(line, &scratch)) {
        Fail("malformed status line");
        return;
      }
    }
    if (line.empty()) {
      if (!ParseHead()) return;
      continue;  // a 1xx head was skipped, or the body phase has begun
    }
    line_start_ = head_buf_.size();
  }
}

bool HttpResponseParser::ParseHead() {
  std::string_view rest(head_buf_);
  auto next_line = [&rest]() {
    size_t newline = rest.find('\n');
    std::string_view line = rest.substr(0, newline);
    rest.remove_prefix(newline + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return line;
  };
  head_.headers.clear();
  if (!ParseStatusLine(next_line(), &head_)) {
    Fail("malformed status line");
    return false;
  }
  bool has_transfer_encoding = false;
  bool close_token = false;
  bool keep_alive_token = false;
  head_.content_length = -1;
  head_.content_type = {};
  head_.chunked = false;
  for (std::string_view line = next_line(); !line.empty(); line = next_line()) {
    if (IsOws(line.front())) {
      Fail("obsolete header line folding");
      return false;
    }
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      Fail("malformed header line");
      return false;
    }
    std::string_view name = line.substr(0, colon);
    for (char c : name) {
      if (!IsTokenChar(c)) {
        Fail("malformed header name");
        return false;
      }
    }
    std::string_view value = TrimOws(line.substr(colon + 1));
    head_.headers.emplace_back(name, value);
    if (EqualsIgnoreCase(name, "content-length")) {
      int64_t length = 0;
      if (!ParseContentLength(value, &length)) {
        Fail("invalid Content-Length");
        return false;
      }
      if (head_.content_length >= 0 && head_.content_length != length) {
        Fail("conflicting Content-Length headers");
        return false;
      }
      head_.content_length = length;
    } else if (EqualsIgnoreCase(name, "transfer-encoding")) {
      has_transfer_encoding = true;
      // Only the final coding decides the framing; a later header line overrides earlier ones.
      ForEachListToken(value, [this](std::string_view token) {
        head_.chunked = EqualsIgnoreCase(token, "chunked");
      });
    } else if (EqualsIgnoreCase(name, "connection")) {
      ForEachListToken(value, [&](std::string_view token) {
        if (EqualsIgnoreCase(token, "close")) close_token = true;
        if (EqualsIgnoreCase(token, "keep-alive")) keep_alive_token = true;
      });
    } else if (EqualsIgnoreCase(name, "content-type")) {
      head_.content_type = value;
    }
  }

  if (head_.status_code < 200) {
    if (head_.status_code == 101) {
      Fail("unexpected 101 Switching Protocols");
      return false;
    }
    // Interim response (100 Continue, 103 Early Hints): skip to the final one.
    head_buf_.clear();
    head_.headers.clear();
    line_start_ = 0;
    return true;
  }
  if (has_transfer_encoding) head_.content_length = -1;  // RFC 9112 §6.3: TE overrides CL
  head_.connection_close = close_token || (head_.version_minor == 0 && !keep_alive_token);
  sink_->OnHead(head_);

  if (head_.status_code == 204 || head_.status_code == 304) {
    phase_ = Phase::kDone;
  } else if (head_.chunked) {
    phase_ = Phase::kChunkSize;
  } else if (has_transfer_encoding || head_.content_length < 0) {
    phase_ = Phase::kBodyUntilClose;
    read_until_close_ = true;
  } else if (head_.content_length == 0) {
    phase_ = Phase::kDone;
  } else {
    remaining_ = static_cast<uint64_t>(head_.content_length);
    phase_ = Phase::kBodyLength;
  }
  return true;
}

void HttpResponseParser::ParseChunked(std::string_view bytes, size_t* pos) {
  auto end_size_line = [this]() {
    chunk_digits_ = 0;
    chunk_line_bytes_ = 0;
    phase_ = remaining_ == 0 ? Phase::kTrailer : Phase::kChunkData;
  };
  while (*pos < bytes.size()) {
    char c = bytes[*pos];
    switch (phase_) {
      case Phase::kChunkSize: {
        int digit = HexValue(c);
        if (digit >= 0) {
          if (chunk_digits_ == 15) {
            Fail("chunk size too large");
            return;
          }
          remaining_ = remaining_ * 16 + static_cast<uint64_t>(digit);
          ++chunk_digits_;
        } else if (chunk_digits_ == 0) {
          Fail("bad chunk size");
          return;
        } else if (c == ';' || IsOws(c)) {
          phase_ = Phase::kChunkExtension;
        } else if (c == '\r') {
          phase_ = Phase::kChunkSizeLf;
        } else if (c == '\n') {
          end_size_line();
        } else {
          Fail("bad chunk size");
          return;
        }
        ++*pos;
        break;
      }
      case Phase::kChunkExtension:
        if (c == '\r') {
          phase_ = Phase::kChunkSizeLf;
        } else if (c == '\n') {
          end_size_line();
        } else if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f) {
          Fail("bad chunk extension");
          return;
        } else if (++chunk_line_bytes_ > kMaxChunkLineBytes) {
          Fail("chunk extension too long");
          return;
        }
        ++*pos;
        break;
      case Phase::kChunkSizeLf:
        if (c != '\n') {
          Fail("bad chunk size line ending");
          return;
        }
        end_size_line();
        ++*pos;
        break;
      case Phase::kChunkData: {
        size_t n = static_cast<size_t>(std::min<uint64_t>(remaining_, bytes.size() - *pos));
        DeliverBody(bytes.substr(*pos, n));
        *pos += n;
        remaining_ -= n;
        if (remaining_ == 0) phase_ = Phase::kChunkDataCr;
        break;
      }
      case Phase::kChunkDataCr:
      case Phase::kChunkDataLf:
        if (c == '\r' && phase_ == Phase::kChunkDataCr) {
          phase_ = Phase::kChunkDataLf;
        } else if (c == '\n') {
          phase_ = Phase::kChunkSize;
        } else {
          Fail("missing CRLF after chunk data");
          return;
        }
        ++*pos;
        break;
      case Phase::kTrailer:
        if (++trailer_bytes_ > kMaxHeadBytes) {
          Fail("trailers larger than 64 KiB");
          return;
        }
        if (c == '\n') {
          if (trailer_line_bytes_ == 0) {
            phase_ = Phase::kDone;
            ++*pos;
            return;
          }
          trailer_line_bytes_ = 0;
        } else if (c != '\r') {
          ++trailer_line_bytes_;
        }
        ++*pos;
        break;
      default:
        return;
    }
  }
}

}  // namespace inferbench::client
