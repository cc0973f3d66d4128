#include "sim/engine.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/clock.h"

namespace inferbench::sim {
namespace {

// Small, instantly-stepping engine: tests reason about scheduling, not time.
EngineParams SmallParams() {
  EngineParams p;
  p.zero_time = true;
  p.block_size = 4;
  p.kv_blocks = 64;
  p.max_num_seqs = 8;
  p.max_num_batched_tokens = 64;
  p.max_waiting = 16;
  p.max_model_len = 1024;
  return p;
}

// Prompt tokens base, base+1, …
SeqRequest Req(int prompt_len, int max_tokens, uint32_t base = 0) {
  SeqRequest r;
  for (int i = 0; i < prompt_len; ++i) r.prompt_tokens.push_back(base + static_cast<uint32_t>(i));
  r.max_tokens = max_tokens;
  r.ignore_eos = true;
  return r;
}

// Drives the engine on a virtual clock, one step per call.
class Stepper {
 public:
  explicit Stepper(Engine& engine) : engine_(engine) {}
  std::vector<TokenEvent> Step() {
    last = engine_.BeginStep(clock.NowNs());
    clock.AdvanceNs(last.duration_ns);
    return engine_.FinishStep(clock.NowNs());
  }
  VirtualClock clock;
  StepOutcome last;

 private:
  Engine& engine_;
};

SeqId Submit(Engine& e, SeqRequest r) {
  SubmitResult s = e.Submit(std::move(r));
  EXPECT_EQ(s.error, SubmitError::kNone) << s.message;
  return s.id;
}

std::vector<std::pair<SeqId, int>> Tokens(const std::vector<TokenEvent>& events) {
  std::vector<std::pair<SeqId, int>> out;
  for (const TokenEvent& e : events) out.emplace_back(e.id, e.index);
  return out;
}

using Pairs = std::vector<std::pair<SeqId, int>>;

TEST(EngineTest, NewRequestJoinsRunningBatchNextStep) {
  Engine e(SmallParams(), nullptr);
  Stepper s(e);
  const SeqId a = Submit(e, Req(8, 10));
  EXPECT_EQ(Tokens(s.Step()), (Pairs{{a, 0}}));
  EXPECT_EQ(s.last.prefill_tokens, 8);
  const SeqId b = Submit(e, Req(8, 10, 100));
  EXPECT_EQ(Tokens(s.Step()), (Pairs{{a, 1}, {b, 0}}));
  EXPECT_EQ(s.last.scheduled_seqs, 2);
  EXPECT_EQ(s.last.decode_tokens, 1);
  EXPECT_EQ(s.last.prefill_tokens, 8);
  EXPECT_EQ(Tokens(s.Step()), (Pairs{{a, 2}, {b, 1}}));
  EXPECT_EQ(s.last.decode_tokens, 2);
  EXPECT_EQ(e.num_running(), 2);
}

TEST(EngineTest, DecodesAreScheduledBeforePrefillWithinTheBudget) {
  EngineParams p = SmallParams();
  p.max_num_batched_tokens = 8;
  Engine e(p, nullptr);
  Stepper s(e);
  const SeqId a = Submit(e, Req(4, 10));
  const SeqId b = Submit(e, Req(4, 10, 50));
  s.Step();  // both prefilled (4 + 4 tokens)
  const SeqId c = Submit(e, Req(20, 10, 100));
  // The two decodes take 2 of the 8 tokens; the new prompt gets the remaining 6.
  EXPECT_EQ(Tokens(s.Step()), (Pairs{{a, 1}, {b, 1}}));
  EXPECT_EQ(s.last.decode_tokens, 2);
  EXPECT_EQ(s.last.prefill_tokens, 6);
  EXPECT_EQ(Tokens(s.Step()), (Pairs{{a, 2}, {b, 2}}));
  EXPECT_EQ(s.last.prefill_tokens, 6);
  EXPECT_EQ(Tokens(s.Step()), (Pairs{{a, 3}, {b, 3}}));
  // 18 of 20 prompt tokens done; the chunk that finishes it yields its first token.
  EXPECT_EQ(Tokens(s.Step()), (Pairs{{a, 4}, {b, 4}, {c, 0}}));
  EXPECT_EQ(s.last.prefill_tokens, 2);
}

TEST(EngineTest, LongPromptIsPrefilledInChunksAcrossSteps) {
  EngineParams p = SmallParams();
  p.max_num_batched_tokens = 16;
  Engine e(p, nullptr);
  Stepper s(e);
  const SeqId a = Submit(e, Req(40, 2));
  EXPECT_TRUE(s.Step().empty());
  EXPECT_EQ(s.last.prefill_tokens, 16);
  EXPECT_TRUE(s.Step().empty());
  EXPECT_EQ(s.last.prefill_tokens, 16);
  std::vector<TokenEvent> events = s.Step();
  EXPECT_EQ(s.last.prefill_tokens, 8);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].id, a);
  EXPECT_EQ(events[0].index, 0);
  EXPECT_EQ(events[0].prompt_tokens, 40);
  EXPECT_EQ(e.num_used_blocks(), 10);  // 40 tokens / 4 per block
}

