// HttpStreamReader and SseCounter: sim_load's reading side. They de-frame HTTP/1.1 responses
// (chunked or Content-Length) on a keep-alive connection and count SSE token events, robust to
// any split of the bytes across reads. Deliberately independent of src/client, so the simulator
// is measured with code that does not share its assumptions with the client under test.
// Not thread-safe; one instance of each per connection.
#pragma once

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace inferbench::bench {

// Counts SSE events in a de-chunked text/event-stream body, robust to any split across reads.
// Events end with a blank line ("\n\n", as vLLM and the simulator send them). A token event is a
// `data: {…}` frame whose JSON has a non-empty "text" (completions) or "content" (chat); `[DONE]`
// is counted apart. Complete events are examined in place; only an event cut by the end of a
// piece is copied (into `pending_`, whose capacity is kept).
class SseCounter {
 public:
  // Returns the number of token events completed by `bytes`.
  uint64_t Feed(std::string_view bytes) {
    uint64_t before = token_events_;
    if (!pending_.empty()) {
      // Complete the event cut by the previous piece; its "\n\n" may itself be split.
      size_t take;  // bytes of this piece that belong to the cut event, its terminator included
      if (pending_.back() == '\n' && !bytes.empty() && bytes.front() == '\n') {
        pending_.pop_back();
        take = 1;
      } else {
        size_t end = bytes.find("\n\n");
        if (end == std::string_view::npos) {
          if (pending_.size() + bytes.size() > kMaxEvent) {
            pending_.clear();  // an absurd event: drop it rather than grow without bound
          } else {
            pending_.append(bytes.data(), bytes.size());
          }
          return 0;
        }
        pending_.append(bytes.data(), end);
        take = end + 2;
      }
      Examine(pending_);
      pending_.clear();
      bytes.remove_prefix(take);
    }
    while (!bytes.empty()) {
      size_t end = bytes.find("\n\n");
      if (end == std::string_view::npos) {
        pending_.assign(bytes.data(), bytes.size());
        break;
      }
      Examine(bytes.substr(0, end));
      bytes.remove_prefix(end + 2);
    }
    return token_events_ - before;
  }

  void Reset() { pending_.clear(); }
  uint64_t token_events() const { return token_events_; }
  uint64_t json_frames() const { return json_frames_; }
  uint64_t done_frames() const { return done_frames_; }

 private:
  static constexpr size_t kMaxEvent = 1 << 20;

  void Examine(std::string_view event) {
    // Skip blank lines left by a previous event's extra line endings.
    while (!event.empty() && (event.front() == '\n' || event.front() == '\r')) {
      event.remove_prefix(1);
    }
    if (event.rfind("data: [DONE]", 0) == 0) {
      ++done_frames_;
      return;
    }
    if (event.rfind("data: {", 0) != 0) return;
    ++json_frames_;
    if (HasNonEmptyString(event, "\"text\":\"") || HasNonEmptyString(event, "\"content\":\"")) {
      ++token_events_;
    }
  }

  static bool HasNonEmptyString(std::string_view event, std::string_view key) {
    size_t at = event.find(key);
    return at != std::string_view::npos && at + key.size() < event.size() &&
           event[at + key.size()] != '"';
  }

  std::string pending_;
  uint64_t token_events_ = 0;
  uint64_t json_frames_ = 0;
  uint64_t done_frames_ = 0;
};

// Reads one HTTP/1.1 response after another from a keep-alive connection: the head, then a
// chunked or Content-Length body whose de-framed bytes go to an SseCounter (status 200) or to a
// short error excerpt (any other status).
class HttpStreamReader {
 public:
  enum class State { kMore, kComplete, kError };

  // Consumes bytes of the current response. On kComplete, *consumed tells how many belonged to it.
  State Feed(std::string_view bytes, size_t* consumed, SseCounter& counter) {
    const size_t total = bytes.size();
    while (!bytes.empty() && phase_ != Phase::kDone) {
      switch (phase_) {
        case Phase::kHead: {
          size_t old = head_.size();
          size_t take = std::min(bytes.size(), kMaxHead + 4 - old);
          head_.append(bytes.data(), take);
          size_t end = head_.find("\r\n\r\n", old >= 3 ? old - 3 : 0);
          if (end == std::string::npos) {
            if (head_.size() >= kMaxHead) return Fail("response head too long");
            bytes.remove_prefix(take);
            break;
          }
          bytes.remove_prefix(end + 4 - old);
          head_.resize(end + 2);
          if (!ParseHead()) return State::kError;
          break;
        }
        case Phase::kLengthBody:
        case Phase::kChunkData: {
          size_t n = static_cast<size_t>(std::min<uint64_t>(remaining_, bytes.size()));
          Deliver(bytes.substr(0, n), counter);
          bytes.remove_prefix(n);
          remaining_ -= n;
          if (remaining_ == 0) {
            phase_ = phase_ == Phase::kLengthBody ? Phase::kDone : Phase::kChunkDataEnd;
          }
          break;
        }
        default: {
          char c = bytes.front();
          bytes.remove_prefix(1);
          if (!ChunkFramingByte(c)) return State::kError;
          break;
        }
      }
    }
    if (phase_ == Phase::kDone) {
      *consumed = total - bytes.size();
      return State::kComplete;
    }
    return State::kMore;
  }

  void Reset() {
    phase_ = Phase::kHead;
    head_.clear();
    status_code_ = 0;
    remaining_ = 0;
    error_body_.clear();
  }

  int status_code() const { return status_code_; }
  const std::string& error_body() const { return error_body_; }
  const char* error() const { return error_; }

 private:
  enum class Phase {
    kHead,
    kLengthBody,
    kChunkSize,
    kChunkExt,
    kChunkData,
    kChunkDataEnd,
    kTrailer,
    kDone
  };
  static constexpr size_t kMaxHead = 16 * 1024;

  State Fail(const char* why) {
    error_ = why;
    return State::kError;
  }
  bool Reject(const char* why) {
    error_ = why;
    return false;
  }

  void Deliver(std::string_view body, SseCounter& counter) {
    if (status_code_ == 200) {
      counter.Feed(body);
    } else if (error_body_.size() < 300) {
      error_body_.append(body.substr(0, 300 - error_body_.size()));
    }
  }

  static bool HeaderIs(std::string_view line, std::string_view name) {
    if (line.size() <= name.size() || line[name.size()] != ':') return false;
    for (size_t i = 0; i < name.size(); ++i) {
      if (std::tolower(static_cast<unsigned char>(line[i])) != name[i]) return false;
    }
    return true;
  }

  bool ParseHead() {
    std::string_view head = head_;
    if (head.rfind("HTTP/1.", 0) != 0 || head.size() < 12)
      return Reject("not an HTTP/1.x response");
    status_code_ = std::atoi(std::string(head.substr(9, 3)).c_str());
    if (status_code_ >= 100 && status_code_ < 200) {  // interim response: wait for the next head
      head_.clear();
      return true;
    }
    bool chunked = false;
    int64_t length = -1;
    size_t pos = head.find("\r\n");
    while (pos != std::string_view::npos && pos + 2 < head.size()) {
      size_t next = head.find("\r\n", pos + 2);
      std::string_view line = head.substr(pos + 2, next - pos - 2);
      if (HeaderIs(line, "transfer-encoding")) {
        chunked = line.find("chunked") != std::string_view::npos;
      } else if (HeaderIs(line, "content-length")) {
        length = std::strtoll(std::string(line.substr(15)).c_str(), nullptr, 10);
      }
      pos = next;
    }
    if (chunked) {
      phase_ = Phase::kChunkSize;
      remaining_ = 0;
    } else if (length > 0) {
      phase_ = Phase::kLengthBody;
      remaining_ = static_cast<uint64_t>(length);
    } else if (length == 0) {
      phase_ = Phase::kDone;
    } else {
      return Reject("response without chunked framing or Content-Length");
    }
    return true;
  }

  // One byte of chunk-size line, chunk-data terminator or trailer.
  bool ChunkFramingByte(char c) {
    switch (phase_) {
      case Phase::kChunkSize: {
        int digit = HexDigit(c);
        if (digit >= 0) {
          if (remaining_ > (uint64_t{1} << 40)) return Reject("chunk size too large");
          remaining_ = remaining_ * 16 + static_cast<uint64_t>(digit);
          return true;
        }
        if (c == '\n') return EndSizeLine();
        if (c == ';' || c == ' ' || c == '\t' || c == '\r') {
          phase_ = Phase::kChunkExt;
          return true;
        }
        return Reject("bad chunk-size line");
      }
      case Phase::kChunkExt:
        return c == '\n' ? EndSizeLine() : true;
      case Phase::kChunkDataEnd:
        if (c == '\r') return true;
        if (c == '\n') {
          phase_ = Phase::kChunkSize;
          remaining_ = 0;
          return true;
        }
        return Reject("chunk data not followed by CRLF");
      case Phase::kTrailer:
        if (c == '\r') return true;
        if (c == '\n') {
          if (trailer_line_ == 0) phase_ = Phase::kDone;
          trailer_line_ = 0;
          return true;
        }
        ++trailer_line_;
        return true;
      default:
        return Reject("internal: unexpected phase");
    }
  }

  bool EndSizeLine() {
    if (remaining_ == 0) {
      phase_ = Phase::kTrailer;
      trailer_line_ = 0;
    } else {
      phase_ = Phase::kChunkData;
    }
    return true;
  }

  static int HexDigit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  Phase phase_ = Phase::kHead;
  std::string head_;
  int status_code_ = 0;
  uint64_t remaining_ = 0;
  size_t trailer_line_ = 0;
  std::string error_body_;
  const char* error_ = "";
};

}  // namespace inferbench::bench
