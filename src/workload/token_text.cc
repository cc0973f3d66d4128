#include "workload/token_text.h"

#include <algorithm>
#include <cassert>
#include <climits>
#include <cmath>
#include <optional>
#include <span>

#include "core/prng.h"
#include "workload/corpus.h"
#include "workload/synthetic.h"

namespace inferbench::workload {
namespace {

// How many following words of the stream are tried in place of a last word that cannot be cut to
// an exact fit (rule 3 of token_text.h).
constexpr int kReplacementWords = 16;
// Interpolation steps before the search falls back to bisection.
constexpr int kInterpolationSteps = 8;

// A text's words: first the given ones, then as many corpus words drawn from Prng(seed) as asked.
class WordSequence {
 public:
  WordSequence(std::vector<std::string_view> initial, uint64_t seed)
      : words_(std::move(initial)), prng_(seed), corpus_(CorpusWords()) {}

  std::string_view At(size_t i) {
    while (words_.size() <= i) words_.push_back(corpus_[prng_.NextBelow(corpus_.size())]);
    return words_[i];
  }

  // The first k words joined by single spaces.
  std::string Join(size_t k) {
    if (k > 0) At(k - 1);
    std::string text;
    size_t bytes = 0;
    for (size_t i = 0; i < k; ++i) bytes += words_[i].size() + 1;
    text.reserve(bytes);
    for (size_t i = 0; i < k; ++i) {
      if (i > 0) text += ' ';
      text += words_[i];
    }
    return text;
  }