TEST(EngineTest, PartialPrefillKeepsItsPlaceAheadOfNewRequests) {
  EngineParams p = SmallParams();
  p.max_num_batched_tokens = 16;
  Engine e(p, nullptr);
  Stepper s(e);
  const SeqId a = Submit(e, Req(24, 2));
  s.Step();  // 16 of 24
  const SeqId b = Submit(e, Req(4, 2, 100));
  // a's last 8 tokens first, then b's whole prompt fits the remaining 8.
  EXPECT_EQ(Tokens(s.Step()), (Pairs{{a, 0}, {b, 0}}));
  EXPECT_EQ(s.last.prefill_tokens, 12);
}

TEST(EngineTest, MaxNumSeqsCapsTheRunningBatch) {
  EngineParams p = SmallParams();
  p.max_num_seqs = 2;
  Engine e(p, nullptr);
  Stepper s(e);
  const SeqId a = Submit(e, Req(4, 1));
  const SeqId b = Submit(e, Req(4, 3, 10));
  const SeqId c = Submit(e, Req(4, 3, 20));
  EXPECT_EQ(Tokens(s.Step()), (Pairs{{a, 0}, {b, 0}}));  // a finishes (max_tokens 1)
  EXPECT_EQ(e.num_running(), 1);
  EXPECT_EQ(e.num_waiting(), 1);
  EXPECT_EQ(Tokens(s.Step()), (Pairs{{b, 1}, {c, 0}}));
  EXPECT_EQ(e.num_running(), 2);
  EXPECT_EQ(e.num_waiting(), 0);
}

TEST(EngineTest, SecondRequestHitsTheFirstRequestsPromptBlocks) {
  SimMetrics metrics;
  Engine e(SmallParams(), &metrics);
  Stepper s(e);
  SeqRequest first = Req(10, 1);  // tokens 0..9: two full blocks of 4
  Submit(e, first);
  s.Step();
  EXPECT_EQ(e.num_cached_blocks(), 2);
  EXPECT_EQ(e.num_used_blocks(), 0);  // finished; its blocks stay cached

  SeqRequest second = Req(8, 1);  // shares tokens 0..7, then diverges
  for (uint32_t t : {500u, 501u, 502u}) second.prompt_tokens.push_back(t);
  const SeqId b = Submit(e, second);
  std::vector<TokenEvent> events = s.Step();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].id, b);
  EXPECT_EQ(events[0].cached_prompt_tokens, 8);
  EXPECT_EQ(events[0].prompt_tokens, 11);
  EXPECT_EQ(s.last.prefill_tokens, 3);                 // only the uncached tail is computed
  EXPECT_EQ(metrics.prefix_cache_queries_total, 21u);  // 10 + 11 tokens queried
  EXPECT_EQ(metrics.prefix_cache_hits_total, 8u);
  EXPECT_EQ(metrics.prompt_tokens_total, 21u);
}

TEST(EngineTest, FullyCachedPromptStillComputesItsLastBlock) {
  SimMetrics metrics;
  Engine e(SmallParams(), &metrics);
  Stepper s(e);
  Submit(e, Req(8, 1));
  s.Step();
  Submit(e, Req(8, 1));  // identical, block aligned
  std::vector<TokenEvent> events = s.Step();
  ASSERT_EQ(events.size(), 1u);
  // The last token must be computed, and hits are whole blocks: 4 hit, 4 computed.
  EXPECT_EQ(events[0].cached_prompt_tokens, 4);
  EXPECT_EQ(s.last.prefill_tokens, 4);
  EXPECT_EQ(metrics.prefix_cache_hits_total, 4u);
}

