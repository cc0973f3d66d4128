// The simulator's generated text: a deterministic stream of English-looking words, one per token.
//
// Every returned token is a single space followed by 1..8 lowercase ASCII letters (" the",
// " model"), so SimTokenizer::Encode of the concatenation of tokens 0..n-1 yields exactly n tokens
// and a client counting tokens with the simulator's tokenizer gets the server's count.
#pragma once

#include <cstdint>
#include <string_view>

namespace inferbench::sim {

// The text of output token `index` of a request whose generation seed is `seed`. Depends on
// (seed, index) only. Returns a view into static storage (valid for the program's lifetime; no
// allocation). Thread-safe.
// REQUIRES: index >= 0.
std::string_view GeneratedToken(uint64_t seed, int index);

// Number of distinct words GeneratedToken chooses from.
int GeneratedVocabularySize();

}  // namespace inferbench::sim