 private:
  std::vector<std::string_view> words_;
  Prng prng_;
  std::span<const std::string_view> corpus_;
};

// Rules 2 and 3 of token_text.h: `base` (the first k-1 words, fewer than n tokens) followed by
// `word` or the longest cut of it that encodes to exactly n tokens.
std::optional<std::string> FitLastWord(const Tokenizer& tokenizer, const std::string& base,
                                       std::string_view word, size_t n, bool whole_too) {
  if (word.empty()) return std::nullopt;
  const size_t longest = whole_too ? word.size() : word.size() - 1;
  for (size_t length = longest; length >= 1; --length) {
    std::string text = base;
    if (!text.empty()) text += ' ';
    text.append(word.substr(0, length));
    const size_t count = tokenizer.CountTokens(text);
    if (count == n) return text;
    if (count < n) break;  // shorter cuts only lose more tokens
  }
  return std::nullopt;
}

std::string FitTokens(WordSequence& words, int n_tokens, const Tokenizer& tokenizer) {
  if (n_tokens <= 0) return "";
  const size_t n = static_cast<size_t>(n_tokens);
  // Find k with count(k) == n, or adjacent lo, hi = lo + 1 with count(lo) < n < count(hi).
  size_t lo = 0;
  size_t count_lo = 0;
  size_t hi = 0;
  size_t count_hi = 0;
  bool have_hi = false;
  size_t k = n;  // about one token per word
  for (int step = 0;; ++step) {
    std::string text = words.Join(k);
    const size_t count = tokenizer.CountTokens(text);
    if (count == n) return text;
    if (count > n) {
      hi = k;
      count_hi = count;
      have_hi = true;
    } else {
      lo = k;
      count_lo = count;
    }
    if (have_hi && hi - lo <= 1) break;
    if (!have_hi) {
      const double per_word = count > 0 ? static_cast<double>(count) / static_cast<double>(k) : 1;
      const double more = std::ceil(static_cast<double>(n - count) / per_word);
      k += std::max<size_t>(1, static_cast<size_t>(more));
    } else if (step < kInterpolationSteps) {
      const double fraction =
          static_cast<double>(n - count_lo) / static_cast<double>(count_hi - count_lo);
      const size_t guess = lo + static_cast<size_t>(fraction * static_cast<double>(hi - lo));
      k = std::clamp(guess, lo + 1, hi - 1);
    } else {
      k = lo + (hi - lo) / 2;
    }
  }
  // count(hi - 1) < n < count(hi): the last word overshoots.
  const std::string base = words.Join(hi - 1);
  if (auto text = FitLastWord(tokenizer, base, words.At(hi - 1), n, /*whole_too=*/false)) {
    return *text;
  }
  for (int r = 0; r < kReplacementWords; ++r) {
    if (auto text = FitLastWord(tokenizer, base, words.At(hi + static_cast<size_t>(r)), n,
                                /*whole_too=*/true)) {
      return *text;
    }
  }
  return base;
}

// `text` split at single spaces (lossless: joining with single spaces gives it back).
std::vector<std::string_view> SplitAtSpaces(std::string_view text) {
  std::vector<std::string_view> words;
  if (text.empty()) return words;
  size_t start = 0;
  for (;;) {
    const size_t space = text.find(' ', start);
    if (space == std::string_view::npos) {
      words.push_back(text.substr(start));
      return words;
    }
    words.push_back(text.substr(start, space - start));
    start = space + 1;
  }
}

}  // namespace

uint64_t BlockSeed(uint64_t seed, uint64_t id) { return ItemSeed(DeriveSeed(seed, "blocks"), id); }

std::string ExtendText(std::string_view prefix, uint64_t seed, int n, const Tokenizer* tokenizer) {
  assert(n >= 0);
  if (tokenizer == nullptr) {
    // Words: append the stream's words to a shorter prefix without re-joining it.
    const size_t prefix_words =
        prefix.empty() ? 0 : static_cast<size_t>(std::count(prefix.begin(), prefix.end(), ' ')) + 1;
    if (prefix_words < static_cast<size_t>(n)) {
      WordSequence stream({}, seed);
      std::string text(prefix);
      if (!text.empty()) text += ' ';
      text += stream.Join(static_cast<size_t>(n) - prefix_words);
      return text;
    }
  }
  WordSequence words(SplitAtSpaces(prefix), seed);
  if (tokenizer != nullptr) return FitTokens(words, n, *tokenizer);
  return words.Join(static_cast<size_t>(std::max(n, 0)));
}

std::string TextOfTokens(uint64_t seed, int n, const Tokenizer* tokenizer) {
  return ExtendText("", seed, n, tokenizer);
}

std::string TextOfBlocks(const std::vector<uint64_t>& ids, int block_tokens, int n, uint64_t seed,
                         const Tokenizer* tokenizer, BlockTextCache* cache) {
  assert(block_tokens >= 1 && n >= 0);
  if (n <= 0) return "";
  if (ids.empty()) return TextOfTokens(BlockSeed(seed, 0), n, tokenizer);
  const size_t needed = (static_cast<size_t>(n) + static_cast<size_t>(block_tokens) - 1) /
                        static_cast<size_t>(block_tokens);
  const size_t used = std::min(ids.size(), needed);
  std::string whole_blocks;
  for (size_t b = 0; b + 1 < used; ++b) {
    if (b > 0) whole_blocks += ' ';
    if (cache == nullptr) {
      whole_blocks += TextOfTokens(BlockSeed(seed, ids[b]), block_tokens, tokenizer);
      continue;
    }
    auto [it, fresh] = cache->try_emplace(ids[b]);
    if (fresh) it->second = TextOfTokens(BlockSeed(seed, ids[b]), block_tokens, tokenizer);
    whole_blocks += it->second;
  }
  return ExtendText(whole_blocks, BlockSeed(seed, ids[used - 1]), n, tokenizer);
}

int TokensOfText(std::string_view text, const Tokenizer* tokenizer) {
  size_t count = 0;
  if (tokenizer != nullptr) {
    count = tokenizer->CountTokens(text);
  } else {
    bool in_word = false;
    for (const char c : text) {
      const bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
      if (!space && !in_word) ++count;
      in_word = !space;
    }
  }
  return static_cast<int>(std::min<size_t>(count, INT_MAX));
}

}  // namespace inferbench::workload
