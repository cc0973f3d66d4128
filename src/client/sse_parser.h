// SseParser: an incremental text/event-stream parser (WHATWG HTML "Server-sent events",
// §9.2.6 "Interpreting an event stream"), fed the decoded body pieces of one response.
//
// Lines end with LF, CRLF or CR; a CR ending one feed and an LF starting the next are a single
// line ending. `data:` lines accumulate (joined with "\n"), `event:`, `id:` and `retry:` are
// kept, lines starting with ':' are comments, a blank line dispatches the event. A leading
// UTF-8 byte-order mark is skipped.
//
// Zero copy on the common path: an event whose only data line lies inside one feed is handed
// out as a view into that feed. Data is copied into an internal buffer (capacity kept across
// events, so no allocation per event in steady state) only when the event spans feeds or has
// several data lines.
//
// Not thread-safe; one parser per response stream.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace inferbench::client {

struct SseEvent {
  std::string_view data;  // data lines joined with "\n" (may be empty: `data:` alone)
  std::string_view type;  // the `event:` field; empty means the default "message"
  std::string_view id;    // last event id seen on the stream (it persists across events)
  bool done = false;      // data is exactly "[DONE]" (OpenAI end-of-stream sentinel)
};

class SseEventSink {
 public:
  virtual ~SseEventSink() = default;
  // Views in `event` are valid only during the call.
  virtual void OnEvent(const SseEvent& event) = 0;
};

class SseParser {
 public:
  static constexpr size_t kDefaultMaxEventBytes = 1 << 20;

  // REQUIRES: sink outlives the parser. `max_event_bytes` bounds one event's data and any one
  // line; exceeding it is an error (a stream that never ends its event cannot grow memory).
  explicit SseParser(SseEventSink& sink, size_t max_event_bytes = kDefaultMaxEventBytes)
      : sink_(&sink), max_event_bytes_(max_event_bytes) {}

  // Parses `bytes` and dispatches every event completed by them, in order, before returning.
  // `bytes` need only live for the call. Returns false (and ignores the rest) once failed.
  bool Feed(std::string_view bytes);

  // Prepares for a new stream. Keeps buffer capacity.
  void Reset();

  bool failed() const { return failed_; }
  // Static text; REQUIRES: failed().
  std::string_view error() const { return error_; }
  // Bytes of an event that was never terminated by a blank line (the spec discards it at the end
  // of the stream; callers may want to know that the stream was cut short). False once failed.
  bool has_partial_event() const;
  uint64_t events_dispatched() const { return events_dispatched_; }
  // The last valid `retry:` value in milliseconds, or -1.
  int64_t retry_ms() const { return retry_ms_; }

 private:
  void ProcessLine(std::string_view line, bool line_is_buffered);
  void AppendData(std::string_view value, bool line_is_buffered);
  void Dispatch();
  bool AppendPartialLine(std::string_view piece);
  void Fail(const char* reason);

  SseEventSink* sink_;
  size_t max_event_bytes_;
  std::string line_buf_;        // a line cut by the end of a feed
  std::string data_buf_;        // data of the pending event once it had to be copied
  std::string_view data_view_;  // data of the pending event while it is one in-feed line
  size_t data_lines_ = 0;
  bool data_buffered_ = false;  // pending data lives in data_buf_, not data_view_
  std::string event_type_;
  std::string last_event_id_;
  int64_t retry_ms_ = -1;
  uint64_t events_dispatched_ = 0;
  int bom_matched_ = 0;  // bytes of a leading BOM seen so far
  bool bom_checked_ = false;
  bool pending_cr_ = false;  // previous feed ended with CR: skip one LF at the next start
  bool failed_ = false;
  const char* error_ = "";
};

}  // namespace inferbench::client
