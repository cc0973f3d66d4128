#include "sim/sim_server.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <cstdio>
#include <ctime>
#include <deque>
#include <functional>
#include <nlohmann/json.hpp>
#include <unordered_map>
#include <utility>

#include "core/log.h"
#include "net/http_server.h"
#include "sim/chunk_writer.h"
#include "sim/engine.h"
#include "sim/ground_truth_trace.h"
#include "sim/openai_request.h"
#include "sim/sim_metrics.h"
#include "sim/sim_tokenizer.h"
#include "sim/text_generator.h"

namespace inferbench::sim {
namespace {

constexpr double kNsPerSecond = 1e9;
// In the zero-time profile the engine can outrun the sockets; past this many unsent bytes on a
// stream the step loop pauses briefly so memory stays bounded.
constexpr std::size_t kBacklogBytes = 512u << 10;
constexpr int64_t kBacklogPauseNs = 200'000;
constexpr int kZeroTimeStepsPerTurn = 16;
constexpr int64_t kTraceFlushIntervalNs = 1'000'000'000;
// Drip fault: this many bytes per write, this far apart.
constexpr std::size_t kDripBytes = 7;
constexpr int64_t kDripIntervalNs = 2'000'000;

uint64_t Mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

uint64_t HashTokens(const std::vector<uint32_t>& tokens) {
  uint64_t h = 0x5151;
  for (uint32_t t : tokens) h = Mix64(h ^ t);
  return h;
}

const char* FinishReasonName(FinishReason reason) {
  switch (reason) {
    case FinishReason::kLength: return "length";
    case FinishReason::kStop: return "stop";
    case FinishReason::kNone: break;
  }
  return nullptr;
}

std::string ErrorTypeForStatus(int status) {
  switch (status) {
    case 400: return "BadRequestError";
    case 401: return "AuthenticationError";
    case 403: return "PermissionDeniedError";
    case 404: return "NotFoundError";
    case 413: return "RequestEntityTooLarge";
    case 422: return "UnprocessableEntityError";
    case 429: return "RateLimitError";
    case 503: return "ServiceUnavailableError";
    default: return status >= 500 ? "InternalServerError" : "BadRequestError";
  }
}

struct Choice {
  SeqId seq = 0;
  int prompt_tokens = 0;
  int cached_tokens = 0;
  int generated = 0;
  int64_t first_token_ns = -1;
  int64_t last_token_ns = -1;
  std::vector<int64_t> token_ns;  // filled only when tracing
  std::string text;               // non-streaming responses only
  std::string finish_reason;
  bool done = false;
};

struct ActiveRequest {
  uint64_t serial = 0;
  std::string request_id;
  SimRequest req;
  int max_tokens = 0;
  std::shared_ptr<net::HttpResponder> responder;
  std::unique_ptr<ChunkWriter> writer;
  std::vector<Choice> choices;
  int open_choices = 0;
  FaultPlan::Draw fault;
  uint64_t text_seed = 0;
  int64_t arrival_ns = 0;
  int tokens_emitted = 0;  // across choices: where mid-stream faults land
  bool malformed_sent = false;
  bool stall_started = false;
  int64_t stall_until_ns = 0;
  std::string held;  // bytes produced during a stall
  bool end_after_stall = false;
  std::unique_ptr<net::Timer> stall_timer;
  std::unique_ptr<net::Timer> fixed_timer;  // `fixed` profile: next token
  std::string scratch;
};

}  // namespace

struct SimServer::Impl {
  Impl(net::EventLoop& loop, SimOptions options)
      : loop(loop),
        options(std::move(options)),
        metrics(this->options.profile.engine.max_model_len),
        fault_plan(this->options.faults, this->options.seed),
        step_timer(loop),
        ready_timer(loop),
        trace_timer(loop),
        alive(std::make_shared<int>(0)) {
    const EngineParams& params = this->options.profile.engine;
    if (this->options.profile.kind != ProfileKind::kFixed) {
      engine = std::make_unique<Engine>(params, &metrics);
    }
  }

