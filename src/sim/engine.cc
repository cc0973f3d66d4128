#include "sim/engine.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <deque>
#include <unordered_map>

#include <fmt/format.h>

#include "sim/block_manager.h"

namespace inferbench::sim {
namespace {

// Stand-in id for output token `position` of sequence `id`: the simulator does not know which
// tokens it "generated", so a block holding output tokens gets a hash unique to its sequence.
// That still lets a preempted sequence find its own blocks again when it is recomputed, as in
// vLLM. The top bit keeps it apart from every real (32-bit) token id.
uint64_t OutputTokenId(SeqId id, int position) {
  return (uint64_t{1} << 63) | ((id << 24) ^ static_cast<uint64_t>(position));
}

}  // namespace

struct Engine::Impl {
  struct Seq {
    SeqId id = 0;
    SeqRequest request;
    int prompt_len = 0;
    int generated = 0;              // output tokens emitted so far
    int num_computed = 0;           // tokens whose KV sits in `blocks`
    int cached_prompt_tokens = -1;  // prefix-cache hit at first admission (-1: never admitted)
    int64_t first_scheduled_ns = 0; // step start of the first admission (queue time)
    int scheduled = 0;              // tokens planned in the step in progress
    bool in_step = false;
    bool running = false;
    bool cancelled = false;
    bool finished = false;
    std::vector<BlockId> blocks;
    std::vector<BlockHash> hashes;  // chain hashes of the full blocks of known tokens, lazily
    int registered_blocks = 0;      // leading blocks already registered in the prefix cache

    int known_tokens() const { return prompt_len + generated; }
    // One token left to compute, and it is an output token: a decode.
    bool decoding() const { return generated > 0 && known_tokens() - num_computed == 1; }
  };

  Impl(EngineParams p, SimMetrics* m) : params(p), metrics(m), blocks(std::max(p.kv_blocks, 0)) {}

  void Count(uint64_t SimMetrics::*counter, uint64_t n) {
    if (metrics != nullptr) metrics->*counter += n;
  }

  // Extends seq.hashes to cover its first `n` blocks. REQUIRES: n·block_size <= known tokens.
  void EnsureHashes(Seq& seq, int n) {
    if (static_cast<int>(seq.hashes.size()) >= n) return;
    const int bs = params.block_size;
    std::vector<uint64_t> ids(static_cast<size_t>(bs));
    for (int j = static_cast<int>(seq.hashes.size()); j < n; ++j) {
      for (int k = 0; k < bs; ++k) {
        const int pos = j * bs + k;
        ids[static_cast<size_t>(k)] = pos < seq.prompt_len
                                          ? seq.request.prompt_tokens[static_cast<size_t>(pos)]
                                          : OutputTokenId(seq.id, pos);
      }
      const BlockHash parent = j == 0 ? kRootBlockHash : seq.hashes[static_cast<size_t>(j - 1)];
      seq.hashes.push_back(HashBlock(parent, ids));
    }
  }

  int BlocksFor(int64_t tokens) const {
    return static_cast<int>((tokens + params.block_size - 1) / params.block_size);
  }

  // Makes room for `total_tokens` in seq's blocks; all or nothing.
  bool Reserve(Seq& seq, int total_tokens) {
    const int need = BlocksFor(total_tokens) - static_cast<int>(seq.blocks.size());
    if (need <= 0) return true;
    if (need > blocks.num_free()) return false;
    for (int i = 0; i < need; ++i) seq.blocks.push_back(blocks.Allocate());
    return true;
  }

  // Releases blocks last-first, so a sequence's tail blocks are the first evicted.
  void FreeBlocks(Seq& seq) {
    for (auto it = seq.blocks.rbegin(); it != seq.blocks.rend(); ++it) blocks.Release(*it);
    seq.blocks.clear();
    seq.registered_blocks = 0;
  }

  void Unschedule(Seq& seq) {
    if (!seq.in_step) return;
    budget += seq.scheduled;
    seq.in_step = false;
    seq.scheduled = 0;
  }

