// libFuzzer target: the client's whole read path, HttpResponseParser -> SseParser ->
// ChunkDecoder, on a keep-alive connection carrying any number of responses.
//
// Input: byte 0 seeds how the rest is cut into reads; bytes 1.. are what the server sent.
// Besides the sanitizers' checks, the target asserts that parsing does not depend on how the
// bytes were split: the transcript of everything observed (heads, body bytes, events, decoded
// chunks, errors) must be identical when the same bytes arrive as one read.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "client/http_response_parser.h"
#include "client/sse_parser.h"
#include "client/stream_chunk.h"

namespace {

using inferbench::client::ChunkDecoder;
using inferbench::client::HttpFeedResult;
using inferbench::client::HttpParseStatus;
using inferbench::client::HttpResponseHead;
using inferbench::client::HttpResponseParser;
using inferbench::client::HttpResponseSink;
using inferbench::client::SseEvent;
using inferbench::client::SseEventSink;
using inferbench::client::SseParser;
using inferbench::client::StreamChunk;

void Check(bool condition) {
  if (!condition) std::abort();
}

class Pipeline : public HttpResponseSink, public SseEventSink {
 public:
  // A small event limit so that the limit paths are reachable with small inputs.
  Pipeline() : http_(*this), sse_(*this, 512) {}

  // Feeds one read; completed responses are recorded and the leftover goes to the next one.
  void Read(std::string_view bytes) {
    while (!stopped_) {
      HttpFeedResult result = http_.Feed(bytes);
      Check(result.consumed <= bytes.size());
      bytes.remove_prefix(result.consumed);
      if (result.status == HttpParseStatus::kError) {
        Note("http-error:", http_.error());
        stopped_ = true;
        return;
      }
      if (result.status != HttpParseStatus::kMessageComplete) {
        Check(bytes.empty());
        return;
      }
      EndResponse();
      if (bytes.empty()) return;
    }
  }

  void Eof() {
    if (stopped_) return;
    HttpParseStatus status = http_.FeedEof();
    if (status == HttpParseStatus::kMessageComplete) {
      EndResponse();
    } else {
      Note("eof:", http_.error());
    }
  }

  const std::string& transcript() const { return transcript_; }

 private:
  void OnHead(const HttpResponseHead& head) override {
    Check(head.status_code >= 200 && head.status_code <= 599);
    transcript_ += "head:" + std::to_string(head.status_code) + ":";
    transcript_.append(head.content_type);
    transcript_ += head.chunked ? ":chunked" : ":plain";
    transcript_ += '\n';
    sse_.Reset();
    body_bytes_ = 0;
  }

  void OnBody(std::string_view bytes) override {
    Check(!bytes.empty());
    body_bytes_ += bytes.size();
    Check(body_bytes_ == http_.body_bytes());
    if (!sse_.failed() && !sse_.Feed(bytes)) Note("sse-error:", sse_.error());
  }

  void OnEvent(const SseEvent& event) override {
    transcript_ += "event:";
    transcript_.append(event.type);
    transcript_ += ':';
    transcript_.append(event.data);
    transcript_ += '\n';
    if (event.done) return;
    inferbench::Status status = decoder_.ParseStreamChunk(event.data, &chunk_);
    if (!status.ok()) {
      Note("json-error:", status.message());
      return;
    }
    transcript_ += "chunk:" + std::to_string(chunk_.choices.size());
    for (const auto& choice : chunk_.choices) {
      Check(choice.content.size() <= event.data.size());
      Check(choice.reasoning.size() <= event.data.size());
      transcript_ += choice.token_carrying ? ":t" : ":-";
      transcript_ += std::to_string(choice.text_bytes());
    }
    if (chunk_.usage.present) transcript_ += ":u" + std::to_string(chunk_.usage.completion_tokens);
    if (chunk_.is_error) transcript_ += ":e";
    transcript_ += '\n';
  }

  void EndResponse() {
    transcript_ += "end:" + std::to_string(http_.body_bytes());
    transcript_ += http_.keep_alive() ? ":keep" : ":close";
    transcript_ += sse_.has_partial_event() ? ":partial\n" : "\n";
    http_.Reset();
  }

  void Note(std::string_view what, std::string_view detail) {
    transcript_.append(what);
    transcript_.append(detail);
    transcript_ += '\n';
  }

  HttpResponseParser http_;
  SseParser sse_;
  ChunkDecoder decoder_;
  StreamChunk chunk_;
  std::string transcript_;
  uint64_t body_bytes_ = 0;
  bool stopped_ = false;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  uint64_t state = data[0] * 0x9E3779B97F4A7C15ull + 1;
  std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);

  Pipeline whole;
  whole.Read(input);
  whole.Eof();

  // Reads of 1..64 bytes, each copied into its own buffer (as a socket read would be) so that a
  // view kept past its read is caught by AddressSanitizer once the buffer is freed.
  Pipeline split;
  size_t pos = 0;
  while (pos < input.size()) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    size_t n = 1 + static_cast<size_t>((state >> 33) % 64);
    if (n > input.size() - pos) n = input.size() - pos;
    std::string read(input.substr(pos, n));
    split.Read(read);
    pos += n;
  }
  split.Eof();

  if (whole.transcript() != split.transcript()) {
    std::fprintf(stderr, "split-dependent parse\n--- one read:\n%s--- split reads:\n%s",
                 whole.transcript().c_str(), split.transcript().c_str());
    std::abort();
  }
  return 0;
}
