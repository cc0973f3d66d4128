#include "stats/sol.h"

#include <cmath>

#include <gtest/gtest.h>

namespace inferbench::stats {
namespace {

// An 8B bf16 model on a made-up GPU with round numbers.
SolInputs RoundNumbers() {
  SolInputs in;
  in.running_batch = 64;
  in.mean_context_tokens = 1024 + 256 / 2;  // ISL 1024, OSL 256
  in.weight_bytes = 16e9;
  in.kv_bytes_per_token = 131072;
  in.params = 8e9;
  in.tensor_parallel = 1;
  in.hbm_bw_bytes_s = 3.2e12;
  in.peak_flops = 1e15;
  in.gpu_count = 1;
  return in;
}

TEST(SolTest, MemoryBoundHandComputed) {
  // memory  = (16e9 + 64·131072·1152) / 3.2e12 = 25.663676416e9 / 3.2e12 = 0.00801989888 s
  // compute = 2·8e9·64 / 1e15 = 0.001024 s
  // ceiling = 64 / 0.00801989888 = 7980.1505 tok/s
  const SolInputs in = RoundNumbers();
  EXPECT_NEAR(FloorStepSeconds(in), 0.00801989888, 1e-15);
  EXPECT_NEAR(CeilingTokSPerGpu(in), 7980.150492870055, 1e-6);
  EXPECT_NEAR(SolPct(7980.150492870055, in), 100, 1e-9);
  EXPECT_NEAR(SolPct(3990.0752464350275, in), 50, 1e-9);
}

TEST(SolTest, ComputeBoundCeilingIsPeakOverTwoP) {
  SolInputs in = RoundNumbers();
  in.running_batch = 4096;
  in.mean_context_tokens = 0;
  // compute = 2·8e9·4096 / 1e15 = 0.065536 s > memory 0.005 s; ceiling = 1e15 / 16e9 = 62500.
  EXPECT_NEAR(FloorStepSeconds(in), 0.065536, 1e-15);
  EXPECT_NEAR(CeilingTokSPerGpu(in), 62500, 1e-6);
}

TEST(SolTest, TensorParallelHalvesTheStepAndKeepsThePerGpuCeiling) {
  SolInputs in = RoundNumbers();
  in.tensor_parallel = 2;
  in.gpu_count = 2;
  EXPECT_NEAR(FloorStepSeconds(in), 0.00801989888 / 2, 1e-15);
  EXPECT_NEAR(CeilingTokSPerGpu(in), 7980.150492870055, 1e-6);
  // The deployment's throughput is compared per GPU: 2 GPUs at the ceiling is 100 %.
  EXPECT_NEAR(SolPct(2 * 7980.150492870055, in), 100, 1e-9);
}

TEST(SolTest, DataParallelGroupsSplitTheBatch) {
  // Two TP=1 groups running 128 requests in total: 64 each, the single-GPU case twice over.
  SolInputs in = RoundNumbers();
  in.running_batch = 128;
  in.gpu_count = 2;
  EXPECT_NEAR(FloorStepSeconds(in), 0.00801989888, 1e-15);
  EXPECT_NEAR(CeilingTokSPerGpu(in), 7980.150492870055, 1e-6);
  EXPECT_NEAR(SolPct(7980.150492870055, in), 50, 1e-9);
}

TEST(SolTest, InvalidInputsGiveNaN) {
  SolInputs in = RoundNumbers();
  in.running_batch = 0;
  EXPECT_FALSE(SolInputsValid(in));
  EXPECT_TRUE(std::isnan(SolPct(1000, in)));
  in = RoundNumbers();
  in.peak_flops = 0;
  EXPECT_TRUE(std::isnan(CeilingTokSPerGpu(in)));
  EXPECT_TRUE(std::isnan(SolPct(NAN, RoundNumbers())));
}

}  // namespace
}  // namespace inferbench::stats
