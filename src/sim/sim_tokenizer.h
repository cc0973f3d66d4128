// SimTokenizer: the simulator's own tokenizer. It is not a model's tokenizer; it only has to be
// deterministic, cheap and plausible (a few characters per token), so that prompt lengths,
// prefix-cache block hashes and usage counts are stable across runs and machines.
//
// Tokens, scanning left to right:
//   - an optional single leading space followed by a run of 1..8 ASCII letters/digits
//     (" model", "abc", "12345678"; a longer run continues as further 8-character tokens
//     without the space);
//   - otherwise exactly one UTF-8 code point (a space not followed by a letter/digit, punctuation,
//     newline, a CJK character, an emoji); each byte of invalid UTF-8 is one token.
// Ids: 1000 + (FNV-1a 64 of the token's bytes) mod 100000, so ids < 1000 are free for specials.
//
// Chat prompts: every message costs kChatMessageOverhead template tokens around its content and the
// assistant turn that follows costs kChatAssistantPrimer, so
//   prompt_tokens = Σ (Encode(content).size() + 4) + 3.
// Template tokens use the fixed special ids 1..9 (start 1, role 2..5 or 9, separator 8, end 6).
//
// Thread-safe: stateless.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace inferbench::sim {

// One chat message as the simulator sees it: `content` is the message's text (an array of
// {"type":"text","text":…} parts has been concatenated already).
struct ChatMessage {
  std::string role;
  std::string content;
};

class SimTokenizer {
 public:
  static constexpr int kChatMessageOverhead = 4;
  static constexpr int kChatAssistantPrimer = 3;
  static constexpr uint32_t kFirstTextTokenId = 1000;
  static constexpr uint32_t kTextTokenIdRange = 100000;
  static constexpr int kMaxRunLength = 8;

  std::vector<uint32_t> Encode(std::string_view text) const;
  // Same as Encode(text).size(), without building the vector.
  size_t Count(std::string_view text) const;
  // The chat template's token ids around each message, then the assistant primer.
  std::vector<uint32_t> EncodeChat(const std::vector<ChatMessage>& messages) const;
  // Σ (Count(content) + kChatMessageOverhead) + kChatAssistantPrimer.
  size_t CountChat(const std::vector<ChatMessage>& messages) const;

  // Splits `text` into token texts (views into `text`), in order. For tests and /tokenize.
  std::vector<std::string_view> Split(std::string_view text) const;
  // The id of one token's text.
  static uint32_t TokenId(std::string_view token_text);
};

}  // namespace inferbench::sim
