// The built-in word corpus for synthetic text prompts: a few hundred common English words,
// lower-case ASCII letters only, each at most 8 letters, so that one word is close to one token
// for common BPE tokenizers (the bench calibrates the ratio with a probe request).
//
// The list and its order are part of the result format: changing them changes every generated
// text prompt (and the golden digests in synthetic_test.cc).
#pragma once

#include <span>
#include <string_view>

namespace inferbench::workload {

// The words, in a fixed order, without duplicates.
std::span<const std::string_view> CorpusWords();

}  // namespace inferbench::workload