  void Schedule(Seq& seq, int tokens) {
    seq.scheduled = tokens;
    seq.in_step = true;
    budget -= tokens;
    plan.push_back(&seq);
  }

  // Recompute preemption: the sequence loses its KV and goes back to the head of the queue.
  void Preempt(Seq& seq) {
    Unschedule(seq);
    FreeBlocks(seq);
    seq.num_computed = 0;
    seq.running = false;
    running.erase(std::find(running.begin(), running.end(), &seq));
    waiting.push_front(&seq);
    Count(&SimMetrics::num_preemptions_total, 1);
  }

  // Schedules running sequences (decodes, or partial prefills). Returns false when a sequence had
  // to preempt itself, which ends scheduling of running sequences for this step.
  bool ScheduleRunning(bool decodes) {
    for (size_t i = 0; i < running.size() && budget > 0; ++i) {
      Seq& seq = *running[i];
      if (seq.decoding() != decodes || seq.in_step) continue;
      const int tokens = std::min(seq.known_tokens() - seq.num_computed, budget);
      while (!Reserve(seq, seq.num_computed + tokens)) {
        Seq& victim = *running.back();
        Preempt(victim);
        preempted = true;
        if (&victim == &seq) return false;
      }
      Schedule(seq, tokens);
    }
    return true;
  }

  void AdmitWaiting() {
    const int bs = params.block_size;
    while (!waiting.empty() && budget > 0 &&
           static_cast<int>(running.size()) < params.max_num_seqs) {
      Seq& seq = *waiting.front();
      const int known = seq.known_tokens();
      BlockManager::PrefixMatch match;
      if (params.prefix_caching) {
        // At least the last token is always computed (its logits give the next token), and hits
        // are whole blocks, so a block-aligned prompt recomputes its last block, as vLLM does.
        const int max_hit_blocks = (known - 1) / bs;
        EnsureHashes(seq, max_hit_blocks);
        match =
            blocks.MatchPrefix(std::span(seq.hashes.data(), static_cast<size_t>(max_hit_blocks)));
      }
      const int hit_tokens = match.blocks * bs;
      const int tokens = std::min(known - hit_tokens, budget);
      const int new_blocks = BlocksFor(hit_tokens + tokens) - match.blocks;
      if (new_blocks + match.evictable > blocks.num_free()) break;

      waiting.pop_front();
      for (int j = 0; j < match.blocks; ++j) {
        seq.blocks.push_back(blocks.AcquireCached(seq.hashes[static_cast<size_t>(j)]));
      }
      for (int j = 0; j < new_blocks; ++j) seq.blocks.push_back(blocks.Allocate());
      seq.registered_blocks = match.blocks;
      seq.num_computed = hit_tokens;
      seq.running = true;
      running.push_back(&seq);
      if (seq.cached_prompt_tokens < 0) {
        seq.cached_prompt_tokens = hit_tokens;
        seq.first_scheduled_ns = step_begin_ns;
        Count(&SimMetrics::prompt_tokens_total, static_cast<uint64_t>(seq.prompt_len));
      }
      if (params.prefix_caching) {
        Count(&SimMetrics::prefix_cache_queries_total, static_cast<uint64_t>(known));
        Count(&SimMetrics::prefix_cache_hits_total, static_cast<uint64_t>(hit_tokens));
      }
      Schedule(seq, tokens);
    }
  }

  void RegisterComputedBlocks(Seq& seq) {
    const int full = seq.num_computed / params.block_size;
    if (full <= seq.registered_blocks) return;
    EnsureHashes(seq, full);
    for (int j = seq.registered_blocks; j < full; ++j) {
      blocks.Register(seq.blocks[static_cast<size_t>(j)], seq.hashes[static_cast<size_t>(j)]);
    }
    seq.registered_blocks = full;
  }

  FinishReason FinishAfterToken(const Seq& seq) const {
    const SeqRequest& r = seq.request;
    if (seq.generated >= r.max_tokens) return FinishReason::kLength;
    if (!r.ignore_eos && r.eos_after >= 0 &&
        seq.generated >= std::max({r.eos_after, r.min_tokens, 1})) {
      return FinishReason::kStop;
    }
    return FinishReason::kNone;
  }