  net::EventLoop& loop;
  SimOptions options;
  SimTokenizer tokenizer;
  SimMetrics metrics;
  FaultPlan fault_plan;
  std::unique_ptr<Engine> engine;  // null for the `fixed` profile
  std::unique_ptr<net::HttpServer> server;
  std::unique_ptr<GroundTruthTrace> trace;
  net::Timer step_timer;
  net::Timer ready_timer;
  net::Timer trace_timer;
  std::shared_ptr<int> alive;  // weak copies guard callbacks that may outlive us
  int64_t ready_ns = 0;
  std::deque<std::function<void()>> held_until_ready;
  bool stopped = false;
  bool step_scheduled = false;
  bool backlogged = false;
  uint64_t next_serial = 1;
  int fixed_running = 0;
  std::unordered_map<uint64_t, std::unique_ptr<ActiveRequest>> active;
  std::unordered_map<SeqId, std::pair<uint64_t, int>> seq_owner;  // seq -> (request, choice)

  // --- routing ---------------------------------------------------------------------------
  void Handle(net::HttpRequest&& request, std::shared_ptr<net::HttpResponder> responder) {
    std::string_view path = request.Path();
    const bool get = request.method == "GET";
    const bool post = request.method == "POST";
    if (path == "/health") {
      if (!get) return MethodNotAllowed(*responder);
      return responder->Send(200, "application/json", "");
    }
    if (path == "/v1/models") {
      if (!get) return MethodNotAllowed(*responder);
      return responder->Send(200, "application/json", ModelsBody());
    }
    if (path == "/version") {
      if (!get) return MethodNotAllowed(*responder);
      return responder->Send(200, "application/json", VersionBody());
    }
    if (path == "/metrics") {
      if (!get) return MethodNotAllowed(*responder);
      return responder->Send(200, "text/plain; version=0.0.4; charset=utf-8", MetricsBody());
    }
    if (path == "/tokenize") {
      if (!post) return MethodNotAllowed(*responder);
      return Tokenize(request, *responder);
    }
    if (path == "/v1/completions" || path == "/v1/chat/completions") {
      if (!post) return MethodNotAllowed(*responder);
      Endpoint endpoint = path == "/v1/completions" ? Endpoint::kCompletions : Endpoint::kChat;
      if (net::EventLoop::NowNs() < ready_ns) {
        // Cold start: /health already answers, but the model is not loaded yet.
        std::weak_ptr<int> guard = alive;
        held_until_ready.push_back(
            [this, guard, endpoint, request = std::move(request), responder]() mutable {
              if (guard.expired()) return;
              Generate(endpoint, std::move(request), std::move(responder));
            });
        return;
      }
      return Generate(endpoint, std::move(request), std::move(responder));
    }
    responder->Send(404, "application/json", R"({"detail":"Not Found"})");
  }

  static void MethodNotAllowed(net::HttpResponder& responder) {
    responder.Send(405, "application/json", R"({"detail":"Method Not Allowed"})");
  }

  static void SendError(net::HttpResponder& responder, int status, std::string message,
                        std::string param = "") {
    ProtocolError error;
    error.status = status;
    error.message = std::move(message);
    error.type = ErrorTypeForStatus(status);
    error.param = std::move(param);
    responder.Send(status, "application/json", ErrorBody(error));
  }

  std::string ModelsBody() const {
    nlohmann::json model = {{"id", options.served_model_name},
                            {"object", "model"},
                            {"created", static_cast<int64_t>(std::time(nullptr))},
                            {"owned_by", "inferbench-sim"},
                            {"root", options.served_model_name},
                            {"parent", nullptr},
                            {"max_model_len", options.profile.engine.max_model_len}};
    return nlohmann::json{{"object", "list"}, {"data", nlohmann::json::array({model})}}.dump();
  }

  std::string VersionBody() const {
    nlohmann::json params = options.profile.ToJson();
    params["served_model_name"] = options.served_model_name;
    params["startup_delay_ns"] = options.startup_delay_ns;
    nlohmann::json faults = nlohmann::json::array();
    for (const FaultSpec& f : options.faults) faults.push_back(FormatFaultSpec(f));
    params["faults"] = faults;
    params["seed"] = options.seed;
    return nlohmann::json{{"version", options.version},
                          {"engine", "inferbench-sim"},
                          {"profile", options.profile.name},
                          {"params", params}}
        .dump();
  }

