// Datasets (`bench --dataset KIND:PATH[,k=v…]`, the spec's `workload.dataset`; issue 5): prompt
// files, ShareGPT, timed traces, multi-turn conversations and synthetic shared-prefix groups,
// loaded into memory once, validated with errors naming file, line and field, and digested so
// the content of any dataset file enters the workload digest (DESIGN.md §5).
//
//   jsonl:PATH           one JSON object per line: {"prompt": "…"} or {"messages": [{role,
//                        content}…]}, optional "output_tokens" (else the `output_tokens=` option,
//                        else 256)
//   sharegpt:PATH        ShareGPT JSON (array of {"conversations": [{"from": "human"|"gpt"|…,
//                        "value"}]}): the first human turn is the prompt, the reply's length in
//                        tokens is the output target; multi_turn=true keeps whole conversations
//                        (each human turn a turn, the recorded replies as the synthetic history)
//   trace:PATH           JSON lines, mooncake form {timestamp (ms), input_length, output_length,
//                        hash_ids: [block ids of 512 tokens]} or plain {timestamp, input_length,
//                        output_length}; speedup=X divides the times (X > 1 replays faster)
//   conversations:PATH   JSON lines {session_id, turns: [{messages | prompt, output_tokens,
//                        delay_ms}]}; history=synthetic|response, sessions=N
//   shared-prefix:       no file; groups=G,prompts_per_group=P,prefix_tokens=A,suffix_tokens=B,
//                        output_tokens=C: G shared prefixes, each followed by P distinct suffixes
//
// Options every kind accepts: allow_repeat=true (cycle through the items when a run needs more
// than the dataset holds; otherwise the run refuses, saying how many it has and needs),
// output_tokens=N (default output target), limit=N (use the first N items). Unknown options are
// errors naming the option and the kind's accepted options. Kind-specific options:
//   sharegpt       multi_turn=true|false; with multi_turn=true also history=, sessions=
//   trace          speedup=X (> 0)
//   conversations  history=synthetic|response, sessions=N (>= 1)
//   shared-prefix  groups, prompts_per_group, prefix_tokens, suffix_tokens, output_tokens (all
//                  required; prefix_tokens/suffix_tokens may be 0 but not both)
// Values: booleans true|false, integers in decimal, speedup a decimal number.
//
// How each kind becomes requests (all deterministic given the file and DatasetLoadOptions):
//   jsonl          line order; input_tokens estimated with TokensOfText (token_text.h) over the
//                  prompt or the messages' contents.
//   sharegpt       element order. A leading "system" turn becomes a system message; an entry
//                  whose next turn is not from a human (human|user) is skipped and counted
//                  (`skipped`, `notes`), as are entries with no turns or an empty prompt, and
//                  (multi_turn) entries whose turns do not alternate human/reply. The output target
//                  is TokensOfText(reply): CountTokens with a tokenizer, else the reply's
//                  whitespace-separated words (an estimate); no reply → the output_tokens option.
//   trace          stable-sorted by timestamp; offset_ns = (timestamp − first timestamp) ms ×
//                  1e6 / speedup, rounded. Mooncake lines: prompt =
//                  TextOfBlocks(hash_ids, 512, input_length, prompt_seed, tokenizer), so requests
//                  with the same leading hash_ids share a text prefix; hash_ids must hold exactly
//                  ceil(input_length / 512) ids, and either every line has hash_ids or none.
//                  shared_prefix_tokens follows the chain of leading blocks that an earlier
//                  request (in time order) also started with: block b counts only when blocks
//                  0..b all equal an earlier request's, and a block counts with the fewest tokens
//                  of it either side used (a last block shorter than 512 shares only its length).
//                  Plain lines: prompt = TextOfTokens(ItemSeed(prompt_seed, i), input_length,
//                  tokenizer), i the request's index in time order (distinct per request).
//   conversations  line order; session ids must be unique; each turn's messages (or its prompt
//                  as one user message) are the new content; delay_ms becomes delay_ns.
//   shared-prefix  G × P requests, groups interleaved so a run's first G requests touch every
//                  group: request i belongs to group i % G as its member i / G. Its prompt text is
//                  ExtendText(TextOfTokens(ItemSeed(DeriveSeed(prompt_seed, "shared-prefix/group"),
//                  group), A), ItemSeed(DeriveSeed(prompt_seed, "shared-prefix/item"), i), A + B)
//                  (the group's prefix, then the item's own words up to A + B tokens);
//                  shared_prefix_tokens = A for every member but a group's first.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "workload/tokenizer.h"

