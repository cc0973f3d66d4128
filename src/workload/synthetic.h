// SyntheticWorkload: the generated prompts of `bench --isl/--osl` (DESIGN.md §2.7).
//
// Every item is a pure function of (config, index): item i seeds its own Prng from the dimension
// seed and i, so any item can be generated alone, in any order, on any thread, and the same
// config gives byte-identical prompts on every machine (our Prng and samplers only; no
// std::*_distribution, no hash-order iteration). Lengths and prompt content use separate seeds,
// so changing the lengths' seed does not reshuffle the words and vice versa.
//
// Item i:
//   lengths   Prng(ItemSeed(length_seed, i)): input then output length, each
//             round(Normal(mean, stddev)) clamped to >= 1 (stddev 0: exactly the mean, no draw).
//   text      Prng(ItemSeed(prompt_seed, i)): input_tokens_requested corpus words
//             (workload/corpus.h), each NextBelow(corpus size), joined by single spaces.
//   ids       the same Prng: input_tokens_requested ids, each vocab_lo + NextBelow(hi − lo).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/prng.h"
#include "core/status.h"

namespace inferbench::workload {

struct SyntheticConfig {
  int isl_mean = 0;
  int isl_stddev = 0;
  int osl_mean = 0;
  int osl_stddev = 0;
  bool token_ids = false;  // true: prompt_ids (completions with a token-id prompt); false: text
  uint64_t prompt_seed = 0;
  uint64_t length_seed = 0;
  // Distinct items: item i is item i mod entries (the spec's dataset.entries); 0 = unbounded.
  int64_t entries = 0;
  int vocab_lo = 1000;  // token ids are drawn from [vocab_lo, vocab_hi)
  int vocab_hi = 50000;

  // Means >= 1, stddevs >= 0, entries >= 0, 0 <= vocab_lo < vocab_hi; the error names the field.
  Status Validate() const;
};

struct WorkloadItem {
  std::string prompt_text;           // set when !token_ids
  std::vector<uint32_t> prompt_ids;  // set when token_ids
  int input_tokens_requested = 0;
  int output_tokens_requested = 0;  // sent as max_tokens
};

// The seed of item `index` within one random dimension:
//   SplitMix64 step from state (dimension_seed XOR SplitMix64 step from state index).
// Part of the result format, like DeriveSeed.
uint64_t ItemSeed(uint64_t dimension_seed, uint64_t index);

// round(Normal(mean, stddev)) clamped to [1, 2^30]; exactly max(mean, 1) when stddev <= 0,
// without drawing.
int SampleLength(Prng& prng, int mean, int stddev);

class SyntheticWorkload {
 public:
  // REQUIRES: config.Validate().ok().
  explicit SyntheticWorkload(SyntheticConfig config);

  // Thread-safe (const, no shared state).
  WorkloadItem Item(uint64_t index) const;

  const SyntheticConfig& config() const { return config_; }

 private:
  SyntheticConfig config_;
};

// Cache-bust salts (`--cache-bust per-replicate|per-request`): a short token string prepended to
// every prompt of one (point, replicate) — and, per request, of one request — so no prefix cache
// entry from an earlier point, replicate or the warmup can be reused. Warmup prompts get a salt
// of their own. Form: "[salt " + 12 lower-case hex digits + "] ", the digits being the low 48
// bits of DeriveSeed(DeriveSeed(base_seed, "salt"), key) with key
// "<point>/<replicate>/<warmup|measured>[/<request_index>]".
std::string Salt(uint64_t base_seed, std::string_view point, int replicate, bool warmup,
                 std::optional<uint64_t> request_index = std::nullopt);

// The same salt for token-id prompts: kSaltIdCount ids in [vocab_lo, vocab_hi) drawn from a Prng
// seeded with the salt's key hash, to prepend to prompt_ids.
// REQUIRES: 0 <= vocab_lo < vocab_hi.
inline constexpr int kSaltIdCount = 4;
std::vector<uint32_t> SaltIds(uint64_t base_seed, std::string_view point, int replicate,
                              bool warmup, int vocab_lo, int vocab_hi,
                              std::optional<uint64_t> request_index = std::nullopt);

}  // namespace inferbench::workload