  EngineParams params;
  SimMetrics* metrics;
  BlockManager blocks;
  std::unordered_map<SeqId, std::unique_ptr<Seq>> seqs;
  std::deque<Seq*> waiting;
  std::vector<Seq*> running;  // in admission order; the back is the newest
  std::vector<Seq*> plan;     // the step in progress
  std::vector<std::unique_ptr<Seq>> cancelled_in_step;  // kept alive until FinishStep
  SeqId next_id = 1;
  int budget = 0;
  bool preempted = false;
  bool step_in_progress = false;
  int64_t step_begin_ns = 0;
};

Engine::Engine(EngineParams params, SimMetrics* metrics)
    : impl_(std::make_unique<Impl>(params, metrics)) {
  assert(params.block_size > 0 && params.max_num_batched_tokens > 0 && params.max_num_seqs > 0);
}

Engine::~Engine() = default;

SubmitResult Engine::Submit(SeqRequest request) {
  const EngineParams& p = impl_->params;
  SubmitResult result;
  const int64_t prompt = static_cast<int64_t>(request.prompt_tokens.size());
  if (prompt == 0) {
    result.error = SubmitError::kTooLong;
    result.message = "The decoder prompt cannot be empty";
    return result;
  }
  if (request.max_tokens < 1) {
    result.error = SubmitError::kTooLong;
    result.message = fmt::format("max_tokens must be at least 1, got {}.", request.max_tokens);
    return result;
  }
  const int64_t total = prompt + request.max_tokens;
  if (total > p.max_model_len) {
    result.error = SubmitError::kTooLong;
    result.message = fmt::format(
        "This model's maximum context length is {} tokens. However, you requested {} tokens ({} "
        "in the messages, {} in the completion). Please reduce the length of the messages or "
        "completion.",
        p.max_model_len, total, prompt, request.max_tokens);
    return result;
  }
  // The last output token never needs KV. A sequence that cannot fit the whole cache by itself
  // would preempt itself forever, so it is refused up front.
  const int64_t blocks_needed = (total - 1 + p.block_size - 1) / p.block_size;
  if (blocks_needed > p.kv_blocks) {
    result.error = SubmitError::kTooLong;
    result.message = fmt::format(
        "This request needs {} KV-cache blocks of {} tokens ({} prompt + {} completion tokens) but "
        "the simulated KV cache holds only {} blocks. Please reduce the length of the messages or "
        "completion, or raise --kv-blocks.",
        blocks_needed, p.block_size, prompt, request.max_tokens, p.kv_blocks);
    return result;
  }
  if (static_cast<int64_t>(impl_->waiting.size()) >= p.max_waiting) {
    result.error = SubmitError::kQueueFull;
    result.message = fmt::format(
        "The server is overloaded: {} requests are already waiting (limit {}). Please retry later.",
        impl_->waiting.size(), p.max_waiting);
    return result;
  }
  auto seq = std::make_unique<Impl::Seq>();
  seq->id = impl_->next_id++;
  seq->prompt_len = static_cast<int>(prompt);
  seq->request = std::move(request);
  result.id = seq->id;
  impl_->waiting.push_back(seq.get());
  impl_->seqs.emplace(result.id, std::move(seq));
  return result;
}

void Engine::Cancel(SeqId id) {
  auto it = impl_->seqs.find(id);
  if (it == impl_->seqs.end()) return;
  Impl::Seq& seq = *it->second;
  if (seq.running) {
    impl_->running.erase(std::find(impl_->running.begin(), impl_->running.end(), &seq));
  } else {
    impl_->waiting.erase(std::find(impl_->waiting.begin(), impl_->waiting.end(), &seq));
  }
  impl_->FreeBlocks(seq);
  seq.cancelled = true;
  if (seq.in_step) impl_->cancelled_in_step.push_back(std::move(it->second));
  impl_->seqs.erase(it);
}

bool Engine::HasWork() const { return !impl_->waiting.empty() || !impl_->running.empty(); }

StepOutcome Engine::BeginStep(int64_t now_ns) {
  Impl& m = *impl_;
  assert(!m.step_in_progress);
  m.step_in_progress = true;
  m.step_begin_ns = now_ns;
  m.plan.clear();
  m.budget = m.params.max_num_batched_tokens;
  m.preempted = false;

  if (m.ScheduleRunning(/*decodes=*/true)) m.ScheduleRunning(/*decodes=*/false);
  // As in vLLM, a step that had to preempt admits nobody new: the cache is already short.
  if (!m.preempted) m.AdmitWaiting();
  std::erase_if(m.plan, [](const Impl::Seq* s) { return !s->in_step; });

  StepOutcome out;
  int64_t context_tokens = 0;
  for (const Impl::Seq* s : m.plan) {
    context_tokens += s->num_computed + s->scheduled;
    if (s->decoding()) {
      out.decode_tokens += s->scheduled;
    } else {
      out.prefill_tokens += s->scheduled;
    }
  }
  out.scheduled_seqs = static_cast<int>(m.plan.size());
  if (out.scheduled_seqs > 0 && !m.params.zero_time) {
    const double seconds = StepSeconds(m.params.step, out.scheduled_seqs, context_tokens,
                                       out.decode_tokens + out.prefill_tokens);
    out.duration_ns = std::llround(seconds * m.params.time_scale * 1e9);
  }
  return out;
}

std::vector<TokenEvent> Engine::FinishStep(int64_t now_ns) {
  Impl& m = *impl_;
  assert(m.step_in_progress && now_ns >= m.step_begin_ns);
  (void)now_ns;
  std::vector<TokenEvent> events;
  events.reserve(m.plan.size());
  bool any_finished = false;
  for (Impl::Seq* s : m.plan) {
    if (s->cancelled) continue;
    Impl::Seq& seq = *s;
    seq.num_computed += seq.scheduled;
    seq.scheduled = 0;
    seq.in_step = false;
    if (m.params.prefix_caching) m.RegisterComputedBlocks(seq);
    if (seq.num_computed < seq.known_tokens()) continue;  // a prefill chunk short of the end

    TokenEvent event;
    event.id = seq.id;
    event.index = seq.generated;
    if (event.index == 0) {
      event.cached_prompt_tokens = seq.cached_prompt_tokens;
      event.prompt_tokens = seq.prompt_len;
      event.first_scheduled_ns = seq.first_scheduled_ns;
    }
    ++seq.generated;
    m.Count(&SimMetrics::generation_tokens_total, 1);
    event.finish = m.FinishAfterToken(seq);
    if (event.finish != FinishReason::kNone) {
      m.Count(event.finish == FinishReason::kStop ? &SimMetrics::request_success_stop
                                                  : &SimMetrics::request_success_length,
              1);
      m.FreeBlocks(seq);
      seq.finished = true;
      any_finished = true;
    }
    events.push_back(event);
  }
  if (any_finished) {
    std::erase_if(m.running, [](const Impl::Seq* s) { return s->finished; });
    for (const TokenEvent& e : events) {
      if (e.finish != FinishReason::kNone) m.seqs.erase(e.id);
    }
  }
  m.plan.clear();
  m.cancelled_in_step.clear();
  m.step_in_progress = false;
  return events;
}

bool Engine::step_in_progress() const { return impl_->step_in_progress; }
int Engine::num_running() const { return static_cast<int>(impl_->running.size()); }
int Engine::num_waiting() const { return static_cast<int>(impl_->waiting.size()); }

double Engine::kv_cache_usage() const {
  const int capacity = impl_->blocks.capacity();
  return capacity > 0 ? static_cast<double>(impl_->blocks.num_used()) / capacity : 0.0;
}

int Engine::num_used_blocks() const { return impl_->blocks.num_used(); }
int Engine::num_cached_blocks() const { return impl_->blocks.num_cached(); }
const EngineParams& Engine::params() const { return impl_->params; }

}  // namespace inferbench::sim
