// Client-path microbenchmarks (DESIGN.md §11): HttpResponseParser → SseParser →
// ChunkDecoder::ParseStreamChunk over a pre-rendered 512-token vLLM completions stream, against
// a raw reader that only counts the same bytes. Budget: ≥ 3,000,000 token events/s on one core,
// within 2× of the raw reader.
//
//   *_InMemory/R   the stream is fed from memory in reads of R bytes (pure parsing cost).
//   *_Loopback/C   a blaster thread replays the stream endlessly over C loopback TCP connections
//                  and this thread reads them with epoll and 256 KiB reads. The blaster and the
//                  reader are pinned to different CPUs when two are available. items_per_second
//                  is per wall-clock second; `events_per_reader_cpu_s` divides by the reading
//                  thread's CPU time instead (the "on one core" figure on a shared machine).
#include <benchmark/benchmark.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <vector>

#include "client/http_response_parser.h"
#include "client/sse_parser.h"
#include "client/stream_chunk.h"
#include "sim/chunk_writer.h"

namespace inferbench::client {
namespace {

constexpr int kTokensPerResponse = 512;

// One HTTP/1.1 response as vLLM (uvicorn) sends a streamed completion: a chunked body with each
// SSE event in its own HTTP chunk, 512 token chunks (the last with finish_reason "length"), then
// [DONE] and the zero chunk. Rendered by the simulator's ChunkWriter, so the JSON shape is
// exactly what the client meets in practice.
std::string RenderResponse() {
  static constexpr std::array<std::string_view, 8> kTexts = {
      " the", " model", ",", " inference", "\n", " \"server\"", " of", " tokens"};
  sim::ChunkWriter writer(sim::Endpoint::kCompletions, "cmpl-sim00c0ffee00c0ffee",
                          "meta-llama/Llama-3.1-8B-Instruct", 1'700'000'000);
  std::string wire =
      "HTTP/1.1 200 OK\r\ndate: Mon, 01 Jan 2024 00:00:00 GMT\r\nserver: uvicorn\r\n"
      "content-type: text/event-stream; charset=utf-8\r\ntransfer-encoding: chunked\r\n\r\n";
  std::string frame;
  auto append_chunk = [&wire](std::string_view bytes) {
    char size[24];
    std::snprintf(size, sizeof size, "%zx\r\n", bytes.size());
    wire += size;
    wire += bytes;
    wire += "\r\n";
  };
  for (int i = 0; i < kTokensPerResponse; ++i) {
    frame.clear();
    writer.AppendToken(frame, 0, kTexts[static_cast<size_t>(i) % kTexts.size()],
                       i + 1 == kTokensPerResponse ? "length" : nullptr, nullptr);
    append_chunk(frame);
  }
  frame.clear();
  writer.AppendDone(frame);
  append_chunk(frame);
  wire += "0\r\n\r\n";
  return wire;
}

const std::string& Response() {
  static const std::string response = RenderResponse();
  return response;
}

// The full client path for one connection: HTTP framing, SSE, JSON; counts token events.
class StreamPipeline final : public HttpResponseSink, public SseEventSink {
 public:
  StreamPipeline() : http_(*this), sse_(*this) {}

  // Feeds one read; keep-alive responses follow each other in the same byte stream.
  // Returns false on any parse error.
  bool Feed(std::string_view bytes) {
    while (!bytes.empty()) {
      HttpFeedResult r = http_.Feed(bytes);
      if (r.status == HttpParseStatus::kError || failed_) return false;
      if (r.status != HttpParseStatus::kMessageComplete) return true;
      bytes.remove_prefix(r.consumed);
      http_.Reset();
      sse_.Reset();
      ++responses_;
    }
    return true;
  }

  void OnHead(const HttpResponseHead& head) override { failed_ |= head.status_code != 200; }
  void OnBody(std::string_view bytes) override { failed_ |= !sse_.Feed(bytes); }
  void OnEvent(const SseEvent& event) override {
    if (event.done) return;
    if (!decoder_.ParseStreamChunk(event.data, &chunk_).ok()) {
      failed_ = true;
      return;
    }
    if (chunk_.token_carrying()) ++token_events_;
  }

  uint64_t token_events() const { return token_events_; }
  uint64_t responses() const { return responses_; }

 private:
  HttpResponseParser http_;
  SseParser sse_;
  ChunkDecoder decoder_;
  StreamChunk chunk_;
  uint64_t token_events_ = 0;
  uint64_t responses_ = 0;
  bool failed_ = false;
};

// The baseline: a reader that only counts the bytes it is given.
class ByteCounter {
 public:
  bool Feed(std::string_view bytes) {
    bytes_ += bytes.size();
    return true;
  }
  uint64_t bytes() const { return bytes_; }

 private:
  uint64_t bytes_ = 0;
};

// ---------------------------------------------------------------------------------------------
// In memory

void BM_ClientPath_InMemory(benchmark::State& state) {
  const std::string& wire = Response();
  const size_t read_size = static_cast<size_t>(state.range(0));
  StreamPipeline pipeline;
  for (auto _ : state) {
    std::string_view rest = wire;
    while (!rest.empty()) {
      size_t n = std::min(read_size, rest.size());
      if (!pipeline.Feed(rest.substr(0, n))) {
        state.SkipWithError("the client path rejected the pre-rendered stream");
        return;
      }
      rest.remove_prefix(n);
    }
  }
  if (pipeline.token_events() != static_cast<uint64_t>(state.iterations()) * kTokensPerResponse) {
    state.SkipWithError("wrong number of token events");
    return;
  }
  state.SetItemsProcessed(static_cast<int64_t>(pipeline.token_events()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * wire.size()));
}
BENCHMARK(BM_ClientPath_InMemory)->Arg(1460)->Arg(16 << 10)->Arg(256 << 10);

// The in-memory raw reader touches every byte (counts newlines) so that it is not optimised to
// nothing; reported as equivalent token events (bytes / response size × 512).
void BM_RawReader_InMemory(benchmark::State& state) {
  const std::string& wire = Response();
  const size_t read_size = static_cast<size_t>(state.range(0));
  uint64_t newlines = 0;
  for (auto _ : state) {
    std::string_view rest = wire;
    while (!rest.empty()) {
      size_t n = std::min(read_size, rest.size());
      newlines += static_cast<uint64_t>(std::count(rest.data(), rest.data() + n, '\n'));
      rest.remove_prefix(n);
    }
    benchmark::DoNotOptimize(newlines);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kTokensPerResponse));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * wire.size()));
}
BENCHMARK(BM_RawReader_InMemory)->Arg(16 << 10);

