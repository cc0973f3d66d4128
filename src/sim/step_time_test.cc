#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "sim/engine.h"
#include "sim/engine_params.h"

namespace inferbench::sim {
namespace {

// An 8B-parameter bf16 model on a made-up GPU with round numbers, so the expected times can be
// worked out by hand.
StepTimeParams RoundNumbers() {
  StepTimeParams p;
  p.c0_s = 0.001;
  p.c_req_s = 0.0001;
  p.weight_bytes = 16e9;
  p.kv_bytes_per_token = 131072;
  p.params = 8e9;
  p.tensor_parallel = 1;
  p.hbm_bw_bytes_s = 3.2e12;
  p.peak_flops = 1e15;
  p.eff_bw = 0.5;
  p.mfu = 0.5;
  return p;
}

TEST(StepTimeTest, MemoryBoundDecodeStep) {
  // 4 decodes over 4000 context tokens:
  //   memory  = (16e9 + 131072·4000) / (3.2e12·0.5) = 16.524288e9 / 1.6e12 = 0.01032768 s
  //   compute = 2·8e9·4 / (1e15·0.5) = 0.000128 s
  //   t = 0.001 + 4·0.0001 + 0.01032768
  EXPECT_NEAR(StepSeconds(RoundNumbers(), 4, 4000, 4), 0.01172768, 1e-12);
}

TEST(StepTimeTest, ComputeBoundPrefillStep) {
  // One 8192-token prefill chunk:
  //   compute = 2·8e9·8192 / 5e14 = 0.262144 s
  //   memory  = (16e9 + 131072·8192) / 1.6e12 = 0.01067108864 s
  //   t = 0.001 + 0.0001 + 0.262144
  EXPECT_NEAR(StepSeconds(RoundNumbers(), 1, 8192, 8192), 0.263244, 1e-12);
}

TEST(StepTimeTest, TensorParallelSplitsWeightsAndCompute) {
  StepTimeParams p = RoundNumbers();
  p.tensor_parallel = 2;
  p.c0_s = 0;
  p.c_req_s = 0;
  // Memory: (16e9/2 + 131072·4000) / 1.6e12 = 8.524288e9 / 1.6e12.
  EXPECT_NEAR(StepSeconds(p, 4, 4000, 4), 8.524288e9 / 1.6e12, 1e-12);
  // Compute: 2·8e9·8192 / (2·5e14).
  EXPECT_NEAR(StepSeconds(p, 1, 8192, 8192), 0.131072, 1e-12);
}

TEST(StepTimeTest, UnsetCeilingsContributeNothing) {
  StepTimeParams p;
  p.c0_s = 0.002;
  p.c_req_s = 0.001;
  EXPECT_DOUBLE_EQ(StepSeconds(p, 3, 1000, 1000), 0.005);
}

// Memory-only model where each context token costs exactly 1 ms (1e6 bytes at 1e9 bytes/s).
EngineParams MillisecondPerContextToken() {
  EngineParams p;
  p.step.kv_bytes_per_token = 1e6;
  p.step.hbm_bw_bytes_s = 1e9;
  p.kv_blocks = 64;
  p.block_size = 4;
  p.max_num_batched_tokens = 16;
  return p;
}

SeqRequest Prompt(int n, int max_tokens) {
  SeqRequest r;
  for (int i = 0; i < n; ++i) r.prompt_tokens.push_back(static_cast<uint32_t>(i));
  r.max_tokens = max_tokens;
  r.ignore_eos = true;
  return r;
}

std::vector<int64_t> StepDurations(EngineParams params, int prompt, int max_tokens) {
  Engine e(params, nullptr);
  EXPECT_EQ(e.Submit(Prompt(prompt, max_tokens)).error, SubmitError::kNone);
  std::vector<int64_t> durations;
  int64_t now = 0;
  while (e.HasWork()) {
    const StepOutcome out = e.BeginStep(now);
    durations.push_back(out.duration_ns);
    now += out.duration_ns;
    e.FinishStep(now);
  }
  return durations;
}

TEST(StepTimeTest, EngineChargesContextUpToTheEndOfEachChunkAndDecode) {
  // Prefill chunks end at 16, 32 and 40 tokens; the two decodes see 41 and 42 tokens.
  EXPECT_EQ(StepDurations(MillisecondPerContextToken(), 40, 3),
            (std::vector<int64_t>{16'000'000, 32'000'000, 40'000'000, 41'000'000, 42'000'000}));
}

TEST(StepTimeTest, TimeScaleMultipliesEveryDuration) {
  EngineParams p = MillisecondPerContextToken();
  p.time_scale = 0.1;
  EXPECT_EQ(StepDurations(p, 40, 3),
            (std::vector<int64_t>{1'600'000, 3'200'000, 4'000'000, 4'100'000, 4'200'000}));
}

TEST(StepTimeTest, EngineStepMatchesTheFormulaForABatch) {
  EngineParams p;
  p.step = RoundNumbers();
  p.kv_blocks = 1000;
  Engine e(p, nullptr);
  ASSERT_EQ(e.Submit(Prompt(100, 4)).error, SubmitError::kNone);
  ASSERT_EQ(e.Submit(Prompt(50, 4)).error, SubmitError::kNone);
  StepOutcome out = e.BeginStep(0);
  EXPECT_EQ(out.duration_ns, std::llround(StepSeconds(p.step, 2, 150, 150) * 1e9));
  e.FinishStep(out.duration_ns);
  out = e.BeginStep(out.duration_ns);
  // Two decodes: contexts 101 and 51.
  EXPECT_EQ(out.decode_tokens, 2);
  EXPECT_EQ(out.duration_ns, std::llround(StepSeconds(p.step, 2, 152, 2) * 1e9));
}

}  // namespace
}  // namespace inferbench::sim
