#include "load/http_request_sender.h"

#include <fmt/format.h>

#include <utility>

#include "client/http_client.h"
#include "net/event_loop.h"

namespace inferbench::load {

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
    : loop_(loop),
      options_(std::move(options)),
      token_sink_(std::move(token_sink)),
      workload_(options_.workload) {
  client::ClientOptions client_options;
  client_options.streaming = options_.request.stream;
  client_options.request_timeout_ns = options_.request_timeout_ns;
  client_options.expected_token_events =
      static_cast<size_t>(options_.workload.osl_mean + 3 * options_.workload.osl_stddev + 2);
  client_ = std::make_unique<client::HttpClient>(loop_, options_.target.url.endpoint, client_options);
}

HttpRequestSender::~HttpRequestSender() = default;

void HttpRequestSender::SetPoint(std::string point, int replicate) {
  point_ = std::move(point);
  replicate_ = replicate;
}

void HttpRequestSender::SetIndexStride(uint64_t stride, uint64_t offset) {
  stride_ = stride == 0 ? 1 : stride;
  offset_ = offset;
}

std::string HttpRequestSender::RenderRequest(const ScheduledRequest& scheduled, std::string* salt,
                                             workload::WorkloadItem* item_out) const {
  ScheduledRequest request = scheduled;
  request.index = ItemIndex(scheduled.index);
  // Warmup items come from their own index space far away from the measured ones, so warmup
  // never sends the same prompt as a measured request.
  constexpr uint64_t kWarmupIndexBase = uint64_t{1} << 40;
  workload::WorkloadItem item =
      workload_.Item(request.warmup ? kWarmupIndexBase + request.index : request.index);
  std::optional<uint64_t> per_request;
  if (options_.cache_bust == CacheBust::kPerRequest) per_request = request.index;
  const bool salted = options_.cache_bust != CacheBust::kNone || request.warmup;

  client::Prompt prompt;
  if (options_.workload.token_ids) {
    if (salted) {
      prompt.ids = workload::SaltIds(options_.salt_seed, point_, replicate_, request.warmup,
                                     options_.workload.vocab_lo, options_.workload.vocab_hi,
                                     per_request);
      *salt = fmt::format("ids:{}", fmt::join(prompt.ids, ","));
    }
    prompt.ids.insert(prompt.ids.end(), item.prompt_ids.begin(), item.prompt_ids.end());
  } else {
    std::string text = std::move(item.prompt_text);
    // Drop words to make room for the chat template's tokens (the probe measured them).
    for (int i = 0; i < options_.prompt_overhead_tokens; ++i) {
      size_t space = text.rfind(' ');
      if (space == std::string::npos) break;
      text.resize(space);
    }
    if (salted) {
      *salt = workload::Salt(options_.salt_seed, point_, replicate_, request.warmup, per_request);
      prompt.text = *salt + text;
    } else {
      prompt.text = std::move(text);
    }
  }
  client::RequestOptions request_options = options_.request;
  request_options.max_tokens = item.output_tokens_requested;
  if (item_out) *item_out = item;
  return client::RenderHttpRequest(options_.target, request_options.endpoint,
                                   client::RenderRequestBody(request_options, prompt),
                                   request_options.stream);
}

void HttpRequestSender::Send(const ScheduledRequest& request, Done done) {
  std::string salt;
  workload::WorkloadItem item;
  std::string bytes = RenderRequest(request, &salt, &item);
  std::string id = fmt::format("{}/{}/{}{}", point_, replicate_, request.warmup ? 'w' : 'm',
                               ItemIndex(request.index));
  std::weak_ptr<char> guard = alive_;
  client_->Send(std::move(bytes), [this, guard, request, id = std::move(id), salt = std::move(salt),
                                   input = item.input_tokens_requested,
                                   output = item.output_tokens_requested, point = point_,
                                   replicate = replicate_,
                                   done = std::move(done)](client::HttpClient::Outcome&& outcome) mutable {
    results::RequestRecord& record = outcome.record;
    record.request_id = std::move(id);
    record.point = std::move(point);
    record.replicate = replicate;
    record.warmup = request.warmup;
    record.t_sched_ns = request.t_sched_ns;
    record.input_tokens_requested = input;
    if (record.input_tokens <= 0) record.input_tokens = input;
    record.output_tokens_requested = output;
    record.salt = std::move(salt);
    if (!guard.expired() && token_sink_) token_sink_(record, std::move(outcome.token_times));
    done(std::move(record));
  });
}

void HttpRequestSender::CancelInFlight() { client_->CancelAll(); }

int64_t HttpRequestSender::in_flight() const { return static_cast<int64_t>(client_->in_flight()); }

uint64_t HttpRequestSender::connections_opened() const { return client_->connections_opened(); }

}  // namespace inferbench::load