// ---------------------------------------------------------------------------------------------
// Over loopback sockets

int64_t ThreadCpuNs() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

bool PinThread(pthread_t thread, int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return pthread_setaffinity_np(thread, sizeof set, &set) == 0;
}

// C loopback TCP connections; a blaster thread writes the pre-rendered response into the server
// ends over and over until destroyed. The client ends are read by the benchmark thread.
class LoopbackBlaster {
 public:
  explicit LoopbackBlaster(int connections) {
    // Several copies back to back so each send() can hand the kernel a large contiguous piece.
    for (int i = 0; i < 8; ++i) payload_ += Response();
    int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (listener < 0 || bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        listen(listener, connections) != 0 ||
        getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      error_ = std::string("loopback listener: ") + std::strerror(errno);
      if (listener >= 0) close(listener);
      return;
    }
    for (int i = 0; i < connections; ++i) {
      int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (c < 0 || connect(c, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        error_ = std::string("loopback connect: ") + std::strerror(errno);
        if (c >= 0) close(c);
        break;
      }
      int s = accept4(listener, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
      if (s < 0) {
        error_ = std::string("loopback accept: ") + std::strerror(errno);
        close(c);
        break;
      }
      int one = 1;
      setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      client_fds_.push_back(c);
      server_fds_.push_back(s);
    }
    close(listener);
    if (!error_.empty()) return;
    thread_ = std::thread([this] { Blast(); });
  }

  ~LoopbackBlaster() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
    for (int fd : client_fds_) close(fd);
    for (int fd : server_fds_) close(fd);
  }

  const std::string& error() const { return error_; }
  const std::vector<int>& client_fds() const { return client_fds_; }
  std::thread& thread() { return thread_; }

 private:
  void Blast() {
    int ep = epoll_create1(EPOLL_CLOEXEC);
    std::vector<size_t> offset(server_fds_.size(), 0);
    for (size_t i = 0; i < server_fds_.size(); ++i) {
      epoll_event ev{};
      ev.events = EPOLLOUT;
      ev.data.u64 = i;
      epoll_ctl(ep, EPOLL_CTL_ADD, server_fds_[i], &ev);
    }
    const size_t period = Response().size();
    std::vector<epoll_event> events(server_fds_.size());
    while (!stop_.load(std::memory_order_relaxed)) {
      int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), 10);
      for (int k = 0; k < n; ++k) {
        size_t i = events[static_cast<size_t>(k)].data.u64;
        // Start at the current position within one response; the buffer holds 8 copies.
        size_t at = offset[i] % period;
        ssize_t w = send(server_fds_[i], payload_.data() + at, payload_.size() - at, MSG_NOSIGNAL);
        if (w > 0) offset[i] += static_cast<size_t>(w);
      }
    }
    close(ep);
  }

  std::string payload_;
  std::vector<int> client_fds_;
  std::vector<int> server_fds_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::string error_;
};

