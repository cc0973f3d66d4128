// Dataset specs, options, the shared line reader and LoadDataset; the kinds' readers are in
// dataset_files.cc (jsonl, sharegpt, conversations), dataset_trace.cc and shared_prefix.cc.
#include "workload/dataset.h"

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <set>
#include <utility>

#include "core/sha256.h"

namespace inferbench::workload {
namespace {

using dataset_internal::ParsedOptions;

constexpr size_t kReadChunk = size_t{1} << 20;

struct KindInfo {
  DatasetKind kind;
  std::string_view name;
  std::vector<std::string_view> options;  // accepted, sorted
};

const std::vector<KindInfo>& Kinds() {
  static const std::vector<KindInfo> kinds = {
      {DatasetKind::kJsonl, "jsonl", {"allow_repeat", "limit", "output_tokens"}},
      {DatasetKind::kShareGpt,
       "sharegpt",
       {"allow_repeat", "history", "limit", "multi_turn", "output_tokens", "sessions"}},
      {DatasetKind::kTrace, "trace", {"allow_repeat", "limit", "output_tokens", "speedup"}},
      {DatasetKind::kConversations,
       "conversations",
       {"allow_repeat", "history", "limit", "output_tokens", "sessions"}},
      {DatasetKind::kSharedPrefix,
       "shared-prefix",
       {"allow_repeat", "groups", "limit", "output_tokens", "prefix_tokens", "prompts_per_group",
        "suffix_tokens"}},
  };
  return kinds;
}

const KindInfo& InfoOf(DatasetKind kind) {
  for (const KindInfo& info : Kinds()) {
    if (info.kind == kind) return info;
  }
  assert(false);
  return Kinds().front();
}

std::string JoinNames(const std::vector<std::string_view>& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ", ";
    out += names[i];
  }
  return out;
}

// "jsonl:PATH (options allow_repeat, …); sharegpt:PATH (…); …" for errors.
std::string KindsHelp() {
  std::string out;
  for (const KindInfo& info : Kinds()) {
    if (!out.empty()) out += "; ";
    out += std::string(info.name) +
           (info.kind == DatasetKind::kSharedPrefix ? ":k=v,…" : ":PATH[,k=v…]") + " (options " +
           JoinNames(info.options) + ")";
  }
  return out;
}

// "dataset `trace:t.jsonl,speedup=0`" for errors.
std::string Named(const DatasetSpec& spec) { return "dataset `" + FormatDatasetSpec(spec) + "`"; }

Status OptionError(const DatasetSpec& spec, const std::string& key, const std::string& value,
                   const std::string& what) {
  return Status::Error(Named(spec) + ": option `" + key + "=" + value + "` " + what);
}

Status ParseInt(const DatasetSpec& spec, const std::string& key, const std::string& value, int min,
                int& out) {
  int parsed = 0;
  const char* end = value.data() + value.size();
  const auto [ptr, ec] = std::from_chars(value.data(), end, parsed);
  if (value.empty() || ec != std::errc() || ptr != end || parsed < min) {
    return OptionError(spec, key, value,
                       "must be a decimal integer >= " + std::to_string(min) + " (at most " +
                           std::to_string(INT_MAX) + ")");
  }
  out = parsed;
  return Status::Ok();
}

Status ParseBool(const DatasetSpec& spec, const std::string& key, const std::string& value,
                 bool& out) {
  if (value == "true") {
    out = true;
  } else if (value == "false") {
    out = false;
  } else {
    return OptionError(spec, key, value, "must be true or false");
  }
  return Status::Ok();
}

Status ParseSpeedup(const DatasetSpec& spec, const std::string& value, double& out) {
  // strtod accepts the forms people write (2, 0.5, 1e1); refuse trailing text and non-finite.
  errno = 0;
  char* end = nullptr;
  const double parsed = value.empty() ? 0 : std::strtod(value.c_str(), &end);
  if (value.empty() || end != value.c_str() + value.size() || errno != 0 ||
      !std::isfinite(parsed) || parsed <= 0) {
    return OptionError(spec, "speedup", value,
                       "must be a number > 0 (2 replays twice as fast, 0.5 at half speed)");
  }
  out = parsed;
  return Status::Ok();
}

bool HasOption(const DatasetSpec& spec, std::string_view key) {
  return spec.options.find(std::string(key)) != spec.options.end();
}

std::string_view HistoryName(HistoryMode mode) {
  return mode == HistoryMode::kResponse ? "response" : "synthetic";
}

}  // namespace

