// HttpRequestSender: the load schedulers' RequestSender (load/request_sender.h) over the real
// wire — client::HttpClient on one event loop. For each scheduled request it takes the workload
// item, prepends the cache-bust salt, renders the OpenAI body and HTTP bytes, sends them and
// completes the RequestRecord with what the scheduler cannot know (ids, point, requested
// lengths, salt). Per-token arrival times go to the TokenTimesSink before the record is handed
// back, so the caller can write both artifacts in order. Loop thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "client/openai_adapter.h"
#include "load/request_sender.h"
#include "workload/synthetic.h"

namespace inferbench::net {
class EventLoop;
}
namespace inferbench::client {
class HttpClient;
}

namespace inferbench::load {

enum class CacheBust { kNone, kPerReplicate, kPerRequest };
// "none" | "per-replicate" | "per-request".
Result<CacheBust> ParseCacheBust(std::string_view text);
std::string_view CacheBustName(CacheBust mode);

struct HttpSenderOptions {
  client::HttpTarget target;
  client::RequestOptions request;  // endpoint, model, stream, sampling; max_tokens set per item
  workload::SyntheticConfig workload;
  CacheBust cache_bust = CacheBust::kPerReplicate;
  uint64_t salt_seed = 0;          // base seed of the salts
  int64_t request_timeout_ns = 0;  // 0: none
  // Text prompts: words to drop from each prompt so the achieved input length matches the
  // requested one (the chat template's tokens, measured by a probe). 0 for id prompts.
  int prompt_overhead_tokens = 0;
};

class HttpRequestSender final : public RequestSender {
 public:
  using TokenTimesSink =
      std::function<void(const results::RequestRecord& record, std::vector<int64_t>&& times)>;

  // REQUIRES: `loop` outlives the sender; options validated by the caller.
  HttpRequestSender(net::EventLoop& loop, HttpSenderOptions options, TokenTimesSink token_sink);
  ~HttpRequestSender() override;

  // The point and replicate that following requests belong to (ids, salts).
  void SetPoint(std::string point, int replicate);
  // Several workers share one point: worker `offset` of `stride` sends workload item
  // index·stride + offset for its scheduler's request `index`, so no two workers send the same
  // item and ids stay unique. Default 1, 0.
  void SetIndexStride(uint64_t stride, uint64_t offset);

  void Send(const ScheduledRequest& request, Done done) override;
  void CancelInFlight() override;
  int64_t in_flight() const override;

  // The request bytes of one item without sending (determinism tests, probes).
  std::string RenderRequest(const ScheduledRequest& request, std::string* salt,
                            workload::WorkloadItem* item) const;
  uint64_t connections_opened() const;

 private:
  // The workload item (and id number) a scheduler index stands for under the index stride.
  uint64_t ItemIndex(uint64_t scheduler_index) const { return scheduler_index * stride_ + offset_; }

  net::EventLoop& loop_;
  HttpSenderOptions options_;
  TokenTimesSink token_sink_;
  workload::SyntheticWorkload workload_;
  std::unique_ptr<client::HttpClient> client_;
  std::string point_;
  int replicate_ = 0;
  uint64_t stride_ = 1;
  uint64_t offset_ = 0;
  std::shared_ptr<char> alive_ = std::make_shared<char>();
};

}  // namespace inferbench::load