namespace inferbench::workload {

struct ChatMessage {
  std::string role;  // system | user | assistant
  std::string content;
};

// One request's content as a dataset gives it.
struct DatasetRequest {
  // Chat form; when empty, prompt_text is the prompt (chat: one user message).
  std::vector<ChatMessage> messages;
  std::string prompt_text;
  int input_tokens = 0;   // requested input length (the file's, or estimated); 0 = unknown
  int output_tokens = 0;  // sent as max_tokens; >= 1
  // Trace replay: when to send, ns after the trace's first request (already divided by the
  // speedup; the first request is at 0). -1 for untimed kinds.
  int64_t offset_ns = -1;
  // mooncake: the number of leading prompt tokens this request shares with an earlier request of
  // the trace (whole shared hash_id blocks); 0 otherwise. Lets tests predict prefix-cache hits.
  int shared_prefix_tokens = 0;
};

struct ConversationTurn {
  // The new user content of this turn (history is added by the sender).
  std::vector<ChatMessage> messages;
  int output_tokens = 0;
  int64_t delay_ns = 0;  // after the previous answer completed, before this turn is sent
  // sharegpt multi_turn: the recorded reply, used as the history under history=synthetic
  // instead of generated text (empty otherwise).
  std::string recorded_reply;
  // The new content's length in tokens (TokensOfText over the messages' contents).
  int input_tokens = 0;
};

struct Conversation {
  std::string session_id;
  std::vector<ConversationTurn> turns;  // >= 1
};

enum class DatasetKind { kJsonl, kShareGpt, kTrace, kConversations, kSharedPrefix };
// "jsonl", "sharegpt", "trace", "conversations", "shared-prefix".
std::string_view DatasetKindName(DatasetKind kind);

struct DatasetSpec {
  DatasetKind kind = DatasetKind::kJsonl;
  std::string path;                            // "" for shared-prefix
  std::map<std::string, std::string> options;  // k=v as written
};

// "KIND:PATH[,k=v…]" ("shared-prefix:groups=4,prompts_per_group=8,…" has no path). Errors name
// the text and list the kinds and their options.
Result<DatasetSpec> ParseDatasetSpec(std::string_view text);
// The canonical spelling ParseDatasetSpec reads back (options sorted).
std::string FormatDatasetSpec(const DatasetSpec& spec);

struct DatasetLoadOptions {
  uint64_t prompt_seed = 0;  // generated text (traces, shared prefixes, synthetic history)
  uint64_t length_seed = 0;
  std::shared_ptr<const Tokenizer> tokenizer;  // may be null: lengths are estimated in words
};

// History of a conversation turn: the previous answers as the server sent them (not
// deterministic), or generated text of each answer's length in tokens (deterministic).
enum class HistoryMode { kSynthetic, kResponse };

class Dataset {
 public:
  DatasetKind kind = DatasetKind::kJsonl;
  DatasetSpec spec;
  // "sha256:<hex>" of the file's bytes; "" for shared-prefix.
  std::string content_digest;
  // Single-request kinds (jsonl, sharegpt, trace, shared-prefix): in file order (trace: by
  // offset_ns). Empty for multi-turn kinds.
  std::vector<DatasetRequest> requests;
  // Multi-turn kinds (conversations, sharegpt with multi_turn=true).
  std::vector<Conversation> conversations;
  bool allow_repeat = false;
  double speedup = 1;  // trace
  HistoryMode history = HistoryMode::kSynthetic;
  int sessions = 1;  // multi-turn: conversations in flight (sessions=N)
  // Entries of the file left out (sharegpt: not starting with a human turn, empty, …); the
  // reasons are in `notes`. Never silent: the CLI prints the notes.
  size_t skipped = 0;
  // One-line remarks about the load for the console ("skipped 2 of 11 conversations: …").
  std::vector<std::string> notes;