  std::string MetricsBody() const {
    SimMetrics::Gauges gauges;
    if (engine) {
      gauges.num_requests_running = engine->num_running();
      gauges.num_requests_waiting = engine->num_waiting() + static_cast<int>(held_until_ready.size());
      gauges.kv_cache_usage_perc = engine->kv_cache_usage();
    } else {
      gauges.num_requests_running = fixed_running;
      gauges.num_requests_waiting = static_cast<int>(held_until_ready.size());
    }
    return metrics.Render(options.served_model_name, gauges);
  }

  void Tokenize(const net::HttpRequest& request, net::HttpResponder& responder) const {
    nlohmann::json body = nlohmann::json::parse(request.body, nullptr, /*allow_exceptions=*/false);
    if (!body.is_object()) return SendError(responder, 400, "request body is not a JSON object");
    std::vector<uint32_t> tokens;
    if (body.contains("prompt")) {
      if (!body["prompt"].is_string()) return SendError(responder, 400, "prompt must be a string", "prompt");
      tokens = tokenizer.Encode(body["prompt"].get<std::string>());
    } else if (body.contains("messages") && body["messages"].is_array()) {
      std::vector<ChatMessage> messages;
      for (const auto& m : body["messages"]) {
        if (!m.is_object() || !m.contains("content") || !m["content"].is_string()) {
          return SendError(responder, 400, "each message needs a string content", "messages");
        }
        messages.push_back({m.value("role", "user"), m["content"].get<std::string>()});
      }
      tokens = tokenizer.EncodeChat(messages);
    } else {
      return SendError(responder, 400, "give either prompt (string) or messages (array)");
    }
    nlohmann::json out = {{"count", tokens.size()},
                          {"max_model_len", options.profile.engine.max_model_len},
                          {"tokens", tokens},
                          {"token_strs", nullptr}};
    responder.Send(200, "application/json", out.dump());
  }

  // --- generation ----------------------------------------------------------------------------
  void Generate(Endpoint endpoint, net::HttpRequest&& request,
                std::shared_ptr<net::HttpResponder> responder) {
    if (stopped || responder->closed()) return;
    auto parsed = ParseOpenAIRequest(endpoint, request.body, tokenizer, options.served_model_name);
    if (auto* error = std::get_if<ProtocolError>(&parsed)) {
      return responder->Send(error->status, "application/json", ErrorBody(*error));
    }
    auto ar = std::make_unique<ActiveRequest>();
    ar->serial = next_serial++;
    ar->req = std::move(std::get<SimRequest>(parsed));
    ar->arrival_ns = request.received_ns > 0 ? request.received_ns : net::EventLoop::NowNs();
    ar->responder = responder;
    ar->request_id = fmt_request_id(endpoint, ar->serial);
    if (ar->req.model.empty()) ar->req.model = options.served_model_name;
    ar->writer = std::make_unique<ChunkWriter>(endpoint, ar->request_id, ar->req.model,
                                               static_cast<int64_t>(std::time(nullptr)));
    const int max_model_len = options.profile.engine.max_model_len;

    int expected_tokens = 0;
    ar->choices.resize(ar->req.prompts.size());
    for (std::size_t i = 0; i < ar->req.prompts.size(); ++i) {
      const auto& prompt = ar->req.prompts[i];
      int prompt_len = static_cast<int>(prompt.size());
      int max_tokens = ar->req.max_tokens >= 0 ? ar->req.max_tokens : max_model_len - prompt_len;
      if (prompt_len + max_tokens > max_model_len || max_tokens <= 0) {
        return SendError(*responder, 400, TooLongMessage(max_model_len, prompt_len, max_tokens),
                         "max_tokens");
      }
      ar->max_tokens = max_tokens;
      ar->choices[i].prompt_tokens = prompt_len;
      expected_tokens = std::max(expected_tokens, max_tokens);
    }
    ar->text_seed = ar->req.seed ? static_cast<uint64_t>(*ar->req.seed)
                                 : HashTokens(ar->req.prompts.front());

    ar->fault = fault_plan.Next(expected_tokens);
    if (ar->fault.error_status) {
      int status = *ar->fault.error_status;
      return SendError(*responder, status,
                       "injected fault: the simulator was told to fail this request with HTTP " +
                           std::to_string(status));
    }

    // Admit every choice's sequence (all or nothing).
    if (engine) {
      for (std::size_t i = 0; i < ar->choices.size(); ++i) {
        SeqRequest seq;
        seq.prompt_tokens = ar->req.prompts[i];
        seq.max_tokens = ar->max_tokens;
        seq.min_tokens = ar->req.min_tokens;
        seq.ignore_eos = ar->req.ignore_eos;
        seq.eos_after = ar->req.ignore_eos ? -1 : NaturalLength(ar->req.prompts[i], ar->text_seed);
        seq.arrival_ns = ar->arrival_ns;
        SubmitResult submitted = engine->Submit(std::move(seq));
        if (submitted.error != SubmitError::kNone) {
          for (std::size_t j = 0; j < i; ++j) {
            engine->Cancel(ar->choices[j].seq);
            seq_owner.erase(ar->choices[j].seq);
          }
          int status = submitted.error == SubmitError::kQueueFull ? 429 : 400;
          return SendError(*responder, status, submitted.message);
        }
        ar->choices[i].seq = submitted.id;
        seq_owner[submitted.id] = {ar->serial, static_cast<int>(i)};
      }
    } else {
      for (Choice& c : ar->choices) {
        metrics.prompt_tokens_total += c.prompt_tokens;
        metrics.request_queue_time.Observe(0.0);
      }
      fixed_running += static_cast<int>(ar->choices.size());
    }
    ar->open_choices = static_cast<int>(ar->choices.size());

    if (ar->req.stream) {
      if (ar->fault.drip) responder->SetDrip(kDripBytes, kDripIntervalNs);
      responder->BeginStream(200, "text/event-stream; charset=utf-8");
    }
    std::weak_ptr<int> guard = alive;
    const uint64_t serial = ar->serial;
    responder->OnClose([this, guard, serial] {
      if (guard.expired()) return;
      OnClientGone(serial);
    });

    ActiveRequest* raw = ar.get();
    active.emplace(serial, std::move(ar));
    if (engine) {
      MaybeStep();
    } else {
      raw->fixed_timer = std::make_unique<net::Timer>(loop);
      ScheduleFixedToken(*raw, raw->arrival_ns + options.profile.fixed_ttft_ns);
    }
  }