std::string_view DatasetKindName(DatasetKind kind) { return InfoOf(kind).name; }

std::string FormatDatasetSpec(const DatasetSpec& spec) {
  std::string out(DatasetKindName(spec.kind));
  out += ':';
  bool first = true;
  if (spec.kind != DatasetKind::kSharedPrefix) {
    out += spec.path;
    first = false;
  }
  for (const auto& [key, value] : spec.options) {
    if (!first) out += ',';
    first = false;
    out += key + "=" + value;
  }
  return out;
}

Result<DatasetSpec> ParseDatasetSpec(std::string_view text) {
  const std::string quoted = "dataset `" + std::string(text) + "`";
  const size_t colon = text.find(':');
  const std::string_view kind_name = text.substr(0, colon);
  const KindInfo* info = nullptr;
  for (const KindInfo& candidate : Kinds()) {
    if (candidate.name == kind_name) info = &candidate;
  }
  if (info == nullptr) {
    return Result<DatasetSpec>::Error(quoted + ": unknown kind `" + std::string(kind_name) +
                                      "`; write KIND:PATH[,k=v…], one of: " + KindsHelp());
  }
  if (colon == std::string_view::npos) {
    return Result<DatasetSpec>::Error(
        quoted + ": missing `:` after the kind; write " + std::string(info->name) +
        (info->kind == DatasetKind::kSharedPrefix ? ":groups=G,prompts_per_group=P,…"
                                                  : ":PATH[,k=v…]"));
  }
  DatasetSpec spec;
  spec.kind = info->kind;
  std::string_view rest = text.substr(colon + 1);
  std::vector<std::string_view> parts;
  for (;;) {
    const size_t comma = rest.find(',');
    parts.push_back(rest.substr(0, comma));
    if (comma == std::string_view::npos) break;
    rest = rest.substr(comma + 1);
  }
  size_t first_option = 0;
  if (spec.kind != DatasetKind::kSharedPrefix) {
    spec.path = std::string(parts[0]);
    if (spec.path.empty()) {
      return Result<DatasetSpec>::Error(quoted + ": no file path; write " +
                                        std::string(info->name) + ":PATH[,k=v…]");
    }
    first_option = 1;
  } else if (parts.size() == 1 && parts[0].empty()) {
    parts.clear();
  }
  for (size_t i = first_option; i < parts.size(); ++i) {
    const std::string_view part = parts[i];
    const size_t equals = part.find('=');
    if (equals == std::string_view::npos || equals == 0 || equals + 1 == part.size()) {
      return Result<DatasetSpec>::Error(quoted + ": `" + std::string(part) +
                                        "` is not an option; write k=v (paths cannot contain "
                                        "commas)");
    }
    std::string key(part.substr(0, equals));
    if (!spec.options.emplace(key, std::string(part.substr(equals + 1))).second) {
      return Result<DatasetSpec>::Error(quoted + ": option `" + key + "` is given twice");
    }
  }
  Result<ParsedOptions> parsed = dataset_internal::ParseOptions(spec);
  if (!parsed.ok()) return parsed.status();
  return spec;
}

