// Readers of the file kinds with text content: jsonl prompts, ShareGPT and conversations.
#include <simdjson.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "core/sha256.h"
#include "workload/dataset.h"
#include "workload/token_text.h"

namespace inferbench::workload::dataset_internal {
namespace {

namespace dom = simdjson::dom;
namespace ondemand = simdjson::ondemand;

std::string TypeName(dom::element_type type) {
  switch (type) {
    case dom::element_type::ARRAY:
      return "an array";
    case dom::element_type::OBJECT:
      return "an object";
    case dom::element_type::INT64:
    case dom::element_type::UINT64:
    case dom::element_type::DOUBLE:
      return "a number";
    case dom::element_type::STRING:
      return "a string";
    case dom::element_type::BOOL:
      return "a boolean";
    case dom::element_type::NULL_VALUE:
      return "null";
  }
  return "a JSON value";
}

// "path:line" (JSON lines) — the prefix of every error about one line.
std::string Where(const std::string& path, int64_t line) {
  return path + ":" + std::to_string(line);
}

Status FieldError(const std::string& where, std::string_view field, std::string_view what) {
  return Status::Error(where + ": field `" + std::string(field) + "` " + std::string(what));
}

// One JSON-lines line parsed as an object; the object is valid until the parser's next parse.
Result<dom::object> ParseLineObject(dom::parser& parser, const std::string& path, int64_t line,
                                    std::string_view text) {
  dom::element element;
  const simdjson::error_code error = parser.parse(text.data(), text.size()).get(element);
  if (error) {
    return JsonLineError(path, line, text, error == simdjson::UTF8_ERROR,
                         simdjson::error_message(error));
  }
  if (element.type() != dom::element_type::OBJECT) {
    return Status::Error(Where(path, line) + ": expected a JSON object ({…}), found " +
                         TypeName(element.type()));
  }
  return dom::object(element);
}

// The member `key`, or nullopt when it is absent or null.
std::optional<dom::element> Member(dom::object object, std::string_view key) {
  dom::element value;
  if (object.at_key(key).get(value)) return std::nullopt;
  if (value.type() == dom::element_type::NULL_VALUE) return std::nullopt;
  return value;
}

// An integer >= min; field names the member in errors (e.g. "turns[2].output_tokens").
Status ReadInt(dom::element value, const std::string& where, std::string_view field, int min,
               int& out) {
  int64_t parsed = 0;
  if (value.type() != dom::element_type::INT64 || value.get_int64().get(parsed) || parsed < min ||
      parsed > INT_MAX) {
    return FieldError(where, field,
                      "must be an integer >= " + std::to_string(min) + " (found " +
                          simdjson::to_string(value) + ")");
  }
  out = static_cast<int>(parsed);
  return Status::Ok();
}

Status ReadString(dom::element value, const std::string& where, std::string_view field,
                  std::string& out) {
  std::string_view text;
  if (value.get_string().get(text)) {
    return FieldError(where, field, "must be a string (found " + TypeName(value.type()) + ")");
  }
  out.assign(text);
  return Status::Ok();
}

// The messages array of a jsonl line or a conversation turn.
Status ReadMessages(dom::element value, const std::string& where, const std::string& field,
                    std::vector<ChatMessage>& out) {
  dom::array array;
  if (value.get_array().get(array) || array.size() == 0) {
    return FieldError(where, field,
                      "must be a non-empty array of {\"role\", \"content\"} objects (found " +
                          (value.type() == dom::element_type::ARRAY ? std::string("[]")
                                                                    : TypeName(value.type())) +
                          ")");
  }
  size_t index = 0;
  for (dom::element item : array) {
    const std::string item_field = field + "[" + std::to_string(index++) + "]";
    dom::object object;
    if (item.get_object().get(object)) {
      return FieldError(
          where, item_field,
          "must be an object {\"role\", \"content\"} (found " + TypeName(item.type()) + ")");
    }
    ChatMessage message;
    const std::optional<dom::element> role = Member(object, "role");
    const std::optional<dom::element> content = Member(object, "content");
    if (!role)
      return FieldError(where, item_field + ".role", "is missing; give system, user or assistant");
    if (!content) return FieldError(where, item_field + ".content", "is missing; give the text");
    Status status = ReadString(*role, where, item_field + ".role", message.role);
    if (!status.ok()) return status;
    if (message.role != "system" && message.role != "user" && message.role != "assistant") {
      return FieldError(where, item_field + ".role",
                        "is `" + message.role + "`; use system, user or assistant");
    }
    status = ReadString(*content, where, item_field + ".content", message.content);
    if (!status.ok()) return status;
    out.push_back(std::move(message));
  }
  return Status::Ok();
}

// `prompt` (a non-empty string) or `messages`, exactly one; prefix is "" or "turns[i].".
struct PromptContent {
  std::vector<ChatMessage> messages;  // set for the messages form
  std::string prompt;                 // set for the prompt form
};

Status ReadPromptContent(dom::object object, const std::string& where, const std::string& prefix,
                         PromptContent& out) {
  const std::optional<dom::element> prompt = Member(object, "prompt");
  const std::optional<dom::element> messages = Member(object, "messages");
  if (prompt && messages) {
    return Status::Error(where + ": give either `" + prefix + "prompt` or `" + prefix +
                         "messages`, not both");
  }
  if (!prompt && !messages) {
    return Status::Error(where + ": missing `" + prefix + "prompt` (a string) or `" + prefix +
                         "messages` (an array of {\"role\", \"content\"}); give one");
  }
  if (prompt) {
    Status status = ReadString(*prompt, where, prefix + "prompt", out.prompt);
    if (!status.ok()) return status;
    if (out.prompt.empty())
      return FieldError(where, prefix + "prompt", "is empty; give the prompt text");
    return Status::Ok();
  }
  return ReadMessages(*messages, where, prefix + "messages", out.messages);
}

int TokensOfMessages(const std::vector<ChatMessage>& messages, const Tokenizer* tokenizer) {
  int64_t total = 0;
  for (const ChatMessage& message : messages) total += TokensOfText(message.content, tokenizer);
  return static_cast<int>(std::min<int64_t>(total, INT_MAX));
}

bool Full(const ParsedOptions& options, size_t held) {
  return options.limit > 0 && held >= static_cast<size_t>(options.limit);
}

// ---- ShareGPT ----

enum class Speaker { kHuman, kAssistant, kSystem, kUnknown };

Speaker SpeakerOf(std::string_view from) {
  if (from == "human" || from == "user") return Speaker::kHuman;
  if (from == "gpt" || from == "chatgpt" || from == "assistant" || from == "bard" ||
      from == "bing" || from == "model") {
    return Speaker::kAssistant;
  }
  if (from == "system") return Speaker::kSystem;
  return Speaker::kUnknown;
}

struct ShareGptTurn {
  Speaker speaker = Speaker::kUnknown;
  std::string value;
};

struct ShareGptEntry {
  std::string id;
  std::vector<ShareGptTurn> turns;
};

// "path:LINE" of a byte offset (for errors found by offset, e.g. invalid UTF-8).
std::string WhereOffset(const std::string& path, std::string_view text, size_t offset) {
  const size_t lines = static_cast<size_t>(std::count(text.begin(), text.begin() + offset, '\n'));
  return path + ":" + std::to_string(lines + 1);
}

std::string ElementWhere(const std::string& path, size_t index) {
  return path + ": element [" + std::to_string(index) + "]";
}

Status ShareGptError(const std::string& path, size_t index, std::string_view field,
                     simdjson::error_code error, std::string_view what) {
  std::string message = ElementWhere(path, index);
  if (!field.empty()) message += " `" + std::string(field) + "`";
  if (error == simdjson::INCORRECT_TYPE || error == simdjson::NO_SUCH_FIELD ||
      error == simdjson::SUCCESS) {
    return Status::Error(message + " " + std::string(what));
  }
  return Status::Error(message + ": not valid JSON (" + simdjson::error_message(error) +
                       "); the file must be one JSON array of conversations");
}

Status ReadShareGptEntry(ondemand::value element, const std::string& path, size_t index,
                         ShareGptEntry& entry) {
  ondemand::object object;
  simdjson::error_code error = element.get_object().get(object);
  if (error) {
    return ShareGptError(path, index, "", error,
                         "must be an object {\"conversations\": [{\"from\", \"value\"}…]}");
  }
  bool have_conversations = false;
  for (auto field_result : object) {
    ondemand::field field;
    std::string_view key;
    if ((error = std::move(field_result).get(field)) || (error = field.unescaped_key().get(key))) {
      return ShareGptError(path, index, "", error, "");
    }
    if (key == "id") {
      std::string_view id;
      int64_t number = 0;
      if (!field.value().get_string().get(id)) {
        entry.id.assign(id);
      } else if (!field.value().get_int64().get(number)) {
        entry.id = std::to_string(number);
      }
      continue;
    }
    if (key != "conversations") continue;
    have_conversations = true;
    ondemand::array turns;
    if ((error = field.value().get_array().get(turns))) {
      return ShareGptError(path, index, "conversations", error,
                           "must be an array of {\"from\", \"value\"} turns");
    }
    size_t turn_index = 0;
    for (auto turn_result : turns) {
      const std::string turn_field = "conversations[" + std::to_string(turn_index++) + "]";
      ondemand::object turn_object;
      if ((error = turn_result.get_object().get(turn_object))) {
        return ShareGptError(path, index, turn_field, error,
                             "must be an object {\"from\", \"value\"}");
      }
      ShareGptTurn turn;
      bool have_from = false;
      bool have_value = false;
      for (auto turn_field_result : turn_object) {
        ondemand::field member;
        std::string_view member_key;
        if ((error = std::move(turn_field_result).get(member)) ||
            (error = member.unescaped_key().get(member_key))) {
          return ShareGptError(path, index, turn_field, error, "");
        }
        if (member_key != "from" && member_key != "value") continue;
        std::string_view text;
        if ((error = member.value().get_string().get(text))) {
          return ShareGptError(path, index, turn_field + "." + std::string(member_key), error,
                               "must be a string");
        }
        if (member_key == "from") {
          turn.speaker = SpeakerOf(text);
          have_from = true;
        } else {
          turn.value.assign(text);
          have_value = true;
        }
      }
      if (!have_from || !have_value) {
        return ShareGptError(path, index, turn_field, simdjson::SUCCESS,
                             std::string("is missing `") + (have_from ? "value" : "from") +
                                 "`; every turn needs \"from\" and \"value\" strings");
      }
      entry.turns.push_back(std::move(turn));
    }
  }
  if (!have_conversations) {
    return ShareGptError(path, index, "", simdjson::SUCCESS,
                         "has no `conversations` array; each element must be "
                         "{\"conversations\": [{\"from\", \"value\"}…]}");
  }
  return Status::Ok();
}

// Why an entry is left out, or "" when it is usable.
std::string SkipReason(const ShareGptEntry& entry, bool multi_turn) {
  size_t first = 0;
  if (!entry.turns.empty() && entry.turns[0].speaker == Speaker::kSystem) first = 1;
  if (first >= entry.turns.size()) return "have no turns";
  for (const ShareGptTurn& turn : entry.turns) {
    if (turn.speaker == Speaker::kUnknown) return "have a turn from an unknown speaker";
  }
  if (entry.turns[first].speaker != Speaker::kHuman) return "do not start with a human turn";
  if (entry.turns[first].value.empty()) return "have an empty first prompt";
  if (!multi_turn) return "";
  for (size_t i = first; i < entry.turns.size();) {
    if (entry.turns[i].speaker != Speaker::kHuman) return "do not alternate human and reply turns";
    if (entry.turns[i].value.empty()) return "have an empty prompt";
    i += (i + 1 < entry.turns.size() && entry.turns[i + 1].speaker == Speaker::kAssistant) ? 2 : 1;
  }
  return "";
}

// The reply's length in tokens, or the option's default when there is none.
int OutputTarget(const std::string* reply, const ParsedOptions& options,
                 const Tokenizer* tokenizer) {
  if (reply == nullptr) return options.output_tokens;
  const int tokens = TokensOfText(*reply, tokenizer);
  return tokens >= 1 ? tokens : options.output_tokens;
}

void AddShareGptEntry(const ShareGptEntry& entry, size_t index, const ParsedOptions& options,
                      const Tokenizer* tokenizer, std::set<std::string>& session_ids,
                      Dataset& dataset) {
  std::optional<ChatMessage> system;
  size_t i = 0;
  if (entry.turns[0].speaker == Speaker::kSystem) {
    system = ChatMessage{"system", entry.turns[0].value};
    i = 1;
  }
  auto reply_after = [&](size_t human) -> const std::string* {
    if (human + 1 < entry.turns.size() && entry.turns[human + 1].speaker == Speaker::kAssistant) {
      return &entry.turns[human + 1].value;
    }
    return nullptr;
  };
  if (!options.multi_turn) {
    DatasetRequest request;
    if (system) {
      request.messages.push_back(*system);
      request.messages.push_back(ChatMessage{"user", entry.turns[i].value});
    } else {
      request.prompt_text = entry.turns[i].value;
    }
    request.input_tokens = TokensOfText(entry.turns[i].value, tokenizer) +
                           (system ? TokensOfText(system->content, tokenizer) : 0);
    request.output_tokens = OutputTarget(reply_after(i), options, tokenizer);
    dataset.requests.push_back(std::move(request));
    return;
  }
  Conversation conversation;
  conversation.session_id = entry.id.empty() ? "sharegpt-" + std::to_string(index) : entry.id;
  if (!session_ids.insert(conversation.session_id).second) {
    conversation.session_id += "#" + std::to_string(index);
    session_ids.insert(conversation.session_id);
  }
  while (i < entry.turns.size()) {
    ConversationTurn turn;
    if (system && conversation.turns.empty()) turn.messages.push_back(*system);
    turn.messages.push_back(ChatMessage{"user", entry.turns[i].value});
    turn.input_tokens = TokensOfMessages(turn.messages, tokenizer);
    const std::string* reply = reply_after(i);
    turn.output_tokens = OutputTarget(reply, options, tokenizer);
    if (reply != nullptr) turn.recorded_reply = *reply;
    conversation.turns.push_back(std::move(turn));
    i += reply != nullptr ? 2 : 1;
  }
  dataset.conversations.push_back(std::move(conversation));
}

}  // namespace

Status LoadJsonl(const ParsedOptions& options, const DatasetLoadOptions& load, Dataset& dataset) {
  const std::string& path = dataset.spec.path;
  const Tokenizer* tokenizer = load.tokenizer.get();
  dom::parser parser;
  return ForEachLine(
      path,
      [&](int64_t line, std::string_view text) -> Status {
        Result<dom::object> object = ParseLineObject(parser, path, line, text);
        if (!object.ok()) return object.status();
        const std::string where = Where(path, line);
        PromptContent content;
        Status status = ReadPromptContent(*object, where, "", content);
        if (!status.ok()) return status;
        int output_tokens = options.output_tokens;
        if (std::optional<dom::element> value = Member(*object, "output_tokens")) {
          status = ReadInt(*value, where, "output_tokens", 1, output_tokens);
          if (!status.ok()) return status;
        }
        if (Full(options, dataset.requests.size())) return Status::Ok();  // validate the rest
        DatasetRequest request;
        request.output_tokens = output_tokens;
        if (content.messages.empty()) {
          request.input_tokens = TokensOfText(content.prompt, tokenizer);
          request.prompt_text = std::move(content.prompt);
        } else {
          request.input_tokens = TokensOfMessages(content.messages, tokenizer);
          request.messages = std::move(content.messages);
        }
        dataset.requests.push_back(std::move(request));
        return Status::Ok();
      },
      &dataset.content_digest);
}

Status LoadConversations(const ParsedOptions& options, const DatasetLoadOptions& load,
                         Dataset& dataset) {
  const std::string& path = dataset.spec.path;
  const Tokenizer* tokenizer = load.tokenizer.get();
  dom::parser parser;
  std::map<std::string, int64_t> first_line_of_session;
  return ForEachLine(
      path,
      [&](int64_t line, std::string_view text) -> Status {
        Result<dom::object> object = ParseLineObject(parser, path, line, text);
        if (!object.ok()) return object.status();
        const std::string where = Where(path, line);
        Conversation conversation;
        const std::optional<dom::element> id = Member(*object, "session_id");
        int64_t number = 0;
        std::string_view id_text;
        if (!id) {
          return FieldError(where, "session_id", "is missing; give each session a unique id");
        } else if (!id->get_string().get(id_text)) {
          conversation.session_id.assign(id_text);
        } else if (id->type() == dom::element_type::INT64 && !id->get_int64().get(number)) {
          conversation.session_id = std::to_string(number);
        } else {
          return FieldError(where, "session_id",
                            "must be a string or an integer (found " + TypeName(id->type()) + ")");
        }
        if (conversation.session_id.empty()) {
          return FieldError(where, "session_id", "is empty; give each session a unique id");
        }
        const auto [it, inserted] = first_line_of_session.emplace(conversation.session_id, line);
        if (!inserted) {
          return Status::Error(where + ": session_id `" + conversation.session_id +
                               "` is already used on line " + std::to_string(it->second) +
                               "; give every session a unique id");
        }
        const std::optional<dom::element> turns = Member(*object, "turns");
        dom::array turn_array;
        if (!turns || turns->get_array().get(turn_array) || turn_array.size() == 0) {
          return FieldError(where, "turns",
                            "must be a non-empty array of turns {\"prompt\" or \"messages\", "
                            "\"output_tokens\", \"delay_ms\"}");
        }
        size_t index = 0;
        for (dom::element turn_element : turn_array) {
          const std::string prefix = "turns[" + std::to_string(index++) + "].";
          dom::object turn_object;
          if (turn_element.get_object().get(turn_object)) {
            return FieldError(where, prefix.substr(0, prefix.size() - 1),
                              "must be an object (found " + TypeName(turn_element.type()) + ")");
          }
          PromptContent content;
          Status status = ReadPromptContent(turn_object, where, prefix, content);
          if (!status.ok()) return status;
          ConversationTurn turn;
          turn.messages = content.messages.empty()
                              ? std::vector<ChatMessage>{{"user", std::move(content.prompt)}}
                              : std::move(content.messages);
          turn.input_tokens = TokensOfMessages(turn.messages, tokenizer);
          turn.output_tokens = options.output_tokens;
          if (std::optional<dom::element> value = Member(turn_object, "output_tokens")) {
            status = ReadInt(*value, where, prefix + "output_tokens", 1, turn.output_tokens);
            if (!status.ok()) return status;
          }
          if (std::optional<dom::element> value = Member(turn_object, "delay_ms")) {
            double delay_ms = 0;
            if (value->get_double().get(delay_ms) || !std::isfinite(delay_ms) || delay_ms < 0 ||
                delay_ms > 1e12) {
              return FieldError(where, prefix + "delay_ms",
                                "must be a number of milliseconds >= 0 (found " +
                                    simdjson::to_string(*value) + ")");
            }
            turn.delay_ns = std::llround(delay_ms * 1e6);
          }
          conversation.turns.push_back(std::move(turn));
        }
        if (!Full(options, dataset.conversations.size())) {
          dataset.conversations.push_back(std::move(conversation));
        }
        return Status::Ok();
      },
      &dataset.content_digest);
}

Status LoadShareGpt(const ParsedOptions& options, const DatasetLoadOptions& load,
                    Dataset& dataset) {
  const std::string& path = dataset.spec.path;
  simdjson::padded_string json;
  if (simdjson::padded_string::load(path).get(json)) {
    return Status::Error(path +
                         ": cannot read the ShareGPT file; check the path and that it is a "
                         "readable regular file");
  }
  const std::string_view bytes(json.data(), json.size());
  dataset.content_digest = "sha256:" + Sha256Hex(bytes);
  ondemand::parser parser;
  ondemand::document document;
  simdjson::error_code error = parser.iterate(json).get(document);
  if (error == simdjson::UTF8_ERROR) {
    const size_t offset = FirstInvalidUtf8(bytes);
    if (offset != std::string_view::npos) {
      return Status::Error(WhereOffset(path, bytes, offset) +
                           ": the text is not valid UTF-8 (byte offset " + std::to_string(offset) +
                           " of the file); re-encode the file as UTF-8");
    }
  }
  if (error) {
    return Status::Error(path + ": not valid JSON (" + simdjson::error_message(error) +
                         "); a ShareGPT file is one JSON array of conversations");
  }
  ondemand::array array;
  if ((error = document.get_array().get(array))) {
    if (error != simdjson::INCORRECT_TYPE) {
      return Status::Error(path + ": not valid JSON (" + simdjson::error_message(error) +
                           "); a ShareGPT file is one JSON array of conversations");
    }
    return Status::Error(path +
                         ": expected a JSON array of conversations "
                         "([{\"conversations\": [{\"from\", \"value\"}…]}…])");
  }
  const Tokenizer* tokenizer = load.tokenizer.get();
  std::map<std::string, size_t> skipped_by_reason;
  std::set<std::string> session_ids;
  size_t index = 0;
  for (auto element_result : array) {
    ondemand::value element;
    if ((error = element_result.get(element))) {
      return ShareGptError(path, index, "", error, "");
    }
    ShareGptEntry entry;
    Status status = ReadShareGptEntry(element, path, index, entry);
    if (!status.ok()) return status;
    const std::string reason = SkipReason(entry, options.multi_turn);
    if (!reason.empty()) {
      ++skipped_by_reason[reason];
      ++dataset.skipped;
    } else if (!Full(options, dataset.size())) {
      AddShareGptEntry(entry, index, options, tokenizer, session_ids, dataset);
    }
    ++index;
  }
  const char* trailing = nullptr;
  if (!document.current_location().get(trailing)) {
    return Status::Error(path +
                         ": unexpected content after the JSON array; a ShareGPT file is "
                         "one JSON array of conversations");
  }
  if (dataset.skipped > 0) {
    std::string note = "skipped " + std::to_string(dataset.skipped) + " of " +
                       std::to_string(index) + " ShareGPT conversations:";
    bool first = true;
    for (const auto& [reason, count] : skipped_by_reason) {
      note += std::string(first ? " " : ", ") + std::to_string(count) + " " + reason;
      first = false;
    }
    dataset.notes.push_back(std::move(note));
  }
  return Status::Ok();
}

}  // namespace inferbench::workload::dataset_internal
