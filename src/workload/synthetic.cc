#include "workload/synthetic.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <utility>

#include "core/distributions.h"
#include "core/prng.h"
#include "workload/corpus.h"

namespace inferbench::workload {
namespace {

constexpr int64_t kMaxLength = int64_t{1} << 30;

uint64_t SaltHash(uint64_t base_seed, std::string_view point, int replicate, bool warmup,
                  std::optional<uint64_t> request_index) {
  std::string key(point);
  key += '/';
  key += std::to_string(replicate);
  key += warmup ? "/warmup" : "/measured";
  if (request_index) {
    key += '/';
    key += std::to_string(*request_index);
  }
  return DeriveSeed(DeriveSeed(base_seed, "salt"), key);
}

}  // namespace

Status SyntheticConfig::Validate() const {
  if (isl_mean < 1) return Status::Error("synthetic workload: isl mean must be >= 1");
  if (osl_mean < 1) return Status::Error("synthetic workload: osl mean must be >= 1");
  if (isl_stddev < 0) return Status::Error("synthetic workload: isl stddev must be >= 0");
  if (osl_stddev < 0) return Status::Error("synthetic workload: osl stddev must be >= 0");
  if (entries < 0) return Status::Error("synthetic workload: entries must be >= 0 (0 = unbounded)");
  if (vocab_lo < 0 || vocab_lo >= vocab_hi) {
    return Status::Error(
        "synthetic workload: token-id range [vocab_lo, vocab_hi) must be "
        "non-empty with vocab_lo >= 0");
  }
  return Status::Ok();
}

uint64_t ItemSeed(uint64_t dimension_seed, uint64_t index) {
  uint64_t counter = index;
  uint64_t state = dimension_seed ^ SplitMix64(counter);
  return SplitMix64(state);
}

int SampleLength(Prng& prng, int mean, int stddev) {
  if (stddev <= 0) return std::max(mean, 1);
  const double drawn = SampleNormal(prng, mean, stddev);
  if (!(drawn < static_cast<double>(kMaxLength))) return static_cast<int>(kMaxLength);
  return static_cast<int>(std::clamp<int64_t>(std::llround(drawn), 1, kMaxLength));
}

SyntheticWorkload::SyntheticWorkload(SyntheticConfig config) : config_(std::move(config)) {
  assert(config_.Validate().ok());
}

WorkloadItem SyntheticWorkload::Item(uint64_t index) const {
  if (config_.entries > 0) index %= static_cast<uint64_t>(config_.entries);
  WorkloadItem item;
  Prng lengths(ItemSeed(config_.length_seed, index));
  item.input_tokens_requested = SampleLength(lengths, config_.isl_mean, config_.isl_stddev);
  item.output_tokens_requested = SampleLength(lengths, config_.osl_mean, config_.osl_stddev);

  Prng prompt(ItemSeed(config_.prompt_seed, index));
  const int count = item.input_tokens_requested;
  if (config_.token_ids) {
    const uint64_t span = static_cast<uint64_t>(config_.vocab_hi - config_.vocab_lo);
    item.prompt_ids.reserve(static_cast<size_t>(count));
    for (int i = 0; i < count; ++i) {
      item.prompt_ids.push_back(
          static_cast<uint32_t>(static_cast<uint64_t>(config_.vocab_lo) + prompt.NextBelow(span)));
    }
  } else {
    const std::span<const std::string_view> words = CorpusWords();
    item.prompt_text.reserve(static_cast<size_t>(count) * 6);
    for (int i = 0; i < count; ++i) {
      if (i > 0) item.prompt_text += ' ';
      item.prompt_text += words[prompt.NextBelow(words.size())];
    }
  }
  return item;
}

std::string Salt(uint64_t base_seed, std::string_view point, int replicate, bool warmup,
                 std::optional<uint64_t> request_index) {
  static constexpr char kHex[] = "0123456789abcdef";
  const uint64_t hash = SaltHash(base_seed, point, replicate, warmup, request_index);
  std::string salt = "[salt ";
  for (int shift = 44; shift >= 0; shift -= 4) salt += kHex[(hash >> shift) & 0xf];
  salt += "] ";
  return salt;
}

std::vector<uint32_t> SaltIds(uint64_t base_seed, std::string_view point, int replicate,
                              bool warmup, int vocab_lo, int vocab_hi,
                              std::optional<uint64_t> request_index) {
  assert(vocab_lo >= 0 && vocab_lo < vocab_hi);
  Prng prng(SaltHash(base_seed, point, replicate, warmup, request_index));
  const uint64_t span = static_cast<uint64_t>(vocab_hi - vocab_lo);
  std::vector<uint32_t> ids;
  for (int i = 0; i < kSaltIdCount; ++i) {
    ids.push_back(static_cast<uint32_t>(static_cast<uint64_t>(vocab_lo) + prng.NextBelow(span)));
  }
  return ids;
}

}  // namespace inferbench::workload
