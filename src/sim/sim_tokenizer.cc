#include "sim/sim_tokenizer.h"

#include "core/prng.h"

namespace inferbench::sim {
namespace {

bool IsAsciiAlnum(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool IsContinuationByte(unsigned char c) { return (c & 0xC0) == 0x80; }

// Byte length of the UTF-8 code point at text[pos]; 1 for a byte that does not start a complete,
// well-formed sequence (so invalid input still tokenizes, one byte per token).
size_t CodePointLength(std::string_view text, size_t pos) {
  const auto lead = static_cast<unsigned char>(text[pos]);
  size_t len = 1;
  if (lead >= 0xC2 && lead <= 0xDF) {
    len = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    len = 3;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    len = 4;
  } else {
    return 1;
  }
  if (pos + len > text.size()) return 1;
  for (size_t i = 1; i < len; ++i) {
    if (!IsContinuationByte(static_cast<unsigned char>(text[pos + i]))) return 1;
  }
  return len;
}

// Length in bytes of the token that starts at text[pos]. REQUIRES: pos < text.size().
size_t TokenLength(std::string_view text, size_t pos) {
  size_t start = pos;
  if (text[pos] == ' ' && pos + 1 < text.size() &&
      IsAsciiAlnum(static_cast<unsigned char>(text[pos + 1]))) {
    start = pos + 1;
  }
  if (IsAsciiAlnum(static_cast<unsigned char>(text[start]))) {
    size_t end = start;
    const size_t limit = start + SimTokenizer::kMaxRunLength;
    while (end < text.size() && end < limit && IsAsciiAlnum(static_cast<unsigned char>(text[end]))) {
      ++end;
    }
    return end - pos;
  }
  return CodePointLength(text, pos);
}

// Fixed ids of the chat template's special tokens.
constexpr uint32_t kStartId = 1;
constexpr uint32_t kEndId = 6;
constexpr uint32_t kSeparatorId = 8;
constexpr uint32_t kAssistantRoleId = 4;

uint32_t RoleId(std::string_view role) {
  if (role == "system" || role == "developer") return 2;
  if (role == "user") return 3;
  if (role == "assistant") return kAssistantRoleId;
  if (role == "tool") return 5;
  return 9;
}

}  // namespace

uint32_t SimTokenizer::TokenId(std::string_view token_text) {
  return kFirstTextTokenId + static_cast<uint32_t>(Fnv1a64(token_text) % kTextTokenIdRange);
}

std::vector<uint32_t> SimTokenizer::Encode(std::string_view text) const {
  std::vector<uint32_t> ids;
  ids.reserve(text.size() / 4 + 1);
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t len = TokenLength(text, pos);
    ids.push_back(TokenId(text.substr(pos, len)));
    pos += len;
  }
  return ids;
}

size_t SimTokenizer::Count(std::string_view text) const {
  size_t count = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    pos += TokenLength(text, pos);
    ++count;
  }
  return count;
}

std::vector<std::string_view> SimTokenizer::Split(std::string_view text) const {
  std::vector<std::string_view> tokens;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t len = TokenLength(text, pos);
    tokens.push_back(text.substr(pos, len));
    pos += len;
  }
  return tokens;
}

std::vector<uint32_t> SimTokenizer::EncodeChat(const std::vector<ChatMessage>& messages) const {
  std::vector<uint32_t> ids;
  ids.reserve(CountChat(messages));
  for (const ChatMessage& message : messages) {
    ids.push_back(kStartId);
    ids.push_back(RoleId(message.role));
    ids.push_back(kSeparatorId);
    const std::vector<uint32_t> content = Encode(message.content);
    ids.insert(ids.end(), content.begin(), content.end());
    ids.push_back(kEndId);
  }
  ids.push_back(kStartId);
  ids.push_back(kAssistantRoleId);
  ids.push_back(kSeparatorId);
  return ids;
}

size_t SimTokenizer::CountChat(const std::vector<ChatMessage>& messages) const {
  size_t count = kChatAssistantPrimer;
  for (const ChatMessage& message : messages) count += Count(message.content) + kChatMessageOverhead;
  return count;
}

}  // namespace inferbench::sim
