// Tokenizer: a Hugging Face `tokenizer.json` byte-level BPE tokenizer (GPT-2 / Llama-3 / Qwen
// family), given by `--tokenizer PATH` or the spec's `workload.tokenizer` (DESIGN.md §4, issue 5).
//
// What it reads from tokenizer.json:
//   model          type "BPE": vocab (token string -> id), merges ("a b" strings or ["a","b"]
//                  pairs; rank = position), ignore_merges, byte_fallback off
//   added_tokens   content/id/special/lstrip/rstrip; matched verbatim in the input before
//                  normalization (leftmost, longest first), each one token; single_word refused
//   normalizer     null, NFC (via utf8proc), or a Sequence of those
//   pre_tokenizer  ByteLevel (its GPT-2 regex when use_regex, add_prefix_space) and Split with
//                  a Regex (PCRE2, Unicode properties) or String pattern, any behavior, invert;
//                  alone or in a Sequence whose last step is the one ByteLevel
//   decoder        ByteLevel (for Decode)
// Anything else is refused at Load with a message naming the field and its value, so a
// tokenizer we cannot reproduce is never silently approximated. post_processor, truncation and
// padding are ignored on purpose: Encode counts the text's own tokens, with no template tokens
// and no length limit.
//
// Encode is exact: ids equal those of the reference implementation (the `tokenizer` integration
// test compares with a JavaScript tokenizer on a multilingual corpus). Thread-safe (const):
// concurrent calls each borrow their own working memory and BPE cache from a small pool.
// Regex semantics are PCRE2's with Unicode properties, which follow Hugging Face `tokenizers`
// (Oniguruma) where JavaScript differs (e.g. U+0085 is whitespace, U+FEFF is not).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace inferbench::workload {

class Tokenizer {
 public:
  // Reads and checks `path`; errors name the file and the unsupported or malformed field.
  static Result<std::shared_ptr<const Tokenizer>> Load(const std::string& path);
  // The same from the file's bytes (`source` names it in errors).
  static Result<std::shared_ptr<const Tokenizer>> FromJson(std::string_view json,
                                                          const std::string& source);
  ~Tokenizer();

  // Token ids of `text`; added/special tokens written in the text are recognised as such.
  // No BOS/EOS or template tokens are added. Invalid UTF-8 is encoded byte-wise.
  std::vector<uint32_t> Encode(std::string_view text) const;
  // The number of tokens Encode would return.
  size_t CountTokens(std::string_view text) const;
  // Bytes of the ids joined (ByteLevel decoding; added tokens give their content verbatim);
  // unknown ids are skipped. Decode(Encode(s)) == s for valid UTF-8 already in the normalizer's
  // form (NFC when declared).
  std::string Decode(std::span<const uint32_t> ids) const;

  // "sha256:<hex>" of the file's bytes (enters the workload digest).
  const std::string& digest() const;
  // The number of distinct ids: model.vocab plus added tokens outside it (Qwen3: 151669).
  size_t vocab_size() const;
  // The id of a token string as tokenizer.json writes it (vocab strings are byte-level, e.g.
  // "Ġworld"; added tokens verbatim, e.g. "<|im_end|>"), or -1.
  int64_t TokenId(std::string_view token) const;

  struct Impl;

 private:
  explicit Tokenizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace inferbench::workload