TEST(EngineTest, PrefixCachingOffCachesNothing) {
  SimMetrics metrics;
  EngineParams p = SmallParams();
  p.prefix_caching = false;
  Engine e(p, &metrics);
  Stepper s(e);
  Submit(e, Req(12, 1));
  s.Step();
  Submit(e, Req(12, 1));
  std::vector<TokenEvent> events = s.Step();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].cached_prompt_tokens, 0);
  EXPECT_EQ(s.last.prefill_tokens, 12);
  EXPECT_EQ(e.num_cached_blocks(), 0);
  EXPECT_EQ(metrics.prefix_cache_queries_total, 0u);
  EXPECT_EQ(metrics.prefix_cache_hits_total, 0u);
}

TEST(EngineTest, LeastRecentlyUsedCachedBlocksAreEvictedFirst) {
  EngineParams p = SmallParams();
  p.kv_blocks = 4;
  Engine e(p, nullptr);
  Stepper s(e);
  auto first_event = [&](SeqRequest r) {
    Submit(e, std::move(r));
    std::vector<TokenEvent> events = s.Step();
    EXPECT_EQ(events.size(), 1u);
    return events.empty() ? TokenEvent{} : events[0];
  };
  first_event(Req(8, 1, 0));    // A: 2 blocks, cached after it finishes
  first_event(Req(8, 1, 100));  // B: 2 fresh blocks; the cache is now full of A and B
  EXPECT_EQ(e.num_cached_blocks(), 4);
  first_event(Req(8, 1, 200));  // C needs 2 blocks: evicts A's (released before B's)
  EXPECT_EQ(e.num_cached_blocks(), 4);
  EXPECT_EQ(first_event(Req(8, 1, 100)).cached_prompt_tokens, 4);  // B is still cached
  EXPECT_EQ(first_event(Req(8, 1, 0)).cached_prompt_tokens, 0);    // A was evicted
}

// Two sequences decode until the cache runs out; the newer one is preempted, waits, and is
// recomputed (prompt + generated tokens) once blocks are free again.
void RunPreemptionScenario(bool prefix_caching, int expected_recompute_tokens,
                           uint64_t expected_hits) {
  SimMetrics metrics;
  EngineParams p = SmallParams();
  p.kv_blocks = 4;
  p.prefix_caching = prefix_caching;
  Engine e(p, &metrics);
  Stepper s(e);
  const SeqId a = Submit(e, Req(4, 8, 0));
  const SeqId b = Submit(e, Req(4, 8, 100));
  EXPECT_EQ(Tokens(s.Step()), (Pairs{{a, 0}, {b, 0}}));
  for (int i = 1; i <= 4; ++i) EXPECT_EQ(Tokens(s.Step()), (Pairs{{a, i}, {b, i}}));
  EXPECT_EQ(e.num_used_blocks(), 4);
  EXPECT_EQ(metrics.num_preemptions_total, 0u);

  // a needs a third block: b (newest) is preempted and goes back to the queue.
  EXPECT_EQ(Tokens(s.Step()), (Pairs{{a, 5}}));
  EXPECT_EQ(metrics.num_preemptions_total, 1u);
  EXPECT_EQ(e.num_running(), 1);
  EXPECT_EQ(e.num_waiting(), 1);
  EXPECT_EQ(Tokens(s.Step()), (Pairs{{a, 6}}));  // b (9 tokens, 3 blocks) does not fit yet
  std::vector<TokenEvent> last_a = s.Step();
  ASSERT_EQ(last_a.size(), 1u);
  EXPECT_EQ(last_a[0].finish, FinishReason::kLength);

  // b resumes: it recomputes its 4 prompt + 5 generated tokens and continues at index 5.
  EXPECT_EQ(Tokens(s.Step()), (Pairs{{b, 5}}));
  EXPECT_EQ(s.last.prefill_tokens, expected_recompute_tokens);
  EXPECT_EQ(Tokens(s.Step()), (Pairs{{b, 6}}));
  EXPECT_EQ(Tokens(s.Step()), (Pairs{{b, 7}}));
  EXPECT_FALSE(e.HasWork());
  EXPECT_EQ(metrics.num_preemptions_total, 1u);
  EXPECT_EQ(metrics.generation_tokens_total, 16u);
  EXPECT_EQ(metrics.prompt_tokens_total, 8u);  // a re-admission is not a new prompt
  EXPECT_EQ(metrics.prefix_cache_hits_total, expected_hits);
  EXPECT_EQ(metrics.request_success_length, 2u);
}

