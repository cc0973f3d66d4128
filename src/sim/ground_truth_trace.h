// GroundTruthTrace: the simulator's `--trace-file`, the server-side truth of when each request
// arrived and each of its tokens left, so tests can measure the client's measurement error
// exactly (DESIGN.md §8).
//
// Format (JSON Lines, UTF-8, one object per line; schema "inferbench.sim-trace/v1"):
//   line 1, the clock anchor, one (steady, system) pair taken back to back at open:
//     {"type":"anchor","steady_ns":N,"system_ns":N,"schema":"inferbench.sim-trace/v1"}
//   then one line per finished request (completed, errored or aborted), in finishing order:
//     {"type":"request","request_id":"cmpl-…","arrival_ns":N,"first_token_ns":N|null,
//      "token_ns":[N,…],"finish_ns":N,"finish_reason":"stop"|"length"|"abort"|"error",
//      "prompt_tokens":N,"completion_tokens":N,"status":N}
//   - every *_ns is the server's std::chrono::steady_clock in nanoseconds (same clock as the
//     anchor's steady_ns; system time = system_ns + (t - steady_ns));
//   - arrival_ns: the request was fully read; token_ns: the moment each token's SSE frame was
//     handed to the socket, first token included (token_ns[0] == first_token_ns; empty and
//     first_token_ns null when no token was sent); finish_ns: the response ended;
//   - status: the HTTP status answered (200 for a stream, even one aborted later).
// Readers must ignore unknown fields and unknown "type" values (later versions may add some).
//
// Durability: lines are buffered and written when the oldest unwritten line is a second old (at
// the next Append), when the buffer passes 1 MiB, on Flush() — the server calls it from a
// periodic timer — and on destruction, so a clean shutdown never loses a line.
// Not thread-safe: one thread (the simulator's loop) calls everything.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/status.h"

namespace inferbench::sim {

inline constexpr const char* kSimTraceSchema = "inferbench.sim-trace/v1";

struct TraceRecord {
  std::string request_id;
  int64_t arrival_ns = 0;
  std::vector<int64_t> token_ns;  // first token first
  int64_t finish_ns = 0;
  std::string finish_reason;
  int prompt_tokens = 0;
  int completion_tokens = 0;
  int status = 200;
};

class GroundTruthTrace {
 public:
  // Creates (truncates) `path` and writes the anchor line taken now.
  static Result<std::unique_ptr<GroundTruthTrace>> Open(const std::string& path);
  // For tests: a given anchor, and `clock` (which must outlive the trace) for the flush policy.
  static Result<std::unique_ptr<GroundTruthTrace>> Open(const std::string& path,
                                                        const ClockAnchor& anchor,
                                                        const Clock& clock);
  ~GroundTruthTrace();  // flushes
  GroundTruthTrace(const GroundTruthTrace&) = delete;
  GroundTruthTrace& operator=(const GroundTruthTrace&) = delete;

  // Buffers one request line (and writes the buffer if the flush policy says so).
  void Append(const TraceRecord& record);
  // Writes buffered lines to the file. Returns the first write error seen so far, if any.
  Status Flush();

  const std::string& path() const { return path_; }
  size_t lines_written() const { return lines_written_; }

 private:
  GroundTruthTrace(std::string path, std::FILE* file, const Clock& clock);

  std::string path_;
  std::FILE* file_;
  const Clock& clock_;
  std::string buffer_;
  size_t buffered_lines_ = 0;
  size_t lines_written_ = 0;
  int64_t oldest_buffered_ns_ = 0;
  Status error_;
};

// Renders one request line (without the trailing newline).
std::string FormatTraceRecord(const TraceRecord& record);

// Reads a trace file back (tests and tools): the anchor and every request line.
struct GroundTruthTraceContents {
  ClockAnchor anchor;
  std::vector<TraceRecord> records;
};
Result<GroundTruthTraceContents> ReadGroundTruthTrace(const std::string& path);

}  // namespace inferbench::sim
