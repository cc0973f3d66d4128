// Test support: a small byte-level BPE tokenizer.json (GPT-2's byte-to-unicode alphabet, every
// byte one token with id = the byte), plus optional merges, for tests of code that takes a
// Tokenizer without the real multi-megabyte files.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace inferbench::workload {

// The byte-level character that stands for `code_point` (< 0x800) in vocab and merges, as UTF-8.
inline std::string ByteLevelUtf8(int code_point) {
  std::string out;
  if (code_point < 0x80) {
    out += static_cast<char>(code_point);
  } else {
    out += static_cast<char>(0xC0 | (code_point >> 6));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  }
  return out;
}

// Every byte b is token b (printable bytes stand for themselves, the others for 256, 257, … as
// GPT-2 maps them); each merge (left, right) adds the token left+right with the next id from
// 256 on, ranked in the given order. Without merges, CountTokens(text) == text.size().
inline std::string ByteLevelTokenizerJson(
    const std::vector<std::pair<std::string, std::string>>& merges = {}) {
  nlohmann::json vocab = nlohmann::json::object();
  int extra = 0;
  for (int b = 0; b < 256; ++b) {
    const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
    vocab[ByteLevelUtf8(printable ? b : 256 + extra++)] = b;
  }
  nlohmann::json merge_list = nlohmann::json::array();
  int id = 256;
  for (const auto& [left, right] : merges) {
    merge_list.push_back(left + " " + right);
    if (!vocab.contains(left + right)) vocab[left + right] = id++;
  }
  const nlohmann::json root = {
      {"version", "1.0"},
      {"added_tokens", nlohmann::json::array()},
      {"normalizer", nullptr},
      {"pre_tokenizer",
       {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", true}}},
      {"post_processor", nullptr},
      {"decoder", {{"type", "ByteLevel"}}},
      {"model",
       {{"type", "BPE"},
        {"dropout", nullptr},
        {"unk_token", nullptr},
        {"continuing_subword_prefix", nullptr},
        {"end_of_word_suffix", nullptr},
        {"fuse_unk", false},
        {"byte_fallback", false},
        {"vocab", vocab},
        {"merges", merge_list}}},
  };
  return root.dump();
}

}  // namespace inferbench::workload