  static std::string fmt_request_id(Endpoint endpoint, uint64_t serial) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "%s-sim%016llx",
                  endpoint == Endpoint::kChat ? "chatcmpl" : "cmpl",
                  static_cast<unsigned long long>(Mix64(serial)));
    return buf;
  }

  static std::string TooLongMessage(int max_model_len, int prompt_len, int max_tokens) {
    return "This model's maximum context length is " + std::to_string(max_model_len) +
           " tokens. However, you requested " + std::to_string(prompt_len + max_tokens) +
           " tokens (" + std::to_string(prompt_len) + " in the messages, " +
           std::to_string(max_tokens) +
           " in the completion). Please reduce the length of the messages or completion.";
  }

  // Without ignore_eos the simulated model "decides" to stop after a deterministic length.
  static int NaturalLength(const std::vector<uint32_t>& prompt, uint64_t seed) {
    return 8 + static_cast<int>(Mix64(HashTokens(prompt) ^ seed) % 504);
  }

  // --- the engine's step loop ------------------------------------------------------------------
  void MaybeStep() {
    if (stopped || step_scheduled || !engine || !engine->HasWork()) return;
    step_scheduled = true;
    std::weak_ptr<int> guard = alive;
    if (engine->params().zero_time) {
      // No modelled time: run a burst of steps per loop turn so each connection gets several
      // events per socket write (one step per turn would cost a send() per token).
      auto burst = [this, guard] {
        if (guard.expired()) return;
        step_scheduled = false;
        backlogged = false;
        for (int i = 0; i < kZeroTimeStepsPerTurn && !stopped && engine->HasWork() && !backlogged; ++i) {
          int64_t now = net::EventLoop::NowNs();
          engine->BeginStep(now);
          DeliverStep(now);
        }
        MaybeStep();
      };
      if (backlogged) {
        step_timer.ExpireAfter(kBacklogPauseNs, std::move(burst));
      } else {
        loop.Post(std::move(burst));
      }
      return;
    }
    int64_t now = net::EventLoop::NowNs();
    StepOutcome outcome = engine->BeginStep(now);
    step_timer.ExpireAt(now + outcome.duration_ns, [this, guard] {
      if (guard.expired()) return;
      step_scheduled = false;
      backlogged = false;
      DeliverStep(net::EventLoop::NowNs());
      MaybeStep();
    });
  }

  // Completes the engine's step at `now` and sends its tokens.
  void DeliverStep(int64_t now) {
    std::vector<TokenEvent> events = engine->FinishStep(now);
    for (const TokenEvent& event : events) {
      auto owner = seq_owner.find(event.id);
      if (owner == seq_owner.end()) continue;
      auto it = active.find(owner->second.first);
      if (it == active.end()) continue;
      ActiveRequest& ar = *it->second;
      if (event.index == 0) {
        ar.choices[owner->second.second].cached_tokens = event.cached_prompt_tokens;
        if (event.first_scheduled_ns > 0) {
          metrics.request_queue_time.Observe(
              std::max<int64_t>(0, event.first_scheduled_ns - ar.arrival_ns) / kNsPerSecond);
        }
      }
      const int choice_index = owner->second.second;
      if (event.finish != FinishReason::kNone) seq_owner.erase(owner);
      if (ar.responder->pending_bytes() > kBacklogBytes) backlogged = true;
      EmitToken(ar, choice_index, event.finish, now);  // may end and forget `ar`
    }
  }

  // --- the `fixed` profile: exact TTFT and ITL per request ---------------------------------------
  void ScheduleFixedToken(ActiveRequest& ar, int64_t at_ns) {
    std::weak_ptr<int> guard = alive;
    uint64_t serial = ar.serial;
    ar.fixed_timer->ExpireAt(at_ns, [this, guard, serial, at_ns] {
      if (guard.expired()) return;
      auto it = active.find(serial);
      if (it == active.end()) return;
      int64_t now = net::EventLoop::NowNs();
      for (std::size_t i = 0;; ++i) {
        // Re-find every time: the previous token may have finished (and freed) the request.
        auto found = active.find(serial);
        if (found == active.end() || i >= found->second->choices.size()) break;
        ActiveRequest& r = *found->second;
        Choice& c = r.choices[i];
        if (c.done) continue;
        int next = c.generated + 1;
        FinishReason finish = FinishReason::kNone;
        if (next >= r.max_tokens) {
          finish = FinishReason::kLength;
        } else if (!r.req.ignore_eos && next >= std::max(r.req.min_tokens,
                                                         NaturalLength(r.req.prompts[i], r.text_seed))) {
          finish = FinishReason::kStop;
        }
        metrics.generation_tokens_total += 1;
        if (finish != FinishReason::kNone) {
          if (finish == FinishReason::kLength) metrics.request_success_length += 1;
          else metrics.request_success_stop += 1;
          fixed_running -= 1;
        }
        EmitToken(r, static_cast<int>(i), finish, now);
      }
      auto again = active.find(serial);
      if (again != active.end()) {
        // Schedule from the intended time, not from `now`, so lateness does not accumulate.
        ScheduleFixedToken(*again->second, at_ns + options.profile.fixed_itl_ns);
      }
    });
  }

  // --- one token to one client -------------------------------------------------------------------
  void EmitToken(ActiveRequest& ar, int choice_index, FinishReason finish, int64_t now) {
    Choice& c = ar.choices[choice_index];
    if (c.done) return;
    const int index = c.generated++;
    std::string_view text = GeneratedToken(ar.text_seed + static_cast<uint64_t>(choice_index), index);
    if (c.first_token_ns < 0) {
      c.first_token_ns = now;
      metrics.time_to_first_token.Observe((now - ar.arrival_ns) / kNsPerSecond);
    } else {
      metrics.inter_token_latency.Observe((now - c.last_token_ns) / kNsPerSecond);
    }
    c.last_token_ns = now;
    if (trace) c.token_ns.push_back(now);
    const char* finish_name = FinishReasonName(finish);
    ar.tokens_emitted += 1;

    if (ar.req.stream) {
      std::string& out = ar.scratch;
      out.clear();
      if (ar.req.endpoint == Endpoint::kChat && index == 0) ar.writer->AppendRole(out, choice_index);
      if (ar.req.continuous_usage_stats) {
        Usage usage = CurrentUsage(ar);
        ar.writer->AppendToken(out, choice_index, text, finish_name, &usage);
      } else {
        ar.writer->AppendToken(out, choice_index, text, finish_name, nullptr);
      }
      if (ar.fault.malformed && !ar.malformed_sent && ar.tokens_emitted >= ar.fault.malformed_after_tokens) {
        ChunkWriter::AppendMalformed(out);
        ar.malformed_sent = true;
      }
      Deliver(ar, out);
    } else {
      c.text.append(text);
    }

    if (finish != FinishReason::kNone) {
      c.done = true;
      c.finish_reason = finish_name;
      metrics.e2e_request_latency.Observe((now - ar.arrival_ns) / kNsPerSecond);
      metrics.request_prompt_tokens.Observe(c.prompt_tokens);
      metrics.request_generation_tokens.Observe(c.generated);
      RecordTrace(ar, c, now, 200);
      if (--ar.open_choices == 0) return Complete(ar);
      return;
    }
    if (ar.fault.abort && ar.tokens_emitted >= ar.fault.abort_after_tokens) return AbortRequest(ar, now);
    if (ar.fault.stall && !ar.stall_started && ar.tokens_emitted >= ar.fault.stall_after_tokens) {
      StartStall(ar, now);
    }
  }

  Usage CurrentUsage(const ActiveRequest& ar) const {
    Usage usage{};
    for (const Choice& c : ar.choices) {
      usage.prompt_tokens += c.prompt_tokens;
      usage.completion_tokens += c.generated;
      usage.cached_tokens += c.cached_tokens;
    }
    return usage;
  }

  void Deliver(ActiveRequest& ar, const std::string& bytes) {
    if (ar.stall_until_ns > 0) {
      ar.held.append(bytes);
      return;
    }
    ar.responder->Write(bytes);
  }

  void StartStall(ActiveRequest& ar, int64_t now) {
    ar.stall_started = true;
    ar.stall_until_ns = now + ar.fault.stall_ns;
    ar.stall_timer = std::make_unique<net::Timer>(loop);
    std::weak_ptr<int> guard = alive;
    uint64_t serial = ar.serial;
    ar.stall_timer->ExpireAt(ar.stall_until_ns, [this, guard, serial] {
      if (guard.expired()) return;
      auto it = active.find(serial);
      if (it == active.end()) return;
      ActiveRequest& r = *it->second;
      r.stall_until_ns = 0;
      if (!r.held.empty()) r.responder->Write(r.held);
      r.held.clear();
      if (r.end_after_stall) Finish(r);
    });
  }

  void Complete(ActiveRequest& ar) {
    if (ar.req.stream) {
      std::string& out = ar.scratch;
      out.clear();
      if (ar.req.include_usage) ar.writer->AppendUsage(out, CurrentUsage(ar));
      ar.writer->AppendDone(out);
      Deliver(ar, out);
      if (ar.stall_until_ns > 0) {
        ar.end_after_stall = true;
        return;
      }
    }
    Finish(ar);
  }

  // Ends the HTTP response and forgets the request.
  void Finish(ActiveRequest& ar) {
    if (ar.req.stream) {
      ar.responder->EndStream();
    } else {
      std::vector<std::string> texts, reasons;
      for (Choice& c : ar.choices) {
        texts.push_back(std::move(c.text));
        reasons.push_back(c.finish_reason);
      }
      ar.responder->Send(200, "application/json", ar.writer->FullResponse(texts, reasons, CurrentUsage(ar)));
    }
    Forget(ar.serial);
  }

  void AbortRequest(ActiveRequest& ar, int64_t now) {
    CancelOpenChoices(ar, now, 0);
    auto responder = ar.responder;
    Forget(ar.serial);
    responder->Abort();
  }

  void OnClientGone(uint64_t serial) {
    auto it = active.find(serial);
    if (it == active.end()) return;
    CancelOpenChoices(*it->second, net::EventLoop::NowNs(), 499);
    Forget(serial);
    MaybeStep();
  }

  void CancelOpenChoices(ActiveRequest& ar, int64_t now, int status) {
    for (Choice& c : ar.choices) {
      if (c.done) continue;
      c.done = true;
      c.finish_reason = "abort";
      metrics.request_success_abort += 1;
      if (engine) {
        engine->Cancel(c.seq);
        seq_owner.erase(c.seq);
      } else {
        fixed_running -= 1;
      }
      RecordTrace(ar, c, now, status);
    }
    ar.open_choices = 0;
  }

  void Forget(uint64_t serial) { active.erase(serial); }

  void RecordTrace(const ActiveRequest& ar, const Choice& c, int64_t now, int status) {
    if (!trace) return;
    TraceRecord record;
    record.request_id = ar.choices.size() > 1
                            ? ar.request_id + "-" + std::to_string(&c - ar.choices.data())
                            : ar.request_id;
    record.arrival_ns = ar.arrival_ns;
    record.token_ns = c.token_ns;
    record.finish_ns = now;
    record.finish_reason = c.finish_reason;
    record.prompt_tokens = c.prompt_tokens;
    record.completion_tokens = c.generated;
    record.status = status;
    trace->Append(record);
  }

  void ScheduleTraceFlush() {
    std::weak_ptr<int> guard = alive;
    trace_timer.ExpireAfter(kTraceFlushIntervalNs, [this, guard] {
      if (guard.expired() || !trace) return;
      trace->Flush();
      ScheduleTraceFlush();
    });
  }

  void ReleaseHeld() {
    while (!held_until_ready.empty()) {
      auto fn = std::move(held_until_ready.front());
      held_until_ready.pop_front();
      fn();
    }
  }
};