  bool timed() const { return kind == DatasetKind::kTrace; }
  bool multi_turn() const { return !conversations.empty(); }
  // Requests (single-request kinds) or conversations (multi-turn kinds) held.
  size_t size() const;
  // Request `index` of a single-request kind; with allow_repeat, index modulo size().
  // REQUIRES: !multi_turn() and (index < size() or allow_repeat).
  const DatasetRequest& Request(uint64_t index) const;
  // OK when `count` requests (or conversations) can be served; else an error naming the dataset,
  // how many it holds and how many are needed, and allow_repeat=true.
  Status CheckCount(uint64_t count) const;
  // What enters the workload digest: {type, options (sorted), content_digest}; never the path.
  nlohmann::json DigestJson() const;
  // Mean input / output tokens requested (for the workload row and console headers). Multi-turn
  // kinds: over all turns, counting each turn's new content only (not the growing history).
  double MeanInputTokens() const;
  double MeanOutputTokens() const;
};

// Loads and validates. Errors name the file, the 1-based line (or JSON element index), the
// field and what to do ("trace.jsonl:17: field `input_length` must be an integer >= 1").
// Non-UTF-8 text is an error naming the line. JSON-lines files are read and hashed in one pass,
// 1 MiB at a time; a ShareGPT file is read once into memory and parsed in place.
Result<std::shared_ptr<const Dataset>> LoadDataset(const DatasetSpec& spec,
                                                   const DatasetLoadOptions& options);

// The default output target when neither the file nor the output_tokens option gives one.
inline constexpr int kDefaultOutputTokens = 256;
// Block size of mooncake hash_ids, in tokens.
inline constexpr int kTraceBlockTokens = 512;

// ---- Loader internals: shared by dataset*.cc and shared_prefix.cc; callers use LoadDataset. ----
namespace dataset_internal {

// The options of a spec, parsed and checked against its kind (defaults filled in).
struct ParsedOptions {
  bool allow_repeat = false;
  int output_tokens = kDefaultOutputTokens;
  bool output_tokens_given = false;
  int64_t limit = 0;  // 0 = every item
  bool multi_turn = false;
  double speedup = 1;
  HistoryMode history = HistoryMode::kSynthetic;
  int sessions = 1;
  int groups = 0;
  int prompts_per_group = 0;
  int prefix_tokens = 0;
  int suffix_tokens = 0;
};
Result<ParsedOptions> ParseOptions(const DatasetSpec& spec);
// The options as they enter DigestJson: typed values, defaults filled in, limit only when set.
nlohmann::json NormalizedOptions(const DatasetSpec& spec, const ParsedOptions& options);

// Reads `path` 1 MiB at a time, hashing every byte, and calls on_line(1-based number, text) for
// each line that is not blank (its "\n" and a trailing "\r" removed; a UTF-8 byte order mark at
// the start of the file is dropped). Stops at the first error on_line returns. On success sets
// *digest to "sha256:<hex>" of the file's bytes.
Status ForEachLine(const std::string& path,
                   const std::function<Status(int64_t, std::string_view)>& on_line,
                   std::string* digest);
// The byte offset of the first byte of `text` that is not valid UTF-8, or npos.
size_t FirstInvalidUtf8(std::string_view text);
// The error for a JSON-lines line the JSON parser refused: "path:line: the line is not valid
// UTF-8 text (byte B of the line); …" when invalid_utf8, else "path:line: not valid JSON
// (parser_message); …".
Status JsonLineError(const std::string& path, int64_t line, std::string_view text,
                     bool invalid_utf8, std::string_view parser_message);

// Each fills `dataset` (requests or conversations, content_digest, skipped, notes) from its
// spec, honouring options.limit; LoadDataset checks the result is not empty.
Status LoadJsonl(const ParsedOptions& options, const DatasetLoadOptions& load, Dataset& dataset);
Status LoadShareGpt(const ParsedOptions& options, const DatasetLoadOptions& load, Dataset& dataset);
Status LoadTrace(const ParsedOptions& options, const DatasetLoadOptions& load, Dataset& dataset);
Status LoadConversations(const ParsedOptions& options, const DatasetLoadOptions& load,
                         Dataset& dataset);
Status LoadSharedPrefix(const ParsedOptions& options, const DatasetLoadOptions& load,
                        Dataset& dataset);

}  // namespace dataset_internal

}  // namespace inferbench::workload