namespace dataset_internal {

Result<ParsedOptions> ParseOptions(const DatasetSpec& spec) {
  const KindInfo& info = InfoOf(spec.kind);
  ParsedOptions out;
  for (const auto& [key, value] : spec.options) {
    if (std::find(info.options.begin(), info.options.end(), key) == info.options.end()) {
      return Status::Error(Named(spec) + ": unknown option `" + key + "`; " +
                           std::string(info.name) + " accepts " + JoinNames(info.options));
    }
    Status status;
    if (key == "allow_repeat") {
      status = ParseBool(spec, key, value, out.allow_repeat);
    } else if (key == "multi_turn") {
      status = ParseBool(spec, key, value, out.multi_turn);
    } else if (key == "output_tokens") {
      status = ParseInt(spec, key, value, 1, out.output_tokens);
      out.output_tokens_given = true;
    } else if (key == "limit") {
      int limit = 0;
      status = ParseInt(spec, key, value, 1, limit);
      out.limit = limit;
    } else if (key == "speedup") {
      status = ParseSpeedup(spec, value, out.speedup);
    } else if (key == "history") {
      if (value == "synthetic") {
        out.history = HistoryMode::kSynthetic;
      } else if (value == "response") {
        out.history = HistoryMode::kResponse;
      } else {
        status = OptionError(spec, key, value,
                             "must be synthetic (generated text of each answer's length, "
                             "deterministic) or response (the server's answers)");
      }
    } else if (key == "sessions") {
      status = ParseInt(spec, key, value, 1, out.sessions);
    } else if (key == "groups") {
      status = ParseInt(spec, key, value, 1, out.groups);
    } else if (key == "prompts_per_group") {
      status = ParseInt(spec, key, value, 1, out.prompts_per_group);
    } else if (key == "prefix_tokens") {
      status = ParseInt(spec, key, value, 0, out.prefix_tokens);
    } else if (key == "suffix_tokens") {
      status = ParseInt(spec, key, value, 0, out.suffix_tokens);
    }
    if (!status.ok()) return status;
  }
  if (spec.kind == DatasetKind::kShareGpt && !out.multi_turn &&
      (HasOption(spec, "history") || HasOption(spec, "sessions"))) {
    return Status::Error(Named(spec) +
                         ": options history and sessions apply only to whole conversations; add "
                         "multi_turn=true or remove them");
  }
  if (spec.kind == DatasetKind::kSharedPrefix) {
    for (std::string_view required :
         {"groups", "prompts_per_group", "prefix_tokens", "suffix_tokens", "output_tokens"}) {
      if (!HasOption(spec, required)) {
        return Status::Error(Named(spec) + ": missing option `" + std::string(required) +
                             "`; shared-prefix needs groups, prompts_per_group, prefix_tokens, "
                             "suffix_tokens and output_tokens");
      }
    }
    if (out.prefix_tokens + static_cast<int64_t>(out.suffix_tokens) < 1) {
      return Status::Error(Named(spec) +
                           ": prefix_tokens and suffix_tokens are both 0; give at least one "
                           "token of prompt");
    }
  }
  return out;
}

nlohmann::json NormalizedOptions(const DatasetSpec& spec, const ParsedOptions& options) {
  nlohmann::json out = nlohmann::json::object();
  out["allow_repeat"] = options.allow_repeat;
  out["output_tokens"] = options.output_tokens;
  if (options.limit > 0) out["limit"] = options.limit;
  const bool multi_turn = spec.kind == DatasetKind::kConversations ||
                          (spec.kind == DatasetKind::kShareGpt && options.multi_turn);
  if (spec.kind == DatasetKind::kShareGpt) out["multi_turn"] = options.multi_turn;
  if (multi_turn) {
    out["history"] = std::string(HistoryName(options.history));
    out["sessions"] = options.sessions;
  }
  if (spec.kind == DatasetKind::kTrace) out["speedup"] = options.speedup;
  if (spec.kind == DatasetKind::kSharedPrefix) {
    out["groups"] = options.groups;
    out["prompts_per_group"] = options.prompts_per_group;
    out["prefix_tokens"] = options.prefix_tokens;
    out["suffix_tokens"] = options.suffix_tokens;
  }
  return out;
}

Status ForEachLine(const std::string& path,
                   const std::function<Status(int64_t, std::string_view)>& on_line,
                   std::string* digest) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"),
                                                       &std::fclose);
  if (!file) {
    return Status::Error(path + ": cannot open the dataset file (" + std::strerror(errno) +
                         "); check the path");
  }
  Sha256 hasher;
  // Not zero-filled: for a small file only the pages fread writes are ever touched.
  const std::unique_ptr<char[]> buffer = std::make_unique_for_overwrite<char[]>(kReadChunk);
  std::string carry;  // the start of a line that continues in the next chunk
  int64_t line_number = 0;
  bool at_file_start = true;
  auto deliver = [&](std::string_view line) -> Status {
    ++line_number;
    if (at_file_start) {
      at_file_start = false;
      if (line.substr(0, 3) == "\xEF\xBB\xBF") line.remove_prefix(3);
    }
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const bool blank = std::all_of(line.begin(), line.end(), [](char c) {
      return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
    });
    if (blank) return Status::Ok();
    return on_line(line_number, line);
  };
  for (;;) {
    const size_t got = std::fread(buffer.get(), 1, kReadChunk, file.get());
    if (got == 0) {
      if (std::ferror(file.get())) {
        return Status::Error(path + ": cannot read the dataset file (" + std::strerror(errno) +
                             "); is it a readable regular file?");
      }
      break;
    }
    const std::string_view chunk(buffer.get(), got);
    hasher.Update(chunk);
    size_t start = 0;
    for (;;) {
      const size_t newline = chunk.find('\n', start);
      if (newline == std::string_view::npos) {
        carry.append(chunk.substr(start));
        break;
      }
      Status status;
      if (carry.empty()) {
        status = deliver(chunk.substr(start, newline - start));
      } else {
        carry.append(chunk.substr(start, newline - start));
        status = deliver(carry);
        carry.clear();
      }
      if (!status.ok()) return status;
      start = newline + 1;
    }
  }
  if (!carry.empty()) {
    Status status = deliver(carry);
    if (!status.ok()) return status;
  }
  *digest = "sha256:" + hasher.FinishHex();
  return Status::Ok();
}