SimServer::SimServer(net::EventLoop& loop, SimOptions options)
    : impl_(std::make_unique<Impl>(loop, std::move(options))) {}

SimServer::~SimServer() { Stop(); }

Status SimServer::Start() {
  Impl& s = *impl_;
  if (!s.options.trace_file.empty()) {
    auto trace = GroundTruthTrace::Open(s.options.trace_file);
    if (!trace.ok()) return trace.status();
    s.trace = std::move(trace.value());
    s.ScheduleTraceFlush();
  }
  net::HttpServerOptions http;
  http.bind_address = s.options.bind_address;
  http.port = s.options.port;
  http.error_content_type = "application/json";
  http.error_body = [](int status, std::string_view message) {
    ProtocolError error;
    error.status = status;
    error.message = std::string(message);
    error.type = ErrorTypeForStatus(status);
    return ErrorBody(error);
  };
  s.server = std::make_unique<net::HttpServer>(
      s.loop,
      [&s](net::HttpRequest&& request, std::shared_ptr<net::HttpResponder> responder) {
        s.Handle(std::move(request), std::move(responder));
      },
      http);
  Status listening = s.server->Listen();
  if (!listening.ok()) return listening;
  s.ready_ns = net::EventLoop::NowNs() + s.options.startup_delay_ns;
  if (s.options.startup_delay_ns > 0) {
    std::weak_ptr<int> guard = s.alive;
    s.ready_timer.ExpireAt(s.ready_ns, [&s, guard] {
      if (!guard.expired()) s.ReleaseHeld();
    });
  }
  return Status::Ok();
}

uint16_t SimServer::port() const { return impl_->server ? impl_->server->port() : 0; }

void SimServer::Stop() {
  Impl& s = *impl_;
  if (s.stopped) return;
  s.stopped = true;
  s.step_timer.Cancel();
  s.ready_timer.Cancel();
  s.trace_timer.Cancel();
  s.held_until_ready.clear();
  if (s.server) s.server->Close();
  s.active.clear();
  s.seq_owner.clear();
  if (s.trace) s.trace->Flush();
}

int RunSimulator(SimOptions options) {
  net::RaiseFileDescriptorLimit();
  net::EventLoop loop;
  std::string bind = options.bind_address;
  SimServer server(loop, std::move(options));
  Status started = server.Start();
  if (!started.ok()) {
    std::fprintf(stderr, "inferbench sim: %s\n", started.message().c_str());
    return 2;
  }
  std::printf("listening http://%s:%u\n", bind.c_str(), static_cast<unsigned>(server.port()));
  std::fflush(stdout);

  auto& io = *static_cast<boost::asio::io_context*>(loop.native_handle());
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& error, int) {
    if (error) return;
    server.Stop();
    loop.Stop();
  });
  loop.Run();
  server.Stop();
  return 0;
}

}  // namespace inferbench::sim
