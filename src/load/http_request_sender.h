// HttpRequestSender: the load schedulers' RequestSender (load/request_sender.h) over the real
// wire — client::HttpClient on one event loop. For each scheduled request it takes the workload
// item, prepends the cache-bust salt, renders the OpenAI body and HTTP bytes, sends them and
// completes the RequestRecord with what the scheduler cannot know (ids, point, requested
// lengths, salt, session and turn). Per-token arrival times go to the TokenTimesSink before the
// record is handed back, so the caller can write both artifacts in order. Loop thread only.
//
// Where prompts come from:
//   no dataset              the synthetic generator (options.workload), item = ItemIndex(index)
//   single-request dataset  (jsonl, sharegpt, trace, shared-prefix) measured request `index` →
//                           dataset->requests[ItemIndex(index) mod size]; warmup request i →
//                           requests[i mod size] (warmup has its own salt, so it warms nothing
//                           a measured request reads). Chat: the item's messages as given (or
//                           its prompt_text as one user message); completions: prompt_text, or
//                           the messages' contents joined by a blank line. max_tokens =
//                           output_tokens; input_tokens_requested = input_tokens.
//   multi-turn dataset      ScheduledRequest{session = c, turn = k}: conversation
//                           conversations[C mod size] with C = ItemIndex(c) (pass C / size > 0
//                           is recorded as session "<session_id>#<pass>"). Messages: for each
//                           earlier turn j < k, turn j's messages then {"assistant", answer j};
//                           then turn k's messages. Answer j under HistoryMode::kSynthetic is
//                           turn j's recorded_reply when present, else TextOfTokens(seed, turn
//                           j's output_tokens, tokenizer) with seed = ItemSeed(ItemSeed(
//                           DeriveSeed(options.workload.prompt_seed, "history"), C mod size), j)
//                           — deterministic. Under kResponse it is the text the server streamed
//                           for turn j of this conversation (kept per conversation until its
//                           last turn completes or a turn fails; dropped by SetPoint); when none
//                           is stored (RenderRequest of a turn not yet answered) the synthetic
//                           text stands in. max_tokens = turn k's output_tokens;
//                           input_tokens_requested = Σ_{j<k}(input_tokens_j + output_tokens_j) +
//                           input_tokens_k. A request with session < 0 sends turn 0 of
//                           conversation `index` (warmup: conversation i mod size, turn 0).
// Dataset prompts are always text (options.workload.token_ids is for synthetic prompts only), and
// prompt_overhead_tokens does not trim them (their text is the dataset's).
//
// Cache-bust salts (DESIGN.md §5) apply to every kind: the salt is prepended to the text prompt,
// or to the content of the first user message (the first message when none is a user's). With
// per-request busting the salt key is the item index, and for multi-turn the conversation C, so
// the turns of one conversation share their prefix (as a real chat would) while conversations
// do not.
//
// Output tokens: with options.tokenizer set, a response without usage.completion_tokens gets
// output_tokens = CountTokens(reasoning text) + CountTokens(content text), source "tokenizer"
// (when any text arrived; tool-call-only answers keep the chunk count). The client then keeps
// the streamed text (ClientOptions::collect_text), as it does for history=response.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "client/http_client.h"
#include "client/openai_adapter.h"
#include "load/request_sender.h"
#include "workload/dataset.h"
#include "workload/synthetic.h"
#include "workload/tokenizer.h"

namespace inferbench::net {
class EventLoop;
}

