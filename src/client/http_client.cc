#include "client/http_client.h"

#include <utility>

#include "core/duration.h"
#include "core/log.h"

namespace inferbench::client {

using results::ErrorClass;
using results::RequestRecord;

HttpClient::HttpClient(net::EventLoop& loop, net::Endpoint endpoint, ClientOptions options)
    : loop_(loop),
      endpoint_(std::move(endpoint)),
      where_(net::FormatHostPort(endpoint_.host, endpoint_.port)),
      options_(options),
      timer_(std::make_unique<net::Timer>(loop)),
      alive_(std::make_shared<char>()) {}

HttpClient::~HttpClient() {
  alive_.reset();
  timer_.reset();
  for (const std::unique_ptr<Connection>& connection : connections_) {
    connection->transport->Close();
  }
  connections_.clear();
}

// --- requests ------------------------------------------------------------------------------------

void HttpClient::Send(std::string request_bytes, DoneCallback done) {
  Request* request = NewRequest();
  request->id = next_request_id_++;
  request->state = RequestState::kWaiting;
  request->bytes = std::move(request_bytes);
  request->done = std::move(done);
  request->connection = nullptr;
  request->t_send_ns = RequestRecord::kAbsent;
  request->retries = 0;
  request->deadline_ns =
      options_.request_timeout_ns > 0 ? net::EventLoop::NowNs() + options_.request_timeout_ns : 0;
  request->prev = active_tail_;
  request->next = nullptr;
  if (active_tail_ != nullptr) {
    active_tail_->next = request;
  } else {
    active_head_ = request;
  }
  active_tail_ = request;
  ++in_flight_;
  Dispatch(request, /*force_new_connection=*/false);
  ArmTimer();
}

HttpClient::Request* HttpClient::NewRequest() {
  if (!free_requests_.empty()) {
    Request* request = free_requests_.back();
    free_requests_.pop_back();
    return request;
  }
  requests_.push_back(std::make_unique<Request>());
  return requests_.back().get();
}

void HttpClient::Dispatch(Request* request, bool force_new_connection) {
  if (!force_new_connection) {
    if (Connection* connection = PopIdle()) {
      Start(request, connection);
      return;
    }
  }
  if (force_new_connection || options_.max_connections == 0 ||
      connections_.size() < options_.max_connections) {
    Start(request, OpenConnection());
    return;
  }
  request->state = RequestState::kWaiting;
  waiting_.emplace_back(request, request->id);
}

void HttpClient::Start(Request* request, Connection* connection) {
  request->state = RequestState::kOnConnection;
  request->connection = connection;
  connection->request = request;
  connection->exchange.Reset(options_.streaming, options_.expected_token_events,
                             options_.collect_text);
  // Only a reused connection can meet the keep-alive race, so only then is a copy kept.
  const bool may_retry = connection->reused && request->retries == 0;
  std::string bytes;
  if (may_retry) {
    bytes = request->bytes;
  } else {
    bytes = std::move(request->bytes);
    request->bytes.clear();
  }
  connection->transport->Write(std::move(bytes), [connection, id = request->id](int64_t sent_ns) {
    // The request may be gone (or the connection serve another) by the time this runs.
    Request* current = connection->request;
    if (current != nullptr && current->id == id) current->t_send_ns = sent_ns;
  });
}

void HttpClient::ServeWaiting() {
  while (!waiting_.empty()) {
    auto [request, id] = waiting_.front();
    if (request->id != id || request->state != RequestState::kWaiting) {
      waiting_.pop_front();  // finished (timed out, cancelled) while waiting
      continue;
    }
    Connection* connection = PopIdle();
    if (connection == nullptr) {
      if (options_.max_connections != 0 && connections_.size() >= options_.max_connections) return;
      connection = OpenConnection();
    }
    waiting_.pop_front();
    Start(request, connection);
  }
}

void HttpClient::Abort(Request* request, ErrorClass error_class, const std::string& message) {
  Outcome outcome;
  if (Connection* connection = request->connection) {
    connection->exchange.Finalize(&outcome.record, &outcome.token_times, &outcome.text,
                                  &outcome.reasoning_text);
    connection->request = nullptr;
    request->connection = nullptr;
    DropConnection(connection);
  }
  // An error the response already showed (a stream error still being drained) is the cause.
  if (outcome.record.ok()) {
    outcome.record.error_class = error_class;
    outcome.record.error_message = message;
  }
  if (outcome.record.t_done_ns == RequestRecord::kAbsent) {
    outcome.record.t_done_ns = net::EventLoop::NowNs();
  }
  Complete(request, std::move(outcome));
}

void HttpClient::Complete(Request* request, Outcome outcome) {
  outcome.record.t_send_ns = request->t_send_ns;
  outcome.record.retries = request->retries;
  DoneCallback done = std::move(request->done);
  request->done = nullptr;

  if (request->prev != nullptr) {
    request->prev->next = request->next;
  } else {
    active_head_ = request->next;
  }
  if (request->next != nullptr) {
    request->next->prev = request->prev;
  } else {
    active_tail_ = request->prev;
  }
  request->prev = request->next = nullptr;
  request->state = RequestState::kFree;
  request->connection = nullptr;
  request->bytes.clear();  // capacity kept for the next copy
  free_requests_.push_back(request);

  loop_.Post([this, alive = std::weak_ptr<char>(alive_), done = std::move(done),
              outcome = std::move(outcome)]() mutable {
    if (alive.expired()) return;
    --in_flight_;
    done(std::move(outcome));
  });
}

void HttpClient::CancelAll() {
  while (active_head_ != nullptr) {
    Abort(active_head_, ErrorClass::kCancelled, "cancelled before the response ended");
  }
  waiting_.clear();
}

// --- timeouts ------------------------------------------------------------------------------------

void HttpClient::ArmTimer() {
  if (options_.request_timeout_ns <= 0 || active_head_ == nullptr || timer_->pending()) return;
  timer_->ExpireAt(active_head_->deadline_ns, [this] { OnTimer(); });
}

void HttpClient::OnTimer() {
  const int64_t now = net::EventLoop::NowNs();
  bool expired = false;
  while (active_head_ != nullptr && active_head_->deadline_ns <= now) {
    Abort(active_head_, ErrorClass::kTimeout,
          "no complete response within " + FormatDurationNs(options_.request_timeout_ns));
    expired = true;
  }
  if (expired) ServeWaiting();
  ArmTimer();
}

// --- connections ---------------------------------------------------------------------------------

HttpClient::Connection* HttpClient::OpenConnection() {
  connections_.push_back(std::make_unique<Connection>(options_.streaming, &decoder_));
  Connection* connection = connections_.back().get();
  connection->index = connections_.size() - 1;
  connection->transport = net::NewClientConnection(loop_, endpoint_);
  ++connections_opened_;
  net::ClientConnection::Handlers handlers;
  handlers.on_data = [this, connection](std::string_view bytes, int64_t read_ns) {
    OnData(connection, bytes, read_ns);
  };
  handlers.on_closed = [this, connection](Status status) { OnClosed(connection, status); };
  connection->transport->Connect(
      std::move(handlers), [this, connection](Status status) { OnConnected(connection, status); });
  return connection;
}

void HttpClient::DropConnection(Connection* connection) {
  if (connection->idle) RemoveIdle(connection);
  connection->transport->Close();  // no callback runs after this
  const size_t index = connection->index;
  // Destroyed at the end of this scope; possibly from inside one of its transport's callbacks,
  // which ClientConnection allows.
  std::unique_ptr<Connection> owned = std::move(connections_[index]);
  if (index + 1 != connections_.size()) {
    connections_[index] = std::move(connections_.back());
    connections_[index]->index = index;
  }
  connections_.pop_back();
}

void HttpClient::PushIdle(Connection* connection) {
  connection->idle = true;
  connection->idle_prev = nullptr;
  connection->idle_next = idle_top_;
  if (idle_top_ != nullptr) idle_top_->idle_prev = connection;
  idle_top_ = connection;
  ++idle_count_;
}

void HttpClient::RemoveIdle(Connection* connection) {
  if (connection->idle_prev != nullptr) {
    connection->idle_prev->idle_next = connection->idle_next;
  } else {
    idle_top_ = connection->idle_next;
  }
  if (connection->idle_next != nullptr) connection->idle_next->idle_prev = connection->idle_prev;
  connection->idle_prev = connection->idle_next = nullptr;
  connection->idle = false;
  --idle_count_;
}

HttpClient::Connection* HttpClient::PopIdle() {
  while (idle_top_ != nullptr) {
    Connection* connection = idle_top_;
    RemoveIdle(connection);
    if (connection->transport->is_open()) return connection;
    DropConnection(connection);
  }
  return nullptr;
}

void HttpClient::CloseIdleConnections() {
  while (idle_top_ != nullptr) DropConnection(idle_top_);
}

void HttpClient::OnConnected(Connection* connection, const Status& status) {
  if (status.ok()) return;
  Request* request = connection->request;
  connection->request = nullptr;
  DropConnection(connection);
  if (request != nullptr) {
    request->connection = nullptr;
    Abort(request, ErrorClass::kDisconnect, status.message());
  }
  ServeWaiting();
}

void HttpClient::OnData(Connection* connection, std::string_view bytes, int64_t read_ns) {
  if (connection->request == nullptr) {
    LogDebug("{}: {} unexpected bytes on an idle connection; closing it", where_, bytes.size());
    DropConnection(connection);
    return;
  }
  size_t consumed = 0;
  const ResponseExchange::Progress progress = connection->exchange.Feed(bytes, read_ns, &consumed);
  if (progress == ResponseExchange::Progress::kNeedMore) return;
  // Bytes after the response are unsolicited (we never pipeline): the connection is not trusted.
  const bool reusable = progress == ResponseExchange::Progress::kComplete &&
                        connection->exchange.keep_alive() && consumed == bytes.size();
  if (consumed != bytes.size()) {
    LogDebug("{}: {} bytes after the end of a response; closing the connection", where_,
             bytes.size() - consumed);
  }
  FinishOnConnection(connection, reusable);
}

void HttpClient::OnClosed(Connection* connection, const Status& status) {
  Request* request = connection->request;
  if (request == nullptr) {  // an idle connection the server closed
    DropConnection(connection);
    return;
  }
  if (connection->reused && request->retries == 0 && !connection->exchange.any_byte_received()) {
    // The keep-alive race: the server closed this idle connection as we sent on it.
    LogDebug(
        "{}: reused connection closed before any response byte ({}); sending again on a "
        "new connection",
        where_, status.ok() ? "closed by the server" : status.message());
    connection->request = nullptr;
    request->connection = nullptr;
    DropConnection(connection);
    request->retries = 1;
    request->t_send_ns = RequestRecord::kAbsent;
    ++retries_;
    Dispatch(request, /*force_new_connection=*/true);
    return;
  }
  connection->exchange.OnEof(net::EventLoop::NowNs(),
                             status.ok() ? std::string_view() : std::string_view(status.message()));
  FinishOnConnection(connection, /*reusable=*/false);
}

void HttpClient::FinishOnConnection(Connection* connection, bool reusable) {
  Request* request = connection->request;
  Outcome outcome;
  connection->exchange.Finalize(&outcome.record, &outcome.token_times, &outcome.text,
                                &outcome.reasoning_text);
  connection->request = nullptr;
  request->connection = nullptr;
  if (reusable) {
    connection->reused = true;
    PushIdle(connection);
  } else {
    DropConnection(connection);
  }
  Complete(request, std::move(outcome));
  ServeWaiting();
}

}  // namespace inferbench::client
