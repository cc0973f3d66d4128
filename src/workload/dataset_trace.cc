// Timed traces: mooncake ({timestamp, input_length, output_length, hash_ids}) and plain
// ({timestamp, input_length, output_length}) JSON lines, replayed at their times.
#include <simdjson.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <map>
#include <optional>
#include <utility>

#include "workload/dataset.h"
#include "workload/synthetic.h"
#include "workload/token_text.h"

namespace inferbench::workload::dataset_internal {
namespace {

namespace dom = simdjson::dom;

// Longer prompts are surely a broken trace, and would take gigabytes of text.
constexpr int kMaxTraceTokens = 1 << 24;

struct TraceEntry {
  double timestamp_ms = 0;
  int input_length = 0;
  int output_length = 0;
  std::vector<uint64_t> hash_ids;
};

Status FieldError(const std::string& where, std::string_view field, const std::string& what) {
  return Status::Error(where + ": field `" + std::string(field) + "` " + what);
}

Status ReadLength(dom::object object, const std::string& where, std::string_view field, int& out) {
  dom::element value;
  if (object.at_key(field).get(value)) {
    return FieldError(where, field, "is missing; give the length in tokens (an integer >= 1)");
  }
  int64_t parsed = 0;
  if (value.type() != dom::element_type::INT64 || value.get_int64().get(parsed) || parsed < 1 ||
      parsed > kMaxTraceTokens) {
    return FieldError(where, field,
                      "must be an integer >= 1 and <= " + std::to_string(kMaxTraceTokens) +
                          " (found " + simdjson::to_string(value) + ")");
  }
  out = static_cast<int>(parsed);
  return Status::Ok();
}

Status ReadEntry(dom::object object, const std::string& where, TraceEntry& entry,
                 bool& has_hash_ids) {
  dom::element timestamp;
  if (object.at_key("timestamp").get(timestamp)) {
    return FieldError(where, "timestamp", "is missing; give the send time in milliseconds");
  }
  if (timestamp.get_double().get(entry.timestamp_ms) || !std::isfinite(entry.timestamp_ms) ||
      entry.timestamp_ms < 0) {
    return FieldError(
        where, "timestamp",
        "must be a number of milliseconds >= 0 (found " + simdjson::to_string(timestamp) + ")");
  }
  Status status = ReadLength(object, where, "input_length", entry.input_length);
  if (!status.ok()) return status;
  status = ReadLength(object, where, "output_length", entry.output_length);
  if (!status.ok()) return status;
  dom::element ids;
  has_hash_ids = !object.at_key("hash_ids").get(ids);
  if (!has_hash_ids) return Status::Ok();
  dom::array array;
  if (ids.get_array().get(array)) {
    return FieldError(where, "hash_ids", "must be an array of block ids (integers >= 0)");
  }
  for (dom::element id : array) {
    uint64_t value = 0;
    if (id.type() == dom::element_type::DOUBLE || id.get_uint64().get(value)) {
      return FieldError(where, "hash_ids",
                        "must hold integers >= 0 (found " + simdjson::to_string(id) + ")");
    }
    entry.hash_ids.push_back(value);
  }
  const size_t needed =
      static_cast<size_t>((entry.input_length + kTraceBlockTokens - 1) / kTraceBlockTokens);
  if (entry.hash_ids.size() != needed) {
    return FieldError(where, "hash_ids",
                      "has " + std::to_string(entry.hash_ids.size()) +
                          " block ids but input_length " + std::to_string(entry.input_length) +
                          " needs ceil(" + std::to_string(entry.input_length) + "/" +
                          std::to_string(kTraceBlockTokens) + ") = " + std::to_string(needed) +
                          "; give one id per " + std::to_string(kTraceBlockTokens) +
                          "-token block");
  }
  return Status::Ok();
}

// Sets shared_prefix_tokens of requests (in time order) from their hash_ids chains: a trie of
// the leading-block chains seen so far, each node holding the most tokens of its block that any
// earlier request used.
void SetSharedPrefixTokens(const std::vector<TraceEntry>& entries,
                           std::vector<DatasetRequest>& requests) {
  std::map<std::pair<size_t, uint64_t>, size_t> children;  // (node, block id) -> node
  std::vector<int> most_tokens = {0};                      // node 0 is the root
  for (size_t r = 0; r < entries.size(); ++r) {
    const TraceEntry& entry = entries[r];
    auto block_tokens = [&](size_t b) {
      return std::min(kTraceBlockTokens,
                      entry.input_length - static_cast<int>(b) * kTraceBlockTokens);
    };
    int shared = 0;
    size_t node = 0;
    for (size_t b = 0; b < entry.hash_ids.size(); ++b) {
      const auto child = children.find({node, entry.hash_ids[b]});
      if (child == children.end()) break;
      const int mine = block_tokens(b);
      shared += std::min(mine, most_tokens[child->second]);
      if (most_tokens[child->second] < mine) break;  // earlier requests stopped inside it
      node = child->second;
    }
    requests[r].shared_prefix_tokens = shared;
    node = 0;
    for (size_t b = 0; b < entry.hash_ids.size(); ++b) {
      auto [child, inserted] =
          children.emplace(std::make_pair(node, entry.hash_ids[b]), most_tokens.size());
      if (inserted) most_tokens.push_back(0);
      most_tokens[child->second] = std::max(most_tokens[child->second], block_tokens(b));
      node = child->second;
    }
  }
}

}  // namespace

Status LoadTrace(const ParsedOptions& options, const DatasetLoadOptions& load, Dataset& dataset) {
  const std::string& path = dataset.spec.path;
  dom::parser parser;
  std::vector<TraceEntry> entries;
  std::optional<std::pair<bool, int64_t>> form;  // (has hash_ids, line) of the first line
  Status status = ForEachLine(
      path,
      [&](int64_t line, std::string_view text) -> Status {
        dom::element element;
        const simdjson::error_code error = parser.parse(text.data(), text.size()).get(element);
        if (error) {
          return JsonLineError(path, line, text, error == simdjson::UTF8_ERROR,
                               simdjson::error_message(error));
        }
        const std::string where = path + ":" + std::to_string(line);
        dom::object object;
        if (element.get_object().get(object)) {
          return Status::Error(where +
                               ": expected a JSON object {\"timestamp\", "
                               "\"input_length\", \"output_length\"[, \"hash_ids\"]}");
        }
        TraceEntry entry;
        bool has_hash_ids = false;
        Status entry_status = ReadEntry(object, where, entry, has_hash_ids);
        if (!entry_status.ok()) return entry_status;
        if (!form) {
          form = std::make_pair(has_hash_ids, line);
        } else if (form->first != has_hash_ids) {
          return Status::Error(where + ": " + (has_hash_ids ? "has" : "has no") +
                               " `hash_ids` but line " + std::to_string(form->second) +
                               (form->first ? " has" : " has not") +
                               "; give hash_ids on every line (mooncake form) or on none (plain "
                               "form)");
        }
        entries.push_back(std::move(entry));
        return Status::Ok();
      },
      &dataset.content_digest);
  if (!status.ok()) return status;
  std::stable_sort(entries.begin(), entries.end(), [](const TraceEntry& a, const TraceEntry& b) {
    return a.timestamp_ms < b.timestamp_ms;
  });
  if (options.limit > 0 && entries.size() > static_cast<size_t>(options.limit)) {
    entries.resize(static_cast<size_t>(options.limit));
  }
  if (entries.empty()) return Status::Ok();
  const bool mooncake = form && form->first;
  const Tokenizer* tokenizer = load.tokenizer.get();
  const double first_ms = entries.front().timestamp_ms;
  dataset.requests.resize(entries.size());
  BlockTextCache blocks;  // requests that share a hash_id share its text: fit each block once
  for (size_t i = 0; i < entries.size(); ++i) {
    const TraceEntry& entry = entries[i];
    DatasetRequest& request = dataset.requests[i];
    request.input_tokens = entry.input_length;
    request.output_tokens = entry.output_length;
    request.offset_ns = std::llround((entry.timestamp_ms - first_ms) * 1e6 / options.speedup);
    request.prompt_text =
        mooncake ? TextOfBlocks(entry.hash_ids, kTraceBlockTokens, entry.input_length,
                                load.prompt_seed, tokenizer, &blocks)
                 : TextOfTokens(ItemSeed(load.prompt_seed, i), entry.input_length, tokenizer);
  }
  if (mooncake) SetSharedPrefixTokens(entries, dataset.requests);
  return Status::Ok();
}

}  // namespace inferbench::workload::dataset_internal
