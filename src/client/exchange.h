// ResponseExchange: reads one HTTP response to one OpenAI-compatible request and turns it into
// the measured fields of a results::RequestRecord (DESIGN.md §4) plus the arrival time of every
// token-carrying event.
//
// The caller feeds it each read of the connection with the ONE timestamp taken for that read;
// every SSE event parsed from a read gets that read's time. Bytes flow
//   read ──► HttpResponseParser ──► SseParser ──► ChunkDecoder (streaming 2xx)
//                               └─► whole body ──► ChunkDecoder (--no-stream, error statuses)
// without copies on the common path and without allocating per event once the buffers have
// grown (an instance is meant to be Reset and reused for every request of a connection).
//
// What is measured:
//   t_first / t_second / t_last  reads carrying the 1st, 2nd and last token-carrying event (a
//                                role-only chunk, a finish_reason-only chunk and the usage chunk
//                                are not token-carrying)
//   t_done                       the read with `[DONE]`, else the one that ended the body; for a
//                                failed exchange the time it failed
//   token_events, same_read_gaps token-carrying events; gaps between two of them parsed from the
//                                same read
//   output_tokens                usage.completion_tokens (source usage), else token_events
//                                (source chunks); input_tokens and cached_tokens from usage
//   finish_reason, http_status   as sent (the last finish_reason seen)
// Non-streaming (a JSON body, also when a streaming request gets application/json back): one
// "event" when the body completes, t_first = t_last = t_done = the read that completed it
// (t_first/t_last stay absent when the body carries no generated output).
//
// Error classes decided here (the caller decides timeout and cancelled):
//   http_4xx / http_5xx  non-2xx status (3xx counts as http_4xx: redirects are not followed);
//                        the message quotes the error JSON's message, else the body's start
//   stream_error         an `{"error": …}` event (or one of type `error`), or a 2xx JSON body
//                        that is an error object
//   malformed            event or body JSON that does not parse, a malformed HTTP response or
//                        event stream, a body beyond kMaxBodyBytes
//   disconnect           the connection closed before `[DONE]` or the end of the body
// The first error wins; events after it are consumed (so the connection can be reused) but not
// measured.
//
// Not thread-safe: the connection's loop thread only.
#pragma once

#include <memory>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "client/http_response_parser.h"
#include "client/sse_parser.h"
#include "client/stream_chunk.h"
#include "results/request_record.h"

namespace inferbench::client {

class ResponseExchange final : private HttpResponseSink, private SseEventSink {
 public:
  enum class Progress {
    kNeedMore,  // the response has not ended: feed the next read
    kComplete,  // the response ended (whatever its status or error class); see keep_alive()
    kFailed,    // reading stopped inside the response: the connection must be closed
  };

  // Bodies of non-streaming and error responses are held whole; beyond this they are malformed
  // (error bodies are only truncated).
  static constexpr size_t kMaxBodyBytes = 64u << 20;
  static constexpr size_t kMaxErrorBodyBytes = 64u << 10;

  // `streaming`: the request asked for an SSE stream (stream: true).
  // `shared_decoder`: a JSON decoder owned by the caller and shared by every exchange on one
  // thread (parsing is synchronous, so one parser and its buffers serve a whole connection pool);
  // null: the exchange owns one. REQUIRES: a shared decoder outlives the exchange.
  explicit ResponseExchange(bool streaming, ChunkDecoder* shared_decoder = nullptr);
  ResponseExchange(const ResponseExchange&) = delete;
  ResponseExchange& operator=(const ResponseExchange&) = delete;

  // Prepares for the next request; keeps every buffer's capacity. `expected_token_events`
  // reserves room for the token times (e.g. max_tokens) so a stream does not grow them.
  // `collect_text`: keep the generated text (content, and reasoning separately) for
  // Finalize's text outputs; off, nothing is copied.
  void Reset(bool streaming, size_t expected_token_events = 0, bool collect_text = false);

  // Feeds one read, stamped `read_ns` (REQUIRES: not decreasing from call to call). Sets
  // *consumed to the bytes that belong to this response: less than bytes.size() only when the
  // response ended inside this read (the rest belongs to whatever follows on the connection).
  // Once complete or failed, further calls consume nothing and return the same progress.
  Progress Feed(std::string_view bytes, int64_t read_ns, size_t* consumed);

