// Text of a requested token length, for datasets that give lengths instead of text (traces,
// shared-prefix groups, synthetic history turns).
//
// Without a tokenizer the text is `n` corpus words (workload/corpus.h, about one token each for
// common BPE tokenizers; the bench's chat-template probe calibrates the rest), drawn from
// Prng(seed) with NextBelow(corpus size) and joined by single spaces: the same words as a
// synthetic prompt of that seed. With one, the same word stream is used: the number of words k is
// searched (extrapolation, interpolation, then bisection; each step encodes the whole candidate)
// for a run that encodes to exactly `n` tokens, or else for the k where k−1 words give fewer than
// n tokens and k words more; then:
//   1. a run of exactly n tokens is the text;
//   2. else (the last word overshoots) the last word is cut, one character at a time from its
//      end, keeping the longest cut that gives exactly n;
//   3. else the last word is replaced by each of the next 16 words of the stream in turn (whole,
//      then cut as in 2) and the first exact fit is kept;
//   4. else (never seen with byte-level BPE, where a single letter is one token) the text stops
//      before the last word, a little under n.
// So the achieved input length equals the request. Deterministic: a pure function of (seed, n,
// tokenizer).
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <string_view>
#include <vector>

#include "workload/tokenizer.h"

namespace inferbench::workload {

// REQUIRES: n >= 0. tokenizer may be null.
std::string TextOfTokens(uint64_t seed, int n, const Tokenizer* tokenizer);

// Text of `n` tokens made of `blocks` consecutive blocks of `block_tokens` tokens each, block b
// being the deterministic text of block id ids[b] (the same id gives the same text in every
// request, so requests that share leading block ids share a prompt prefix); the last block is cut
// to make the total n. Used by mooncake traces (hash_ids, 512-token blocks).
//
// Block text of id x is TextOfTokens(BlockSeed(seed, x), block_tokens); blocks are joined by a
// single space; the last block used is ExtendText(the earlier blocks, BlockSeed(seed, its id), n)
// so it starts with the same words as the full block. Blocks beyond ceil(n / block_tokens) are
// not used; with fewer ids than that, the last id's words run on past block_tokens. With a
// tokenizer the text encodes to exactly n tokens (the blocks before the last are whole; token
// counts at block joins may differ from block_tokens by a token, absorbed by the last block).
// REQUIRES: block_tokens >= 1, n >= 0. Empty ids: TextOfTokens(BlockSeed(seed, 0), n).
//
// `cache` (optional, one per (seed, block_tokens, tokenizer)) keeps each whole block's text by
// id, so a trace whose requests share blocks fits every block once instead of once per request;
// the result is the same with or without it.
using BlockTextCache = std::unordered_map<uint64_t, std::string>;
std::string TextOfBlocks(const std::vector<uint64_t>& ids, int block_tokens, int n, uint64_t seed,
                         const Tokenizer* tokenizer, BlockTextCache* cache = nullptr);

// The seed of block id `id`: ItemSeed(DeriveSeed(seed, "blocks"), id).
uint64_t BlockSeed(uint64_t seed, uint64_t id);

// `prefix` followed by words of Prng(seed)'s stream so the whole text is n tokens (n words without
// a tokenizer), fitted as TextOfTokens is. The prefix is kept whole when it is shorter than n
// (it is split at single spaces, so generated text round-trips exactly); a prefix already of n
// tokens or more is cut at its words. Shared-prefix prompts and the last mooncake block use it.
// REQUIRES: n >= 0.
std::string ExtendText(std::string_view prefix, uint64_t seed, int n, const Tokenizer* tokenizer);

// Length of `text` in tokens: with a tokenizer, CountTokens; without, the number of
// whitespace-separated words (an estimate, about right for English prose with common BPE
// vocabularies). Used for dataset input estimates and ShareGPT reply lengths.
int TokensOfText(std::string_view text, const Tokenizer* tokenizer);

}  // namespace inferbench::workload
