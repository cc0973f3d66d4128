#include "sim/chunk_writer.h"

#include <array>
#include <cassert>
#include <charconv>
#include <utility>

namespace inferbench::sim {
namespace {

// For each byte: 0 when it is copied as is, else the character that follows the backslash
// ('u' for the \u00XX form).
constexpr std::array<char, 256> MakeEscapeTable() {
  std::array<char, 256> table{};
  for (int c = 0; c < 0x20; ++c) table[c] = 'u';
  table['\b'] = 'b';
  table['\f'] = 'f';
  table['\n'] = 'n';
  table['\r'] = 'r';
  table['\t'] = 't';
  table['"'] = '"';
  table['\\'] = '\\';
  return table;
}
constexpr std::array<char, 256> kEscape = MakeEscapeTable();

void AppendInt(std::string& out, int64_t value) {
  char buffer[24];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  out.append(buffer, result.ptr);
}

void AppendQuoted(std::string& out, std::string_view text) {
  out += '"';
  AppendJsonEscaped(out, text);
  out += '"';
}

// "finish_reason":null or "finish_reason":"stop".
void AppendFinishReason(std::string& out, const char* finish_reason) {
  out += "\"finish_reason\":";
  if (finish_reason == nullptr) {
    out += "null";
  } else {
    AppendQuoted(out, finish_reason);
  }
}

// {"prompt_tokens":P,"total_tokens":T,"completion_tokens":C[,"prompt_tokens_details":{…}]} in the
// order vLLM's UsageInfo declares its fields.
void AppendUsageObject(std::string& out, const Usage& usage, bool with_details) {
  out += "{\"prompt_tokens\":";
  AppendInt(out, usage.prompt_tokens);
  out += ",\"total_tokens\":";
  AppendInt(out, static_cast<int64_t>(usage.prompt_tokens) + usage.completion_tokens);
  out += ",\"completion_tokens\":";
  AppendInt(out, usage.completion_tokens);
  if (with_details) {
    out += ",\"prompt_tokens_details\":{\"cached_tokens\":";
    AppendInt(out, usage.cached_tokens);
    out += '}';
  }
  out += '}';
}

}  // namespace

void AppendJsonEscaped(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  size_t run_start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    const char escape = kEscape[byte];
    if (escape == 0) continue;
    out.append(text.data() + run_start, i - run_start);
    out += '\\';
    out += escape;
    if (escape == 'u') {
      out += "00";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xF];
    }
    run_start = i + 1;
  }
  out.append(text.data() + run_start, text.size() - run_start);
}

ChunkWriter::ChunkWriter(Endpoint endpoint, std::string request_id, std::string model,
                         int64_t created_unix_s)
    : endpoint_(endpoint),
      request_id_(std::move(request_id)),
      model_(std::move(model)),
      created_unix_s_(created_unix_s) {
  const std::string_view object =
      endpoint_ == Endpoint::kChat ? "chat.completion.chunk" : "text_completion";
  chunk_prefix_ = "data: ";
  AppendHead(chunk_prefix_, object);
  chunk_prefix_ += ",\"choices\":[{\"index\":";
  usage_prefix_ = "data: ";
  AppendHead(usage_prefix_, object);
  usage_prefix_ += ",\"choices\":[],\"usage\":";
}

// {"id":…,"object":…,"created":…,"model":… (no closing brace).
void ChunkWriter::AppendHead(std::string& out, std::string_view object) const {
  out += "{\"id\":";
  AppendQuoted(out, request_id_);
  out += ",\"object\":";
  AppendQuoted(out, object);
  out += ",\"created\":";
  AppendInt(out, created_unix_s_);
  out += ",\"model\":";
  AppendQuoted(out, model_);
}

void ChunkWriter::AppendRole(std::string& out, int choice) const {
  if (endpoint_ != Endpoint::kChat) return;
  out += chunk_prefix_;
  AppendInt(out, choice);
  out += ",\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,"
         "\"finish_reason\":null}]}\n\n";
}

void ChunkWriter::AppendToken(std::string& out, int choice, std::string_view text,
                              const char* finish_reason, const Usage* usage) const {
  out += chunk_prefix_;
  AppendInt(out, choice);
  if (endpoint_ == Endpoint::kChat) {
    out += ",\"delta\":{\"content\":\"";
    AppendJsonEscaped(out, text);
    out += "\"},\"logprobs\":null,";
    AppendFinishReason(out, finish_reason);
  } else {
    out += ",\"text\":\"";
    AppendJsonEscaped(out, text);
    out += "\",\"logprobs\":null,";
    AppendFinishReason(out, finish_reason);
    out += ",\"stop_reason\":null";
  }
  out += "}]";
  if (usage != nullptr) {
    out += ",\"usage\":";
    AppendUsageObject(out, *usage, /*with_details=*/false);
  }
  out += "}\n\n";
}

void ChunkWriter::AppendUsage(std::string& out, const Usage& usage) const {
  out += usage_prefix_;
  AppendUsageObject(out, usage, /*with_details=*/true);
  out += "}\n\n";
}

void ChunkWriter::AppendDone(std::string& out) const { out += "data: [DONE]\n\n"; }

void ChunkWriter::AppendError(std::string& out, const ProtocolError& error) const {
  out += "data: ";
  out += ErrorBody(error);
  out += "\n\n";
}

void ChunkWriter::AppendMalformed(std::string& out) {
  out += "data: {\"id\":\"x\",\"choi\n\n";
}

std::string ChunkWriter::FullResponse(const std::vector<std::string>& texts,
                                      const std::vector<std::string>& finish_reasons,
                                      const Usage& usage) const {
  assert(texts.size() == finish_reasons.size());
  const bool chat = endpoint_ == Endpoint::kChat;
  std::string out;
  out.reserve(256 + 32 * texts.size());
  AppendHead(out, chat ? "chat.completion" : "text_completion");
  out += ",\"choices\":[";
  for (size_t i = 0; i < texts.size(); ++i) {
    if (i > 0) out += ',';
    out += "{\"index\":";
    AppendInt(out, static_cast<int64_t>(i));
    if (chat) {
      out += ",\"message\":{\"role\":\"assistant\",\"content\":";
      AppendQuoted(out, texts[i]);
      out += '}';
    } else {
      out += ",\"text\":";
      AppendQuoted(out, texts[i]);
    }
    out += ",\"logprobs\":null,";
    AppendFinishReason(out, finish_reasons[i].c_str());
    out += ",\"stop_reason\":null}";
  }
  out += "],\"usage\":";
  AppendUsageObject(out, usage, /*with_details=*/true);
  out += '}';
  return out;
}

}  // namespace inferbench::sim
