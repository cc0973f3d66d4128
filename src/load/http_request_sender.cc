#include "load/http_request_sender.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

#include "client/http_client.h"
#include "core/prng.h"
#include "net/event_loop.h"
#include "workload/token_text.h"

namespace inferbench::load {
namespace {

// Warmup items of the synthetic generator come from their own index space far away from the
// measured ones, so warmup never sends the same prompt as a measured request.
constexpr uint64_t kWarmupIndexBase = uint64_t{1} << 40;

void AppendMessages(const std::vector<workload::ChatMessage>& from,
                    std::vector<client::ChatMessage>* to) {
  for (const workload::ChatMessage& m : from) to->push_back({m.role, m.content});
}

// Completions take one text: the messages' contents joined by a blank line.
std::string JoinContents(const std::vector<client::ChatMessage>& messages) {
  std::string text;
  for (const client::ChatMessage& m : messages) {
    if (!text.empty()) text += "\n\n";
    text += m.content;
  }
  return text;
}

// Mean requested output length of a dataset (room reserved for token times).
double MeanOutputTokens(const workload::Dataset& dataset) {
  double sum = 0;
  size_t n = 0;
  for (const workload::DatasetRequest& r : dataset.requests) {
    sum += r.output_tokens;
    ++n;
  }
  for (const workload::Conversation& c : dataset.conversations) {
    for (const workload::ConversationTurn& t : c.turns) {
      sum += t.output_tokens;
      ++n;
    }
  }
  return n == 0 ? 0 : sum / static_cast<double>(n);
}

}  // namespace

Result<CacheBust> ParseCacheBust(std::string_view text) {
  if (text == "none") return CacheBust::kNone;
  if (text == "per-replicate") return CacheBust::kPerReplicate;
  if (text == "per-request") return CacheBust::kPerRequest;
  return Result<CacheBust>::Error(fmt::format(
      "invalid cache-bust mode \"{}\": use none, per-replicate or per-request", text));
}

std::string_view CacheBustName(CacheBust mode) {
  switch (mode) {
    case CacheBust::kNone: return "none";
    case CacheBust::kPerReplicate: return "per-replicate";
    case CacheBust::kPerRequest: return "per-request";
  }
  return "none";
}

HttpRequestSender::HttpRequestSender(net::EventLoop& loop, HttpSenderOptions options,
                                     TokenTimesSink token_sink)
    : loop_(loop), options_(std::move(options)), token_sink_(std::move(token_sink)) {
  client::ClientOptions client_options;
  client_options.streaming = options_.request.stream;
  client_options.request_timeout_ns = options_.request_timeout_ns;
  if (options_.dataset) {
    client_options.expected_token_events =
        static_cast<size_t>(MeanOutputTokens(*options_.dataset) * 1.5 + 2);
    client_options.collect_text = options_.tokenizer != nullptr ||
                                  (options_.dataset->multi_turn() &&
                                   options_.dataset->history == workload::HistoryMode::kResponse);
  } else {
    workload_.emplace(options_.workload);
    client_options.expected_token_events =
        static_cast<size_t>(options_.workload.osl_mean + 3 * options_.workload.osl_stddev + 2);
    client_options.collect_text = options_.tokenizer != nullptr;
  }
  client_ = std::make_unique<client::HttpClient>(loop_, options_.target.url.endpoint, client_options);
}

HttpRequestSender::~HttpRequestSender() = default;

void HttpRequestSender::SetPoint(std::string point, int replicate) {
  point_ = std::move(point);
  replicate_ = replicate;
  answers_.clear();
}

void HttpRequestSender::SetIndexStride(uint64_t stride, uint64_t offset) {
  stride_ = stride == 0 ? 1 : stride;
  offset_ = offset;
}

std::string HttpRequestSender::RenderRequest(const ScheduledRequest& scheduled, std::string* salt,
                                             workload::WorkloadItem* item_out) const {
  Rendered rendered = Render(scheduled);
  if (salt != nullptr) *salt = std::move(rendered.salt);
  if (item_out != nullptr) {
    *item_out = workload::WorkloadItem{};
    item_out->prompt_text = std::move(rendered.prompt_text);
    item_out->prompt_ids = std::move(rendered.prompt_ids);
    item_out->input_tokens_requested = rendered.input_tokens;
    item_out->output_tokens_requested = rendered.output_tokens;
  }
  return std::move(rendered.bytes);
}

HttpRequestSender::Rendered HttpRequestSender::Render(const ScheduledRequest& request) const {
  if (!options_.dataset) return RenderSynthetic(request);
  if (options_.dataset->multi_turn()) return RenderTurn(request);
  return RenderDatasetItem(request);
}

HttpRequestSender::Rendered HttpRequestSender::RenderSynthetic(
    const ScheduledRequest& scheduled) const {
  const uint64_t index = ItemIndex(scheduled.index);
  const bool warmup = scheduled.warmup;
  workload::WorkloadItem item = workload_->Item(warmup ? kWarmupIndexBase + index : index);
  std::optional<uint64_t> per_request;
  if (options_.cache_bust == CacheBust::kPerRequest) per_request = index;
  const bool salted = options_.cache_bust != CacheBust::kNone || warmup;

  Rendered out;
  out.id = fmt::format("{}/{}/{}{}", point_, replicate_, warmup ? 'w' : 'm', index);
  out.input_tokens = item.input_tokens_requested;
  out.output_tokens = item.output_tokens_requested;
  client::Prompt prompt;
  if (options_.workload.token_ids) {
    if (salted) {
      prompt.ids =
          workload::SaltIds(options_.salt_seed, point_, replicate_, warmup,
                            options_.workload.vocab_lo, options_.workload.vocab_hi, per_request);
      out.salt = fmt::format("ids:{}", fmt::join(prompt.ids, ","));
    }
    prompt.ids.insert(prompt.ids.end(), item.prompt_ids.begin(), item.prompt_ids.end());
    out.prompt_ids = std::move(item.prompt_ids);
  } else {
    std::string text = std::move(item.prompt_text);
    // Drop words to make room for the chat template's tokens (the probe measured them).
    for (int i = 0; i < options_.prompt_overhead_tokens; ++i) {
      size_t space = text.rfind(' ');
      if (space == std::string::npos) break;
      text.resize(space);
    }
    if (salted) {
      out.salt = workload::Salt(options_.salt_seed, point_, replicate_, warmup, per_request);
      prompt.text = out.salt + text;
    } else {
      prompt.text = text;
    }
    out.prompt_text = std::move(text);
  }
  client::RequestOptions request_options = options_.request;
  request_options.max_tokens = item.output_tokens_requested;
  out.bytes = client::RenderHttpRequest(options_.target, request_options.endpoint,
                                        client::RenderRequestBody(request_options, prompt),
                                        request_options.stream);
  return out;
}

void HttpRequestSender::Finish(client::Prompt prompt, int max_tokens, bool warmup,
                               std::optional<uint64_t> per_request_key, Rendered* out) const {
  const bool chat = options_.request.endpoint == client::ApiEndpoint::kChat;
  if (!chat && !prompt.messages.empty()) {
    prompt.text = JoinContents(prompt.messages);
    prompt.messages.clear();
  }
  out->prompt_text = prompt.messages.empty() ? prompt.text : std::string();
  if (options_.cache_bust != CacheBust::kNone || warmup) {
    if (options_.cache_bust != CacheBust::kPerRequest) per_request_key.reset();
    out->salt = workload::Salt(options_.salt_seed, point_, replicate_, warmup, per_request_key);
    if (prompt.messages.empty()) {
      prompt.text.insert(0, out->salt);
    } else {
      auto first_user = std::find_if(prompt.messages.begin(), prompt.messages.end(),
                                     [](const client::ChatMessage& m) { return m.role == "user"; });
      if (first_user == prompt.messages.end()) first_user = prompt.messages.begin();
      first_user->content.insert(0, out->salt);
    }
  }
  client::RequestOptions request_options = options_.request;
  request_options.max_tokens = std::max(1, max_tokens);
  out->output_tokens = request_options.max_tokens;
  out->bytes = client::RenderHttpRequest(options_.target, request_options.endpoint,
                                         client::RenderRequestBody(request_options, prompt),
                                         request_options.stream);
}

HttpRequestSender::Rendered HttpRequestSender::RenderDatasetItem(
    const ScheduledRequest& scheduled) const {
  const workload::Dataset& dataset = *options_.dataset;
  const uint64_t index = scheduled.warmup ? scheduled.index : ItemIndex(scheduled.index);
  const workload::DatasetRequest& item = dataset.requests[index % dataset.requests.size()];
  Rendered out;
  out.id = fmt::format("{}/{}/{}{}", point_, replicate_, scheduled.warmup ? 'w' : 'm', index);
  out.input_tokens = item.input_tokens;
  client::Prompt prompt;
  if (item.messages.empty()) {
    prompt.text = item.prompt_text;
  } else {
    AppendMessages(item.messages, &prompt.messages);
  }
  Finish(std::move(prompt), item.output_tokens, scheduled.warmup, index, &out);
  return out;
}

HttpRequestSender::Rendered HttpRequestSender::RenderTurn(const ScheduledRequest& scheduled) const {
  const workload::Dataset& dataset = *options_.dataset;
  const size_t size = dataset.conversations.size();
  const bool warmup = scheduled.warmup;
  const uint64_t session =
      scheduled.session >= 0 ? static_cast<uint64_t>(scheduled.session) : scheduled.index;
  const uint64_t conversation_id = warmup ? session : ItemIndex(session);
  const int turn = scheduled.session >= 0 && !warmup ? std::max(scheduled.turn, 0) : 0;
  const workload::Conversation& conversation = dataset.conversations[conversation_id % size];
  const int last_turn = static_cast<int>(conversation.turns.size()) - 1;
  const int k = std::min(turn, last_turn);

  Rendered out;
  out.conversation = conversation_id;
  out.turn = k;
  out.session = conversation.session_id;
  if (const uint64_t pass = conversation_id / size; pass > 0) {
    out.session += fmt::format("#{}", pass);
  }
  out.id = fmt::format("{}/{}/{}{}t{}", point_, replicate_, warmup ? 'w' : 'm', conversation_id, k);
  client::Prompt prompt;
  for (int j = 0; j < k; ++j) {
    const workload::ConversationTurn& earlier = conversation.turns[static_cast<size_t>(j)];
    AppendMessages(earlier.messages, &prompt.messages);
    prompt.messages.push_back({"assistant", AnswerText(conversation_id, j)});
    out.input_tokens += earlier.input_tokens + earlier.output_tokens;
  }
  const workload::ConversationTurn& current = conversation.turns[static_cast<size_t>(k)];
  AppendMessages(current.messages, &prompt.messages);
  out.input_tokens += current.input_tokens;
  Finish(std::move(prompt), current.output_tokens, warmup, conversation_id, &out);
  return out;
}

std::string HttpRequestSender::AnswerText(uint64_t conversation, int turn) const {
  const workload::Dataset& dataset = *options_.dataset;
  const workload::ConversationTurn& t =
      dataset.conversations[conversation % dataset.conversations.size()]
          .turns[static_cast<size_t>(turn)];
  if (dataset.history == workload::HistoryMode::kSynthetic && !t.recorded_reply.empty()) {
    return t.recorded_reply;
  }
  if (auto it = answers_.find(conversation);
      it != answers_.end() && static_cast<size_t>(turn) < it->second.size()) {
    return it->second[static_cast<size_t>(turn)];
  }
  return SyntheticAnswer(conversation, turn);
}

std::string HttpRequestSender::SyntheticAnswer(uint64_t conversation, int turn) const {
  const workload::Dataset& dataset = *options_.dataset;
  const uint64_t item = conversation % dataset.conversations.size();
  const workload::ConversationTurn& t =
      dataset.conversations[item].turns[static_cast<size_t>(turn)];
  const uint64_t seed = workload::ItemSeed(
      workload::ItemSeed(DeriveSeed(options_.workload.prompt_seed, "history"), item),
      static_cast<uint64_t>(turn));
  return workload::TextOfTokens(seed, std::max(t.output_tokens, 0), options_.tokenizer.get());
}

void HttpRequestSender::KeepAnswer(const Rendered& rendered, bool ok, std::string&& text) {
  const workload::Dataset& dataset = *options_.dataset;
  const workload::Conversation& conversation =
      dataset.conversations[rendered.conversation % dataset.conversations.size()];
  const bool last = rendered.turn + 1 >= static_cast<int>(conversation.turns.size());
  if (!ok || last) {
    answers_.erase(rendered.conversation);
    return;
  }
  std::vector<std::string>& answers = answers_[rendered.conversation];
  // Answers arrive in turn order; a gap (a turn rendered without its predecessors' answers)
  // is filled with what AnswerText would have used.
  while (answers.size() < static_cast<size_t>(rendered.turn)) {
    answers.push_back(AnswerText(rendered.conversation, static_cast<int>(answers.size())));
  }
  answers.resize(static_cast<size_t>(rendered.turn));
  const workload::ConversationTurn& t = conversation.turns[static_cast<size_t>(rendered.turn)];
  if (dataset.history == workload::HistoryMode::kResponse) {
    answers.push_back(std::move(text));
  } else if (t.recorded_reply.empty()) {
    // Synthetic: computed once per conversation turn, not once per later turn.
    answers.push_back(SyntheticAnswer(rendered.conversation, rendered.turn));
  } else {
    answers.push_back(t.recorded_reply);
  }
}

void HttpRequestSender::Send(const ScheduledRequest& request, Done done) {
  auto rendered = std::make_shared<Rendered>(Render(request));
  std::string bytes = std::move(rendered->bytes);
  client_->Send(std::move(bytes), [this, guard = std::weak_ptr<char>(alive_), request, rendered,
                                   point = point_, replicate = replicate_,
                                   done = std::move(done)](client::HttpClient::Outcome&& outcome) {
    results::RequestRecord& record = outcome.record;
    record.request_id = std::move(rendered->id);
    record.point = point;
    record.replicate = replicate;
    record.warmup = request.warmup;
    record.t_sched_ns = request.t_sched_ns;
    record.input_tokens_requested = rendered->input_tokens;
    if (record.input_tokens <= 0) record.input_tokens = rendered->input_tokens;
    record.output_tokens_requested = rendered->output_tokens;
    record.salt = std::move(rendered->salt);
    if (!rendered->session.empty()) {
      record.session = rendered->session;
      record.turn = rendered->turn;
    }
    if (!guard.expired()) OnOutcome(request, *rendered, outcome);
    done(std::move(record));
  });
}

void HttpRequestSender::OnOutcome(const ScheduledRequest& request, const Rendered& rendered,
                                  client::HttpClient::Outcome& outcome) {
  results::RequestRecord& record = outcome.record;
  const bool text_arrived = !outcome.text.empty() || !outcome.reasoning_text.empty();
  if (options_.tokenizer && text_arrived &&
      record.output_tokens_source != results::TokenCountSource::kUsage) {
    const size_t tokens = options_.tokenizer->CountTokens(outcome.reasoning_text) +
                          options_.tokenizer->CountTokens(outcome.text);
    record.output_tokens = static_cast<int64_t>(tokens);
    record.output_tokens_source = results::TokenCountSource::kTokenizer;
  }
  if (options_.dataset && options_.dataset->multi_turn() && !request.warmup) {
    KeepAnswer(rendered, record.ok(), std::move(outcome.text));
  }
  if (token_sink_) token_sink_(record, std::move(outcome.token_times));
}

void HttpRequestSender::CancelInFlight() { client_->CancelAll(); }

int64_t HttpRequestSender::in_flight() const { return static_cast<int64_t>(client_->in_flight()); }

uint64_t HttpRequestSender::connections_opened() const { return client_->connections_opened(); }

}  // namespace inferbench::load