  // The connection closed at `ns`. Completes a response whose body runs until the close (or
  // whose `[DONE]` has arrived); otherwise the exchange becomes a disconnect, its message
  // naming `reason` (the transport's error, if any) and how many bytes had arrived.
  Progress OnEof(int64_t ns, std::string_view reason = {});

  Progress progress() const { return progress_; }
  // Some response byte has arrived (a request that failed before any may be retried).
  bool any_byte_received() const { return response_bytes_ > 0; }
  uint64_t response_bytes() const { return response_bytes_; }
  // The connection can carry the next request: the response completed with framing intact and
  // neither side asked to close.
  bool keep_alive() const;

  // Writes the measured fields into *record: t_first_ns, t_second_ns, t_last_ns, t_done_ns,
  // token_events, same_read_gaps, output_tokens, output_tokens_source, cached_tokens,
  // finish_reason, http_status, and error_class / error_message when an error was found;
  // input_tokens only when usage carried prompt_tokens (otherwise the caller's value stays).
  // Other fields (ids, t_send_ns, requested lengths, retries) are the caller's. *token_times
  // receives every token-carrying event's read time (its old content is dropped). May be called
  // before the response ended (timeout, cancellation) to keep what was measured so far; then
  // the caller sets the error class. Call once per request; Reset before the next.
  // With collect_text (Reset), *text receives the generated content (chat delta.content or
  // message.content, completions text) of every choice in arrival order and *reasoning the
  // reasoning text; both are cleared otherwise. Either may be null.
  void Finalize(results::RequestRecord* record, std::vector<int64_t>* token_times,
                std::string* text = nullptr, std::string* reasoning = nullptr);

 private:
  enum class BodyMode {
    kNone,       // no head yet
    kEvents,     // 2xx streaming: SSE
    kWholeJson,  // 2xx JSON body
    kErrorBody,  // non-2xx
  };

  // HttpResponseSink / SseEventSink.
  void OnHead(const HttpResponseHead& head) override;
  void OnBody(std::string_view bytes) override;
  void OnEvent(const SseEvent& event) override;

  void RecordTokenEvent(int64_t ns);
  void CollectText();
  void TakeChunkMetadata();
  // Ends the response at `ns` after its body completed.
  void CompleteBody(int64_t ns);
  void CompleteWholeJson(int64_t ns);
  void CompleteErrorBody();
  void SetError(results::ErrorClass error_class, std::string_view message);
  void Fail(results::ErrorClass error_class, std::string_view message, int64_t ns);

  bool streaming_;
  HttpResponseParser http_;
  SseParser sse_;
  std::unique_ptr<ChunkDecoder> own_decoder_;  // when no shared decoder was given
  ChunkDecoder* decoder_;
  StreamChunk chunk_;

  Progress progress_ = Progress::kNeedMore;
  BodyMode mode_ = BodyMode::kNone;
  bool until_close_ = false;  // the body has no framing: it ends when the connection closes
  bool body_failed_ = false;  // the sink hit a fatal problem inside the parser's Feed
  std::string body_;          // kWholeJson / kErrorBody bytes
  uint64_t response_bytes_ = 0;

  // The read being fed: its time and sequence number (to tell same-read gaps).
  int64_t read_ns_ = 0;
  uint64_t read_seq_ = 0;
  uint64_t last_token_read_seq_ = 0;

  int64_t t_first_ns_ = results::RequestRecord::kAbsent;
  int64_t t_second_ns_ = results::RequestRecord::kAbsent;
  int64_t t_last_ns_ = results::RequestRecord::kAbsent;
  int64_t t_done_ns_ = results::RequestRecord::kAbsent;
  bool saw_done_ = false;
  int64_t token_events_ = 0;
  int64_t same_read_gaps_ = 0;
  std::vector<int64_t> token_times_;
  bool collect_text_ = false;
  std::string text_;
  std::string reasoning_;
  int64_t prompt_tokens_ = -1;
  int64_t completion_tokens_ = -1;
  int64_t cached_tokens_ = -1;
  std::string finish_reason_;
  int64_t http_status_ = 0;
  results::ErrorClass error_class_ = results::ErrorClass::kNone;
  std::string error_message_;
};

}  // namespace inferbench::client
