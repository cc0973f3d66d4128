// Microbenchmarks of the simulator's hot paths (DESIGN.md §11: ≥ 1,000,000 token events/s on one
// core in `instant` mode): rendering one SSE token chunk, and one engine step in zero-time mode.
// Items are token events, so items_per_second reads directly as events/s on one core.
#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sim/chunk_writer.h"
#include "sim/engine.h"
#include "sim/engine_params.h"

namespace inferbench::sim {
namespace {

// Typical short BPE pieces, with one that needs JSON escaping.
constexpr std::array<std::string_view, 8> kTokenTexts = {" the", " model",      ",",   " inference",
                                                         "\n",   " \"server\"", " of", " tokens"};

// One token chunk per iteration, as the simulator renders it; the buffer is emptied every 64
// chunks (roughly what one socket write carries) so it stays in cache and never reallocates.
void BM_ChunkWriterAppendToken(benchmark::State& state) {
  const Endpoint endpoint = state.range(0) == 0 ? Endpoint::kCompletions : Endpoint::kChat;
  ChunkWriter writer(endpoint, "cmpl-sim00c0ffee00c0ffee", "sim", 1'700'000'000);
  std::string out;
  out.reserve(64 * 512);
  uint64_t n = 0;
  uint64_t bytes = 0;
  for (auto _ : state) {
    writer.AppendToken(out, 0, kTokenTexts[n & 7], nullptr, nullptr);
    if ((++n & 63) == 0) {
      bytes += out.size();
      benchmark::DoNotOptimize(out.data());
      out.clear();
    }
  }
  bytes += out.size();
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.SetLabel(endpoint == Endpoint::kCompletions ? "completions" : "chat");
}
BENCHMARK(BM_ChunkWriterAppendToken)->Arg(0)->Arg(1);

// The same with continuous usage stats on every chunk (stream_options.continuous_usage_stats).
void BM_ChunkWriterAppendTokenWithUsage(benchmark::State& state) {
  ChunkWriter writer(Endpoint::kCompletions, "cmpl-sim00c0ffee00c0ffee", "sim", 1'700'000'000);
  std::string out;
  out.reserve(64 * 640);
  Usage usage{32, 0, 0};
  uint64_t n = 0;
  for (auto _ : state) {
    usage.completion_tokens = static_cast<int>(n & 511) + 1;
    writer.AppendToken(out, 0, kTokenTexts[n & 7], nullptr, &usage);
    if ((++n & 63) == 0) {
      benchmark::DoNotOptimize(out.data());
      out.clear();
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_ChunkWriterAppendTokenWithUsage);

SeqRequest MakeRequest(uint64_t serial, int max_tokens) {
  SeqRequest r;
  r.prompt_tokens.resize(32);
  for (size_t i = 0; i < r.prompt_tokens.size(); ++i) {
    r.prompt_tokens[i] = static_cast<uint32_t>((serial * 1'000'003 + i * 7919) % 50'000);
  }
  r.max_tokens = max_tokens;
  r.ignore_eos = true;
  return r;
}

// One engine step (BeginStep + FinishStep) per iteration with `range(0)` running sequences, in
// zero-time mode as under `--profile instant`: 32-token prompts, 512 output tokens, each finished
// sequence replaced at once so the batch stays full (the steady state of the emit benchmark).
void BM_EngineStepZeroTime(benchmark::State& state) {
  const int running = static_cast<int>(state.range(0));
  const bool prefix_caching = state.range(1) != 0;
  EngineParams params;
  params.zero_time = true;
  params.max_num_seqs = running;
  params.max_num_batched_tokens = 1 << 16;
  params.kv_blocks = 1 << 20;
  params.max_waiting = 1 << 16;
  params.max_model_len = 1 << 16;
  params.prefix_caching = prefix_caching;
  Engine engine(params, nullptr);
  uint64_t serial = 0;
  for (int i = 0; i < running; ++i) {
    if (engine.Submit(MakeRequest(serial++, 512)).error != SubmitError::kNone) {
      state.SkipWithError("the engine refused a request");
      return;
    }
  }
  int64_t now = 0;
  uint64_t events = 0;
  for (auto _ : state) {
    now += 1000;
    engine.BeginStep(now);
    std::vector<TokenEvent> out = engine.FinishStep(now);
    events += out.size();
    for (const TokenEvent& e : out) {
      if (e.finish != FinishReason::kNone) engine.Submit(MakeRequest(serial++, 512));
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(events));
  state.counters["steps_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["events_per_step"] =
      static_cast<double>(events) / static_cast<double>(std::max<int64_t>(1, state.iterations()));
  state.SetLabel(prefix_caching ? "prefix caching on" : "prefix caching off");
}
BENCHMARK(BM_EngineStepZeroTime)->Args({256, 0})->Args({256, 1})->ArgNames({"running", "pc"});

}  // namespace
}  // namespace inferbench::sim

BENCHMARK_MAIN();