TEST(EngineTest, PreemptsNewestAndRecomputesWithoutPrefixCache) {
  RunPreemptionScenario(/*prefix_caching=*/false, /*expected_recompute_tokens=*/9, 0);
}

TEST(EngineTest, PreemptedSequenceReusesItsOwnCachedBlocks) {
  // b's first block survives in the cache (a took b's uncached partial block and evicted b's
  // second block), so only 5 of its 9 tokens are recomputed.
  RunPreemptionScenario(/*prefix_caching=*/true, /*expected_recompute_tokens=*/5, 4);
}

TEST(EngineTest, PreemptedSequenceResumesAheadOfLaterArrivals) {
  EngineParams p = SmallParams();
  p.kv_blocks = 4;
  p.prefix_caching = false;
  Engine e(p, nullptr);
  Stepper s(e);
  const SeqId a = Submit(e, Req(4, 8, 0));
  const SeqId b = Submit(e, Req(4, 8, 100));
  for (int i = 0; i < 6; ++i) s.Step();  // b is preempted in the sixth step
  ASSERT_EQ(e.num_waiting(), 1);
  const SeqId c = Submit(e, Req(4, 1, 200));
  // c would fit the one free block, but the queue is first come first served and b is at its
  // head: nobody is admitted until a finishes.
  EXPECT_EQ(Tokens(s.Step()), (Pairs{{a, 6}}));
  EXPECT_EQ(Tokens(s.Step()), (Pairs{{a, 7}}));
  EXPECT_EQ(Tokens(s.Step()), (Pairs{{b, 5}, {c, 0}}));
}

TEST(EngineTest, RejectsWhenTheWaitingQueueIsFull) {
  EngineParams p = SmallParams();
  p.max_waiting = 2;
  Engine e(p, nullptr);
  Submit(e, Req(4, 1));
  Submit(e, Req(4, 1));
  SubmitResult r = e.Submit(Req(4, 1));
  EXPECT_EQ(r.error, SubmitError::kQueueFull);
  EXPECT_NE(r.message.find("waiting"), std::string::npos);
  EXPECT_EQ(e.num_waiting(), 2);
  // Once a step admits them, the queue has room again.
  Stepper s(e);
  s.Step();
  EXPECT_EQ(e.Submit(Req(4, 1)).error, SubmitError::kNone);
}

TEST(EngineTest, RejectsRequestsLongerThanTheModel) {
  EngineParams p = SmallParams();
  p.max_model_len = 100;
  Engine e(p, nullptr);
  SubmitResult r = e.Submit(Req(90, 20));
  EXPECT_EQ(r.error, SubmitError::kTooLong);
  EXPECT_EQ(r.message,
            "This model's maximum context length is 100 tokens. However, you requested 110 tokens "
            "(90 in the messages, 20 in the completion). Please reduce the length of the messages "
            "or completion.");
  EXPECT_EQ(e.Submit(Req(90, 10)).error, SubmitError::kNone);  // exactly max_model_len is fine
  EXPECT_EQ(e.num_waiting(), 1);
}

TEST(EngineTest, RejectsRequestsThatCannotFitTheWholeCache) {
  EngineParams p = SmallParams();
  p.kv_blocks = 2;  // 8 tokens
  Engine e(p, nullptr);
  // 8 prompt + 2 output tokens need KV for 9 tokens (the last output never does): 3 blocks.
  SubmitResult r = e.Submit(Req(8, 2));
  EXPECT_EQ(r.error, SubmitError::kTooLong);
  EXPECT_NE(r.message.find("KV-cache blocks"), std::string::npos);
  EXPECT_NE(r.message.find("only 2 blocks"), std::string::npos);
  EXPECT_EQ(e.Submit(Req(8, 1)).error, SubmitError::kNone);
}

TEST(EngineTest, RejectsEmptyPromptAndZeroMaxTokens) {
  Engine e(SmallParams(), nullptr);
  EXPECT_EQ(e.Submit(Req(0, 4)).error, SubmitError::kTooLong);
  EXPECT_EQ(e.Submit(Req(4, 0)).error, SubmitError::kTooLong);
  EXPECT_FALSE(e.HasWork());
}

