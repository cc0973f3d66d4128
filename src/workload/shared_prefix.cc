// shared-prefix: G groups of P prompts; the prompts of a group share their first A tokens (the
// agentic / common-system-prompt pattern). The order is documented in dataset.h.
#include <algorithm>
#include <cstdint>

#include "core/prng.h"
#include "workload/dataset.h"
#include "workload/synthetic.h"
#include "workload/token_text.h"

namespace inferbench::workload::dataset_internal {
namespace {

// Bounds that keep a mistyped option from asking for gigabytes of text.
constexpr int64_t kMaxItems = 1'000'000;
constexpr int64_t kMaxTokensPerPrompt = 1 << 22;

}  // namespace

Status LoadSharedPrefix(const ParsedOptions& options, const DatasetLoadOptions& load,
                        Dataset& dataset) {
  const int64_t groups = options.groups;
  const int64_t total = groups * options.prompts_per_group;
  const int64_t tokens = int64_t{options.prefix_tokens} + options.suffix_tokens;
  if (total > kMaxItems) {
    return Status::Error("dataset `" + FormatDatasetSpec(dataset.spec) + "`: groups × " +
                         "prompts_per_group = " + std::to_string(total) + " prompts; at most " +
                         std::to_string(kMaxItems) + " (use allow_repeat=true to send more)");
  }
  if (tokens > kMaxTokensPerPrompt) {
    return Status::Error("dataset `" + FormatDatasetSpec(dataset.spec) +
                         "`: prefix_tokens + suffix_tokens = " + std::to_string(tokens) +
                         "; at most " + std::to_string(kMaxTokensPerPrompt));
  }
  const int64_t count = options.limit > 0 ? std::min(total, options.limit) : total;
  const Tokenizer* tokenizer = load.tokenizer.get();
  const uint64_t group_seed = DeriveSeed(load.prompt_seed, "shared-prefix/group");
  const uint64_t item_seed = DeriveSeed(load.prompt_seed, "shared-prefix/item");
  std::vector<std::string> prefixes(static_cast<size_t>(std::min(groups, count)));
  for (size_t g = 0; g < prefixes.size(); ++g) {
    prefixes[g] = TextOfTokens(ItemSeed(group_seed, g), options.prefix_tokens, tokenizer);
  }
  dataset.requests.reserve(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) {
    const auto index = static_cast<uint64_t>(i);
    DatasetRequest request;
    request.prompt_text =
        ExtendText(prefixes[index % static_cast<uint64_t>(groups)], ItemSeed(item_seed, index),
                   static_cast<int>(tokens), tokenizer);
    request.input_tokens = static_cast<int>(tokens);
    request.output_tokens = options.output_tokens;
    request.shared_prefix_tokens = i >= groups ? options.prefix_tokens : 0;
    dataset.requests.push_back(std::move(request));
  }
  return Status::Ok();
}

}  // namespace inferbench::workload::dataset_internal