size_t FirstInvalidUtf8(std::string_view text) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  const size_t size = text.size();
  size_t i = 0;
  while (i < size) {
    const unsigned char lead = bytes[i];
    if (lead < 0x80) {
      ++i;
      continue;
    }
    size_t length = 0;
    unsigned char lo = 0x80;
    unsigned char hi = 0xBF;  // allowed range of the second byte
    if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      if (lead == 0xE0) lo = 0xA0;  // no overlong forms
      if (lead == 0xED) hi = 0x9F;  // no surrogates
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      if (lead == 0xF0) lo = 0x90;
      if (lead == 0xF4) hi = 0x8F;  // <= U+10FFFF
    } else {
      return i;
    }
    if (i + length > size) return i;
    if (bytes[i + 1] < lo || bytes[i + 1] > hi) return i;
    for (size_t k = 2; k < length; ++k) {
      if ((bytes[i + k] & 0xC0) != 0x80) return i;
    }
    i += length;
  }
  return std::string_view::npos;
}

Status JsonLineError(const std::string& path, int64_t line, std::string_view text,
                     bool invalid_utf8, std::string_view parser_message) {
  const std::string where = path + ":" + std::to_string(line);
  if (invalid_utf8) {
    const size_t offset = FirstInvalidUtf8(text);
    return Status::Error(where + ": the line is not valid UTF-8 text" +
                         (offset == std::string_view::npos
                              ? std::string()
                              : " (byte " + std::to_string(offset + 1) + " of the line)") +
                         "; re-encode the file as UTF-8");
  }
  return Status::Error(where + ": not valid JSON (" + std::string(parser_message) +
                       "); each line must be one JSON object on a single line");
}

}  // namespace dataset_internal

size_t Dataset::size() const { return multi_turn() ? conversations.size() : requests.size(); }

const DatasetRequest& Dataset::Request(uint64_t index) const {
  assert(!multi_turn() && !requests.empty());
  if (allow_repeat) index %= requests.size();
  assert(index < requests.size());
  return requests[index];
}