namespace inferbench::load {

enum class CacheBust { kNone, kPerReplicate, kPerRequest };
// "none" | "per-replicate" | "per-request".
Result<CacheBust> ParseCacheBust(std::string_view text);
std::string_view CacheBustName(CacheBust mode);

struct HttpSenderOptions {
  client::HttpTarget target;
  client::RequestOptions request;  // endpoint, model, stream, sampling; max_tokens set per item
  // Used (and required valid) only when `dataset` is null; with a dataset only
  // workload.prompt_seed is read (the seed of synthetic history).
  workload::SyntheticConfig workload;
  // When set, prompts come from the dataset instead of the synthetic generator (issue 5):
  // single-request kinds by item index; multi-turn kinds by (session, turn) with the growing
  // history (dataset->history). Chat requests carry the dataset's messages as they are.
  // REQUIRES: dataset->size() > 0; the caller has checked CheckCount for the run (indices past
  // the end wrap around here whatever allow_repeat says).
  std::shared_ptr<const workload::Dataset> dataset;
  // When set: counts output tokens from the streamed text when the server sends no usage
  // (DESIGN.md §4 precedence), and builds synthetic history of exact token length.
  std::shared_ptr<const workload::Tokenizer> tokenizer;
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

  // The point and replicate that following requests belong to (ids, salts). Drops the stored
  // answers of unfinished conversations (history=response).
  void SetPoint(std::string point, int replicate);
  // Several workers share one point: worker `offset` of `stride` sends workload item
  // index·stride + offset for its scheduler's request `index` (and conversation
  // session·stride + offset for multi-turn), so no two workers send the same item and ids stay
  // unique. Default 1, 0.
  void SetIndexStride(uint64_t stride, uint64_t offset);

  void Send(const ScheduledRequest& request, Done done) override;
  void CancelInFlight() override;
  int64_t in_flight() const override;

  // The request bytes of one item without sending (determinism tests, probes): any index, or
  // any (session, turn) of a multi-turn dataset, in any order. *item (optional) gets the
  // requested lengths and, for text prompts, the prompt text (salt excluded).
  std::string RenderRequest(const ScheduledRequest& request, std::string* salt,
                            workload::WorkloadItem* item) const;
  uint64_t connections_opened() const;

 private:
  struct Rendered {
    std::string bytes;
    std::string salt;
    std::string prompt_text;           // text prompts, without the salt
    std::vector<uint32_t> prompt_ids;  // synthetic id prompts, without the salt
    int input_tokens = 0;
    int output_tokens = 0;
    std::string id;       // request id
    std::string session;  // multi-turn only
    int turn = -1;
    uint64_t conversation = 0;  // multi-turn: C, the key of answers_
  };

  Rendered Render(const ScheduledRequest& request) const;
  Rendered RenderSynthetic(const ScheduledRequest& request) const;
  Rendered RenderDatasetItem(const ScheduledRequest& request) const;
  Rendered RenderTurn(const ScheduledRequest& request) const;
  // Salts `prompt` (text or first user message) and renders the HTTP bytes into *out.
  void Finish(client::Prompt prompt, int max_tokens, bool warmup,
              std::optional<uint64_t> per_request_key, Rendered* out) const;
  // The history text of turn `turn` of conversation C (answers_ first, else synthetic).
  std::string AnswerText(uint64_t conversation, int turn) const;
  std::string SyntheticAnswer(uint64_t conversation, int turn) const;
  // A request completed and the sender is alive: tokenizer count, history, token times.
  void OnOutcome(const ScheduledRequest& request, const Rendered& rendered,
                 client::HttpClient::Outcome& outcome);
  // After a multi-turn request completed: keeps its answer for the next turn, or forgets the
  // conversation after its last turn or a failure.
  void KeepAnswer(const Rendered& rendered, bool ok, std::string&& text);

  // The workload item (and id number) a scheduler index stands for under the index stride.
  uint64_t ItemIndex(uint64_t scheduler_index) const { return scheduler_index * stride_ + offset_; }

  net::EventLoop& loop_;
  HttpSenderOptions options_;
  TokenTimesSink token_sink_;
  std::optional<workload::SyntheticWorkload> workload_;  // without a dataset
  std::unique_ptr<client::HttpClient> client_;
  // Multi-turn history of conversations in progress: answers_[C][j] = the history text of turn j.
  std::map<uint64_t, std::vector<std::string>> answers_;
  std::string point_;
  int replicate_ = 0;
  uint64_t stride_ = 1;
  uint64_t offset_ = 0;
  std::shared_ptr<char> alive_ = std::make_shared<char>();
};

}  // namespace inferbench::load