TEST(EngineTest, CancelMidStepDropsTheSequencesEvents) {
  Engine e(SmallParams(), nullptr);
  const SeqId a = Submit(e, Req(4, 5));
  const SeqId b = Submit(e, Req(4, 5, 100));
  StepOutcome out = e.BeginStep(0);
  EXPECT_EQ(out.scheduled_seqs, 2);
  e.Cancel(a);
  EXPECT_EQ(e.num_used_blocks(), 1);  // a's block is freed at once
  std::vector<TokenEvent> events = e.FinishStep(0);
  EXPECT_EQ(Tokens(events), (Pairs{{b, 0}}));
  EXPECT_EQ(e.num_running(), 1);
  out = e.BeginStep(0);
  EXPECT_EQ(out.scheduled_seqs, 1);
  EXPECT_EQ(Tokens(e.FinishStep(0)), (Pairs{{b, 1}}));
}

TEST(EngineTest, CancelWaitingRunningAndUnknown) {
  Engine e(SmallParams(), nullptr);
  Stepper s(e);
  const SeqId a = Submit(e, Req(4, 5));
  s.Step();
  const SeqId b = Submit(e, Req(4, 5, 100));
  e.Cancel(b);  // still waiting
  EXPECT_EQ(e.num_waiting(), 0);
  e.Cancel(a);  // running
  EXPECT_EQ(e.num_running(), 0);
  EXPECT_EQ(e.kv_cache_usage(), 0.0);
  EXPECT_FALSE(e.HasWork());
  e.Cancel(a);      // twice
  e.Cancel(12345);  // never existed
  EXPECT_FALSE(e.HasWork());
}

TEST(EngineTest, FinishReasons) {
  SimMetrics metrics;
  Engine e(SmallParams(), &metrics);
  Stepper s(e);
  SeqRequest length = Req(4, 3);  // ignore_eos: runs to max_tokens
  length.eos_after = 1;
  SeqRequest stop = Req(4, 5, 100);
  stop.ignore_eos = false;
  stop.eos_after = 2;
  SeqRequest min_tokens = Req(4, 8, 200);
  min_tokens.ignore_eos = false;
  min_tokens.eos_after = 2;
  min_tokens.min_tokens = 4;
  SeqRequest eos_past_max = Req(4, 2, 300);
  eos_past_max.ignore_eos = false;
  eos_past_max.eos_after = 9;
  const SeqId l = Submit(e, length);
  const SeqId st = Submit(e, stop);
  const SeqId mt = Submit(e, min_tokens);
  const SeqId ep = Submit(e, eos_past_max);

  std::vector<std::pair<SeqId, int>> finished;  // (id, tokens generated) per finish
  std::vector<FinishReason> reasons;
  while (e.HasWork()) {
    for (const TokenEvent& ev : s.Step()) {
      if (ev.finish == FinishReason::kNone) continue;
      finished.emplace_back(ev.id, ev.index + 1);
      reasons.push_back(ev.finish);
    }
  }
  EXPECT_EQ(finished, (Pairs{{st, 2}, {ep, 2}, {l, 3}, {mt, 4}}));
  EXPECT_EQ(reasons, (std::vector<FinishReason>{FinishReason::kStop, FinishReason::kLength,
                                                FinishReason::kLength, FinishReason::kStop}));
  EXPECT_EQ(metrics.request_success_length, 2u);
  EXPECT_EQ(metrics.request_success_stop, 2u);
  EXPECT_EQ(metrics.generation_tokens_total, 11u);
  EXPECT_EQ(metrics.prompt_tokens_total, 16u);
}

TEST(EngineTest, KvCacheUsageCountsReferencedBlocks) {
  EngineParams p = SmallParams();
  p.kv_blocks = 10;
  Engine e(p, nullptr);
  Stepper s(e);
  EXPECT_EQ(e.kv_cache_usage(), 0.0);
  Submit(e, Req(8, 3));  // 2 blocks
  s.Step();
  EXPECT_DOUBLE_EQ(e.kv_cache_usage(), 0.2);
  s.Step();  // token at position 8 needs a third block
  EXPECT_DOUBLE_EQ(e.kv_cache_usage(), 0.3);
  s.Step();  // finished: cached blocks are not "used"
  EXPECT_EQ(e.kv_cache_usage(), 0.0);
}

TEST(EngineTest, ZeroTimeStepsTakeNoTime) {
  EngineParams p = SmallParams();
  p.step.c0_s = 1.0;
  p.step.hbm_bw_bytes_s = 1e9;
  p.step.weight_bytes = 1e9;
  Engine e(p, nullptr);
  Submit(e, Req(4, 2));
  EXPECT_EQ(e.BeginStep(0).duration_ns, 0);
  e.FinishStep(0);
}

}  // namespace
}  // namespace inferbench::sim
