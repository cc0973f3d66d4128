// HttpClient: sends requests to one target over a pool of keep-alive HTTP/1.1 connections on
// one event loop and measures each response with a ResponseExchange (DESIGN.md §4). One client
// per (event loop, target); the load generator's schedulers call Send and get one Outcome back
// per request.
//
// Connections: an idle connection is reused last-in-first-out (the warmest socket); when none
// is idle a new one is opened, up to ClientOptions::max_connections (0: no limit) — beyond it
// requests wait in send order for a connection to come free. A response that said
// `Connection: close`, or that ended in any abnormal way, retires its connection.
//
// Retries: exactly one case is retried — a request that fails on a REUSED connection before any
// response byte arrived (the server closed the idle connection just as we used it: the
// keep-alive race). It is sent again once, on a new connection, and its record says retries=1.
// Nothing else is ever retried: a retry would hide a failure from the measurement.
//
// Threading: everything on the loop's thread — construction, every call, destruction — and
// every callback runs there.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "client/exchange.h"
#include "core/status.h"
#include "net/client_connection.h"
#include "net/event_loop.h"
#include "results/request_record.h"

namespace inferbench::client {

struct ClientOptions {
  // The requests ask for SSE streams (stream: true); decides how responses are read.
  bool streaming = true;
  // From Send to the end of the response, connecting and waiting for a connection included;
  // 0: no limit. A request past it ends with error_class timeout and its connection is closed.
  int64_t request_timeout_ns = 0;
  // Open connections at most (0: no limit).
  size_t max_connections = 0;
  // Room reserved for each request's token times (e.g. max_tokens), so streams do not grow it.
  size_t expected_token_events = 0;
  // Keep each response's generated text in Outcome::text / reasoning_text (multi-turn history
  // from the real answers, tokenizer counting of output tokens). Off: no text is copied.
  bool collect_text = false;
};

class HttpClient {
 public:
  struct Outcome {
    // Filled here: t_send_ns (first byte of the request handed to the kernel), the fields
    // ResponseExchange::Finalize writes, error_class / error_message, retries. Everything else
    // (request_id, point, t_sched_ns, requested lengths, …) is left for the caller to set.
    results::RequestRecord record;
    std::vector<int64_t> token_times;  // arrival time of each token-carrying event
    // With ClientOptions::collect_text: the generated content and reasoning text as they
    // arrived (what was received so far for a failed request); empty otherwise.
    std::string text;
    std::string reasoning_text;
  };
  using DoneCallback = std::function<void(Outcome&&)>;

  // REQUIRES: `loop` outlives the client; called on the loop's thread.
  HttpClient(net::EventLoop& loop, net::Endpoint endpoint, ClientOptions options = {});
  // Closes every connection. Requests still in flight are dropped WITHOUT calling their `done`
  // (call CancelAll and let the loop run first to get their records).
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends one complete HTTP/1.1 request (e.g. from RenderHttpRequest). `done` is called exactly
  // once, on the loop thread, never from inside Send (it is posted), with the outcome: success,
  // an error class from the response (see exchange.h), timeout, cancelled, or disconnect — a
  // refused or failed connection included, its message naming the address.
  void Send(std::string request_bytes, DoneCallback done);

  // Ends every request in flight with error_class cancelled (each `done` is posted at once) and
  // closes their connections; idle connections stay open.
  void CancelAll();
  // Closes the idle connections.
  void CloseIdleConnections();

  // Requests whose `done` has not run yet.
  size_t in_flight() const { return in_flight_; }
  // Connections open or being opened, and those of them idle.
  size_t open_connections() const { return connections_.size(); }
  size_t idle_connections() const { return idle_count_; }
  // Connections opened since construction (reuse shows as fewer opened than sent).
  uint64_t connections_opened() const { return connections_opened_; }
  // Requests sent a second time after the keep-alive race.
  uint64_t retries() const { return retries_; }

 private:
  struct Connection;

  enum class RequestState { kFree, kWaiting, kOnConnection };

  // Request nodes are recycled (free_requests_), so a request costs no node allocation in
  // steady state; the unfinished ones form an intrusive list in Send order, which is also
  // deadline order (one timeout for all).
  struct Request {
    uint64_t id = 0;
    RequestState state = RequestState::kFree;
    std::string bytes;  // kept while a retry is still possible
    DoneCallback done;
    Connection* connection = nullptr;
    int64_t deadline_ns = 0;  // 0: no timeout
    int64_t t_send_ns = results::RequestRecord::kAbsent;
    int64_t retries = 0;
    Request* prev = nullptr;  // active list
    Request* next = nullptr;
  };

  struct Connection {
    Connection(bool streaming, ChunkDecoder* decoder) : exchange(streaming, decoder) {}
    std::unique_ptr<net::ClientConnection> transport;
    ResponseExchange exchange;  // reused for every request on this connection
    Request* request = nullptr;
    size_t index = 0;     // in connections_
    bool reused = false;  // a response completed on it before
    bool idle = false;
    Connection* idle_prev = nullptr;  // idle stack, intrusive
    Connection* idle_next = nullptr;
  };

  Request* NewRequest();
  void Dispatch(Request* request, bool force_new_connection);
  void Start(Request* request, Connection* connection);
  Connection* OpenConnection();
  void DropConnection(Connection* connection);
  void PushIdle(Connection* connection);
  Connection* PopIdle();
  void RemoveIdle(Connection* connection);
  // A connection came free (or a slot did): start waiting requests.
  void ServeWaiting();

  void OnConnected(Connection* connection, const Status& status);
  void OnSent(Connection* connection, uint64_t request_id, int64_t sent_ns);
  void OnData(Connection* connection, std::string_view bytes, int64_t read_ns);
  void OnClosed(Connection* connection, const Status& status);
  void OnTimer();
  void ArmTimer();

  // The response on `connection` ended (complete or failed); recycles or drops the connection.
  void FinishOnConnection(Connection* connection, bool reusable);
  // Ends a request that has not finished by itself (timeout, cancel, failed connect).
  void Abort(Request* request, results::ErrorClass error_class, const std::string& message);
  // Posts `done` with the outcome and recycles the request.
  void Complete(Request* request, Outcome outcome);

  net::EventLoop& loop_;
  const net::Endpoint endpoint_;
  const std::string where_;  // "host:port" for messages
  const ClientOptions options_;

  // One JSON decoder for every connection of this client (declared first: it outlives them).
  ChunkDecoder decoder_;
  std::vector<std::unique_ptr<Connection>> connections_;
  Connection* idle_top_ = nullptr;  // most recently idled
  size_t idle_count_ = 0;

  std::vector<std::unique_ptr<Request>> requests_;  // every node ever made
  std::vector<Request*> free_requests_;
  Request* active_head_ = nullptr;  // oldest unfinished request
  Request* active_tail_ = nullptr;
  std::deque<std::pair<Request*, uint64_t>> waiting_;  // (request, id): stale entries skipped
  uint64_t next_request_id_ = 1;
  size_t in_flight_ = 0;
  uint64_t connections_opened_ = 0;
  uint64_t retries_ = 0;

  std::unique_ptr<net::Timer> timer_;  // request timeouts: armed for the oldest deadline
  // Posted `done` calls check it: none runs after the client is destroyed.
  std::shared_ptr<char> alive_;
};

}  // namespace inferbench::client