Status Dataset::CheckCount(uint64_t count) const {
  const size_t held = size();
  if (count <= held || (allow_repeat && held > 0)) return Status::Ok();
  const std::string what = multi_turn() ? "conversations" : "requests";
  return Status::Error(Named(spec) + " holds " + std::to_string(held) + " " + what +
                       " but the run needs " + std::to_string(count) +
                       "; add allow_repeat=true to the dataset to cycle through them, or ask for "
                       "at most " +
                       std::to_string(held));
}

nlohmann::json Dataset::DigestJson() const {
  Result<ParsedOptions> parsed = dataset_internal::ParseOptions(spec);
  nlohmann::json out = nlohmann::json::object();
  out["type"] = std::string(DatasetKindName(kind));
  out["options"] = parsed.ok() ? dataset_internal::NormalizedOptions(spec, *parsed)
                               : nlohmann::json(spec.options);
  out["content_digest"] = content_digest;
  return out;
}

double Dataset::MeanInputTokens() const {
  double sum = 0;
  size_t n = 0;
  for (const DatasetRequest& request : requests) {
    sum += request.input_tokens;
    ++n;
  }
  for (const Conversation& conversation : conversations) {
    for (const ConversationTurn& turn : conversation.turns) {
      sum += turn.input_tokens;
      ++n;
    }
  }
  return n == 0 ? 0 : sum / static_cast<double>(n);
}

double Dataset::MeanOutputTokens() const {
  double sum = 0;
  size_t n = 0;
  for (const DatasetRequest& request : requests) {
    sum += request.output_tokens;
    ++n;
  }
  for (const Conversation& conversation : conversations) {
    for (const ConversationTurn& turn : conversation.turns) {
      sum += turn.output_tokens;
      ++n;
    }
  }
  return n == 0 ? 0 : sum / static_cast<double>(n);
}

Result<std::shared_ptr<const Dataset>> LoadDataset(const DatasetSpec& spec,
                                                   const DatasetLoadOptions& options) {
  Result<ParsedOptions> parsed = dataset_internal::ParseOptions(spec);
  if (!parsed.ok()) return parsed.status();
  if (spec.kind != DatasetKind::kSharedPrefix && spec.path.empty()) {
    return Status::Error(Named(spec) + ": no file path; write " +
                         std::string(DatasetKindName(spec.kind)) + ":PATH[,k=v…]");
  }
  auto dataset = std::make_shared<Dataset>();
  dataset->kind = spec.kind;
  dataset->spec = spec;
  dataset->allow_repeat = parsed->allow_repeat;
  dataset->speedup = parsed->speedup;
  dataset->history = parsed->history;
  dataset->sessions = parsed->sessions;
  Status status;
  switch (spec.kind) {
    case DatasetKind::kJsonl:
      status = dataset_internal::LoadJsonl(*parsed, options, *dataset);
      break;
    case DatasetKind::kShareGpt:
      status = dataset_internal::LoadShareGpt(*parsed, options, *dataset);
      break;
    case DatasetKind::kTrace:
      status = dataset_internal::LoadTrace(*parsed, options, *dataset);
      break;
    case DatasetKind::kConversations:
      status = dataset_internal::LoadConversations(*parsed, options, *dataset);
      break;
    case DatasetKind::kSharedPrefix:
      status = dataset_internal::LoadSharedPrefix(*parsed, options, *dataset);
      break;
  }
  if (!status.ok()) return status;
  if (parsed->limit > 0) {
    const auto limit = static_cast<size_t>(parsed->limit);
    if (dataset->requests.size() > limit) dataset->requests.resize(limit);
    if (dataset->conversations.size() > limit) dataset->conversations.resize(limit);
  }
  if (dataset->requests.empty() && dataset->conversations.empty()) {
    std::string message = spec.path + ": the dataset is empty (no ";
    message += spec.kind == DatasetKind::kConversations ? "sessions" : "requests";
    message += ")";
    for (const std::string& note : dataset->notes) message += "; " + note;
    return Status::Error(message + "; give at least one item");
  }
  return std::shared_ptr<const Dataset>(std::move(dataset));
}

}  // namespace inferbench::workload