// Reads every connection with epoll until `reader(i, bytes)` has been fed `target` units as
// reported by `progress()`. Returns false on a read or parse error.
template <typename Feed, typename Progress>
bool ReadUntil(int ep, const std::vector<int>& fds, std::vector<char>& buf, uint64_t target,
               Feed&& feed, Progress&& progress) {
  epoll_event events[64];
  while (progress() < target) {
    int n = epoll_wait(ep, events, 64, 1000);
    if (n <= 0) return false;  // nothing in a second: the blaster is gone
    for (int k = 0; k < n; ++k) {
      size_t i = events[k].data.u64;
      ssize_t r = recv(fds[i], buf.data(), buf.size(), 0);
      if (r <= 0) return false;
      if (!feed(i, std::string_view(buf.data(), static_cast<size_t>(r)))) return false;
    }
  }
  return true;
}

// Runs one loopback benchmark: `Reader` is StreamPipeline (full path) or ByteCounter (raw).
template <typename Reader>
void RunLoopback(benchmark::State& state) {
  const int connections = static_cast<int>(state.range(0));
  LoopbackBlaster blaster(connections);
  if (!blaster.error().empty()) {
    state.SkipWithError(blaster.error().c_str());
    return;
  }
  cpu_set_t original;
  pthread_getaffinity_np(pthread_self(), sizeof original, &original);
  const bool pinned = CPU_ISSET(0, &original) && CPU_ISSET(1, &original) &&
                      PinThread(blaster.thread().native_handle(), 0) &&
                      PinThread(pthread_self(), 1);

  const std::vector<int>& fds = blaster.client_fds();
  int ep = epoll_create1(EPOLL_CLOEXEC);
  for (size_t i = 0; i < fds.size(); ++i) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = i;
    epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev);
  }
  std::vector<Reader> readers(fds.size());
  std::vector<char> buf(256 << 10);
  const size_t response_bytes = Response().size();
  auto feed = [&readers](size_t i, std::string_view bytes) { return readers[i].Feed(bytes); };
  // Progress in token events (full path) or equivalent token events (raw: bytes → responses).
  auto progress = [&readers, response_bytes]() -> uint64_t {
    uint64_t total = 0;
    for (const Reader& r : readers) {
      if constexpr (std::is_same_v<Reader, StreamPipeline>) {
        total += r.token_events();
      } else {
        total += r.bytes() / response_bytes * kTokensPerResponse;
      }
    }
    return total;
  };
  // One iteration = one response's worth of events per connection.
  const uint64_t per_iteration = static_cast<uint64_t>(connections) * kTokensPerResponse;
  // Warm up: let every connection deliver a little so buffers and caches are in steady state.
  bool ok = ReadUntil(ep, fds, buf, per_iteration, feed, progress);
  const uint64_t start = progress();
  uint64_t target = start;
  const int64_t cpu0 = ThreadCpuNs();
  for (auto _ : state) {
    if (!ok) break;
    target += per_iteration;
    ok = ReadUntil(ep, fds, buf, target, feed, progress);
  }
  const int64_t cpu_ns = ThreadCpuNs() - cpu0;
  const uint64_t events = progress() - start;
  close(ep);
  pthread_setaffinity_np(pthread_self(), sizeof original, &original);
  if (!ok) {
    state.SkipWithError("loopback read or parse failed");
    return;
  }
  state.SetItemsProcessed(static_cast<int64_t>(events));
  state.SetBytesProcessed(static_cast<int64_t>(events / kTokensPerResponse * response_bytes));
  state.counters["events_per_reader_cpu_s"] =
      cpu_ns > 0 ? static_cast<double>(events) / (static_cast<double>(cpu_ns) / 1e9) : 0.0;
  state.SetLabel(pinned ? "blaster CPU0 / reader CPU1" : "not pinned");
}

void BM_ClientPath_Loopback(benchmark::State& state) { RunLoopback<StreamPipeline>(state); }
void BM_RawReader_Loopback(benchmark::State& state) { RunLoopback<ByteCounter>(state); }
BENCHMARK(BM_ClientPath_Loopback)->Arg(64)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RawReader_Loopback)->Arg(64)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace inferbench::client

BENCHMARK_MAIN();
