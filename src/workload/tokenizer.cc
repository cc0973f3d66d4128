// Byte-level BPE from a Hugging Face tokenizer.json. The pipeline follows the `tokenizers`
// library: added tokens are cut out of the text first (leftmost, longest), each remaining section
// is normalized (NFC) and pre-tokenized (Split regexes, then ByteLevel), and every piece is
// merged by BPE rank. The model works on token ids throughout: a piece's bytes start as the ids
// of their GPT-2 byte characters and merges are looked up by (left id, right id), so the
// byte-to-unicode string of a piece is never built.
#include "workload/tokenizer.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <simdjson.h>
#include <utf8proc.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <mutex>
#include <utility>

#include "core/sha256.h"

namespace inferbench::workload {
namespace {

constexpr uint32_t kNoId = std::numeric_limits<uint32_t>::max();
constexpr int64_t kMaxId = std::numeric_limits<int32_t>::max();
// Pieces longer than this are rare and rarely repeat; caching them would only churn the cache.
constexpr size_t kMaxCachedWordBytes = 128;
constexpr size_t kMaxCachedWords = 1 << 16;

// The ByteLevel pre-tokenizer's own split (GPT-2), used when it declares use_regex.
constexpr std::string_view kByteLevelRegex =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

// GPT-2's byte-to-unicode table: printable bytes stand for themselves, the 68 others (controls,
// space, 0x7F-0xA0, 0xAD) take U+0100 onwards in byte order, so every byte is one visible
// vocabulary character.
std::array<uint32_t, 256> ByteToCodePoint() {
  std::array<uint32_t, 256> table{};
  uint32_t next = 256;
  for (uint32_t b = 0; b < 256; ++b) {
    bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    table[b] = printable ? b : next++;
  }
  return table;
}

void AppendUtf8(std::string& out, uint32_t cp) {
  uint8_t buffer[4];
  utf8proc_ssize_t n = utf8proc_encode_char(static_cast<utf8proc_int32_t>(cp), buffer);
  out.append(reinterpret_cast<const char*>(buffer), static_cast<size_t>(n));
}

// Length of the valid UTF-8 character at text[i], or 0 when the bytes there are not one.
size_t CharLength(std::string_view text, size_t i, utf8proc_int32_t* cp) {
  utf8proc_ssize_t n = utf8proc_iterate(reinterpret_cast<const uint8_t*>(text.data() + i),
                                        static_cast<utf8proc_ssize_t>(text.size() - i), cp);
  return n > 0 ? static_cast<size_t>(n) : 0;
}

// Unicode White_Space, as Rust's char::is_whitespace (used by added tokens' lstrip/rstrip).
bool IsWhitespace(utf8proc_int32_t cp) {
  return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
         cp == 0x205F || cp == 0x3000;
}

// Code points below kNfcTableEnd that can make NFC change a text: non-starters (reordering),
// characters NFC rewrites on their own (singletons, excluded compositions) and every code point
// that follows the first in a canonical decomposition (so may compose with what precedes it,
// Hangul jamo included). Text without any of them is already NFC, so Normalize can skip
// utf8proc for it. Nothing above U+2FFFF decomposes; there only non-starters count.
constexpr utf8proc_int32_t kNfcTableEnd = 0x30000;

const std::vector<bool>& NfcTriggers() {
  static const std::vector<bool> triggers = [] {
    std::vector<bool> table(kNfcTableEnd, false);
    for (utf8proc_int32_t cp = 0; cp < kNfcTableEnd; ++cp) {
      if (cp >= 0xD800 && cp <= 0xDFFF) continue;
      if (utf8proc_get_property(cp)->combining_class != 0) table[cp] = true;
      utf8proc_int32_t parts[32];
      utf8proc_ssize_t n = utf8proc_decompose_char(cp, parts, 32, UTF8PROC_DECOMPOSE, nullptr);
      if (n <= 0 || (n == 1 && parts[0] == cp)) continue;
      for (utf8proc_ssize_t k = 1; k < n && k < 32; ++k) {
        if (parts[k] < kNfcTableEnd) table[parts[k]] = true;
      }
      uint8_t utf8[4];
      utf8proc_ssize_t size = utf8proc_encode_char(cp, utf8);
      utf8proc_uint8_t* composed = nullptr;
      utf8proc_ssize_t composed_size =
          utf8proc_map(utf8, size, &composed,
                       static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE));
      if (composed_size != size || std::memcmp(composed, utf8, static_cast<size_t>(size)) != 0) {
        table[cp] = true;
      }
      std::free(composed);
    }
    return table;
  }();
  return triggers;
}

std::string Quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s.substr(0, 80)) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  if (s.size() > 80) out += "...";
  return out + "\"";
}

// String -> uint32 map over one byte arena, open addressing: loading puts ~150k vocabulary
// strings in it and encoding looks pieces up in it, without a heap node per string.
class StringTable {
 public:
  static constexpr uint32_t kMissing = std::numeric_limits<uint32_t>::max();

  void Reserve(size_t n) {
    size_t capacity = 16;
    while (capacity * 2 < n * 3) capacity <<= 1;  // load factor at most 2/3
    slots_.assign(capacity, Slot{});
    mask_ = capacity - 1;
  }
  size_t size() const { return size_; }
  void Clear() {
    std::fill(slots_.begin(), slots_.end(), Slot{});
    arena_.clear();
    size_ = 0;
  }
  // Adds key or replaces its value.
  void Set(std::string_view key, uint32_t value) {
    if ((size_ + 1) * 4 > slots_.size() * 3) Grow();
    uint64_t hash = Hash(key);
    for (size_t i = hash & mask_;; i = (i + 1) & mask_) {
      Slot& slot = slots_[i];
      if (slot.size == kEmpty) {
        slot = Slot{static_cast<uint32_t>(arena_.size()), static_cast<uint32_t>(key.size()),
                    static_cast<uint32_t>(hash >> 32), value};
        arena_.append(key);
        ++size_;
        return;
      }
      if (Matches(slot, hash, key)) {
        slot.value = value;
        return;
      }
    }
  }
  uint32_t Find(std::string_view key) const {
    if (slots_.empty()) return kMissing;
    uint64_t hash = Hash(key);
    for (size_t i = hash & mask_;; i = (i + 1) & mask_) {
      const Slot& slot = slots_[i];
      if (slot.size == kEmpty) return kMissing;
      if (Matches(slot, hash, key)) return slot.value;
    }
  }

 private:
  static constexpr uint32_t kEmpty = std::numeric_limits<uint32_t>::max();
  struct Slot {
    uint32_t offset = 0;
    uint32_t size = kEmpty;
    uint32_t hash_high = 0;
    uint32_t value = 0;
  };
  // Eight bytes per multiply-xorshift round; tokens and pieces are short.
  static uint64_t Hash(std::string_view key) {
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ key.size();
    size_t i = 0;
    for (; i + 8 <= key.size(); i += 8) {
      uint64_t word;
      std::memcpy(&word, key.data() + i, 8);
      h = (h ^ word) * 0xbf58476d1ce4e5b9ULL;
      h ^= h >> 29;
    }
    uint64_t tail = 0;
    if (i < key.size()) std::memcpy(&tail, key.data() + i, key.size() - i);
    h = (h ^ tail) * 0x94d049bb133111ebULL;
    h ^= h >> 32;
    h *= 0xbf58476d1ce4e5b9ULL;
    return h ^ (h >> 29);
  }
  bool Matches(const Slot& slot, uint64_t hash, std::string_view key) const {
    return slot.hash_high == static_cast<uint32_t>(hash >> 32) && slot.size == key.size() &&
           std::string_view(arena_).substr(slot.offset, slot.size) == key;
  }
  void Grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(std::max<size_t>(16, old.size() * 2), Slot{});
    mask_ = slots_.size() - 1;
    for (const Slot& slot : old) {
      if (slot.size == kEmpty) continue;
      std::string_view key = std::string_view(arena_).substr(slot.offset, slot.size);
      for (size_t i = Hash(key) & mask_;; i = (i + 1) & mask_) {
        if (slots_[i].size == kEmpty) {
          slots_[i] = slot;
          break;
        }
      }
    }
  }

  std::vector<Slot> slots_;
  size_t mask_ = 0;
  size_t size_ = 0;
  std::string arena_;
};

// (left id, right id) -> (rank, merged id), open addressing: the BPE inner loop does one lookup
// per candidate pair, so this is the hottest table.
class MergeTable {
 public:
  struct Entry {
    uint64_t key = kEmpty;
    uint32_t rank = 0;
    uint32_t merged = 0;
  };

  void Reserve(size_t n) {
    size_t capacity = 16;
    while (capacity * 2 < n * 3) capacity <<= 1;  // load factor at most 2/3
    slots_.assign(capacity, Entry{});
    mask_ = capacity - 1;
  }
  // A pair listed twice keeps its last rank, as the reference implementations do.
  void Insert(uint32_t left, uint32_t right, uint32_t rank, uint32_t merged) {
    uint64_t key = Key(left, right);
    for (size_t i = Mix(key) & mask_;; i = (i + 1) & mask_) {
      if (slots_[i].key == kEmpty || slots_[i].key == key) {
        slots_[i] = Entry{key, rank, merged};
        return;
      }
    }
  }
  const Entry* Find(uint32_t left, uint32_t right) const {
    uint64_t key = Key(left, right);
    if (key == kEmpty) return nullptr;
    for (size_t i = Mix(key) & mask_;; i = (i + 1) & mask_) {
      if (slots_[i].key == key) return &slots_[i];
      if (slots_[i].key == kEmpty) return nullptr;
    }
  }

 private:
  static constexpr uint64_t kEmpty = std::numeric_limits<uint64_t>::max();
  static uint64_t Key(uint32_t left, uint32_t right) {
    return (static_cast<uint64_t>(left) << 32) | right;
  }
  static uint64_t Mix(uint64_t x) {  // splitmix64 finalizer
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
  }
  std::vector<Entry> slots_;
  size_t mask_ = 0;
};

// One compiled pattern of a Split step (or of ByteLevel's use_regex).
class Pattern {
 public:
  // `literal` compiles a Split `String` pattern; errors name `field`.
  static Result<std::unique_ptr<Pattern>> Compile(std::string_view text, bool literal,
                                                  const std::string& field) {
    // MATCH_INVALID_UTF: invalid UTF-8 in the input never matches and is never an error, so it
    // ends up in the gaps between matches and is encoded byte-wise like everything else.
    uint32_t options = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF;
    options |= literal ? PCRE2_LITERAL : PCRE2_UCP;
    int error = 0;
    PCRE2_SIZE offset = 0;
    pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(),
                                     options, &error, &offset, nullptr);
    if (code == nullptr) {
      PCRE2_UCHAR message[256];
      pcre2_get_error_message(error, message, sizeof(message));
      return Result<std::unique_ptr<Pattern>>::Error(
          field + ": PCRE2 cannot compile " + Quoted(text) + " (at offset " +
          std::to_string(offset) + ": " + reinterpret_cast<const char*>(message) + ")");
    }
    pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);  // the interpreter is used when JIT is absent
    return std::unique_ptr<Pattern>(new Pattern(code));
  }
  ~Pattern() { pcre2_code_free(code_); }
  Pattern(const Pattern&) = delete;
  Pattern& operator=(const Pattern&) = delete;

  // The next match in subject at or after `start`, as [begin, end); false when there is none.
  bool Find(std::string_view subject, size_t start, pcre2_match_data* match_data,
            pcre2_match_context* context, size_t* begin, size_t* end) const {
    auto data = reinterpret_cast<PCRE2_SPTR>(subject.empty() ? "" : subject.data());
    int rc = pcre2_match(code_, data, subject.size(), start, 0, match_data, context);
    if (rc < 0 && rc != PCRE2_ERROR_NOMATCH) {
      // JIT stack exhausted on a pathological piece: the interpreter keeps its state on the heap.
      rc = pcre2_match(code_, data, subject.size(), start, PCRE2_NO_JIT, match_data, context);
    }
    if (rc < 0) return false;
    const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(match_data);
    *begin = ovector[0];
    *end = std::max(ovector[0], ovector[1]);
    return true;
  }

 private:
  explicit Pattern(pcre2_code* code) : code_(code) {}
  pcre2_code* code_;
};

enum class SplitBehavior { kRemoved, kIsolated, kMergedWithPrevious, kMergedWithNext, kContiguous };

// One pre-tokenizer stage applied to every current piece.
struct PreTokenizerStep {
  bool prefix_space = false;  // ByteLevel add_prefix_space: prepend ' ' unless present
  std::unique_ptr<Pattern> pattern;
  SplitBehavior behavior = SplitBehavior::kIsolated;
  bool invert = false;
};

struct AddedToken {
  std::string content;
  uint32_t id = 0;
  bool lstrip = false;
  bool rstrip = false;
};

struct Symbol {
  uint32_t id;
  int32_t prev;
  int32_t next;
  uint32_t size;  // bytes covered; 0 once merged into its left neighbour
};

struct MergeCandidate {
  uint32_t rank;
  uint32_t pos;
  uint32_t merged;
  // Min-heap order for std::push_heap: lowest rank first, then leftmost.
  bool operator<(const MergeCandidate& other) const {
    return rank != other.rank ? rank > other.rank : pos > other.pos;
  }
};

// BPE results of recent pieces. Unbounded growth is avoided by starting over when full.
class WordCache {
 public:
  WordCache() { index_.Reserve(kMaxCachedWords); }
  bool Lookup(std::string_view word, std::vector<uint32_t>& out) const {
    uint32_t span = index_.Find(word);
    if (span == StringTable::kMissing) return false;
    auto [offset, count] = spans_[span];
    out.insert(out.end(), ids_.begin() + offset, ids_.begin() + offset + count);
    return true;
  }
  void Insert(std::string_view word, const uint32_t* ids, size_t count) {
    if (index_.size() >= kMaxCachedWords) {
      index_.Clear();
      spans_.clear();
      ids_.clear();
    }
    index_.Set(word, static_cast<uint32_t>(spans_.size()));
    spans_.emplace_back(static_cast<uint32_t>(ids_.size()), static_cast<uint32_t>(count));
    ids_.insert(ids_.end(), ids, ids + count);
  }

 private:
  StringTable index_;  // word -> index into spans_
  std::vector<std::pair<uint32_t, uint32_t>> spans_;
  std::vector<uint32_t> ids_;
};

// Per-call working memory: PCRE2 match state, buffers and the word cache. Encode borrows one
// from a pool, so concurrent callers never share one and a single caller reuses its cache.
struct EncodeScratch {
  EncodeScratch() {
    match_data = pcre2_match_data_create(1, nullptr);
    match_context = pcre2_match_context_create(nullptr);
    jit_stack = pcre2_jit_stack_create(32 << 10, 4 << 20, nullptr);
    if (jit_stack != nullptr) pcre2_jit_stack_assign(match_context, nullptr, jit_stack);
  }
  ~EncodeScratch() {
    pcre2_jit_stack_free(jit_stack);
    pcre2_match_context_free(match_context);
    pcre2_match_data_free(match_data);
  }
  EncodeScratch(const EncodeScratch&) = delete;
  EncodeScratch& operator=(const EncodeScratch&) = delete;

  pcre2_match_data* match_data;
  pcre2_match_context* match_context;
  pcre2_jit_stack* jit_stack;
  std::string normalized;
  std::string prefixed;
  std::vector<std::string_view> pieces;
  std::vector<std::string_view> next_pieces;
  std::vector<std::pair<std::string_view, bool>> segments;
  std::vector<Symbol> symbols;
  std::vector<MergeCandidate> heap;
  std::vector<uint32_t> word_ids;
  WordCache cache;
};

}  // namespace

struct Tokenizer::Impl {
  std::string digest;
  StringTable token_ids;  // vocab and added token strings -> id
  // id -> [offset, size) in id_arena, the bytes Decode emits; size kNoId for unknown ids.
  std::vector<std::pair<uint32_t, uint32_t>> id_spans;
  std::string id_arena;
  size_t distinct_ids = 0;
  MergeTable merges;
  std::array<uint32_t, 256> byte_ids{};  // id of each byte's character, kNoId if absent
  uint32_t unk_id = kNoId;
  bool ignore_merges = false;
  StringTable raw_vocab;  // raw bytes -> id, only for ignore_merges
  std::vector<AddedToken> added;
  std::array<std::vector<uint32_t>, 256> added_by_first_byte;  // longest first
  std::array<bool, 256> added_first_byte{};
  bool nfc = false;
  std::vector<PreTokenizerStep> steps;

  mutable std::mutex pool_mutex;
  mutable std::vector<std::unique_ptr<EncodeScratch>> pool;

  std::unique_ptr<EncodeScratch> Acquire() const {
    {
      std::lock_guard<std::mutex> lock(pool_mutex);
      if (!pool.empty()) {
        auto scratch = std::move(pool.back());
        pool.pop_back();
        return scratch;
      }
    }
    return std::make_unique<EncodeScratch>();
  }
  void Release(std::unique_ptr<EncodeScratch> scratch) const {
    std::lock_guard<std::mutex> lock(pool_mutex);
    pool.push_back(std::move(scratch));
  }

  void Encode(std::string_view text, EncodeScratch& s, std::vector<uint32_t>& out) const;
  void EncodeSection(std::string_view section, EncodeScratch& s, std::vector<uint32_t>& out) const;
  std::string_view Normalize(std::string_view section, EncodeScratch& s) const;
  void ApplyStep(const PreTokenizerStep& step, EncodeScratch& s) const;
  void EncodeWord(std::string_view word, EncodeScratch& s, std::vector<uint32_t>& out) const;
  void MergeWord(std::string_view word, EncodeScratch& s) const;
};

// --- Encoding --------------------------------------------------------------------------------

void Tokenizer::Impl::Encode(std::string_view text, EncodeScratch& s,
                             std::vector<uint32_t>& out) const {
  // Sections between added tokens; the index is into `added`, or -1 for text.
  struct Section {
    size_t begin;
    size_t end;
    int added;
  };
  std::vector<Section> sections;
  size_t text_begin = 0;
  for (size_t i = 0; i < text.size();) {
    if (!added_first_byte[static_cast<uint8_t>(text[i])]) {
      ++i;
      continue;
    }
    const auto& candidates = added_by_first_byte[static_cast<uint8_t>(text[i])];
    int match = -1;
    for (uint32_t index : candidates) {
      const std::string& content = added[index].content;
      if (text.compare(i, content.size(), content) == 0) {
        match = static_cast<int>(index);
        break;
      }
    }
    if (match < 0) {
      ++i;
      continue;
    }
    if (i > text_begin) sections.push_back({text_begin, i, -1});
    size_t end = i + added[match].content.size();
    sections.push_back({i, end, match});
    i = text_begin = end;
  }
  if (text_begin < text.size() || sections.empty()) {
    sections.push_back({text_begin, text.size(), -1});
  }

  // lstrip / rstrip: an added token swallows the whitespace beside it.
  for (size_t k = 0; k < sections.size(); ++k) {
    if (sections[k].added < 0) continue;
    const AddedToken& token = added[sections[k].added];
    if (token.lstrip && k > 0 && sections[k - 1].added < 0) {
      Section& before = sections[k - 1];
      // Walk back over whole characters: find the last non-whitespace character's end.
      size_t keep = before.begin;
      for (size_t i = before.begin; i < before.end;) {
        utf8proc_int32_t cp = 0;
        size_t n = CharLength(text.substr(0, before.end), i, &cp);
        if (n == 0) {
          keep = i + 1;
          i += 1;
          continue;
        }
        if (!IsWhitespace(cp)) keep = i + n;
        i += n;
      }
      before.end = keep;
    }
    if (token.rstrip && k + 1 < sections.size() && sections[k + 1].added < 0) {
      Section& after = sections[k + 1];
      while (after.begin < after.end) {
        utf8proc_int32_t cp = 0;
        size_t n = CharLength(text.substr(0, after.end), after.begin, &cp);
        if (n == 0 || !IsWhitespace(cp)) break;
        after.begin += n;
      }
    }
  }

  for (const Section& section : sections) {
    if (section.added >= 0) {
      out.push_back(added[section.added].id);
    } else if (section.end > section.begin) {
      EncodeSection(text.substr(section.begin, section.end - section.begin), s, out);
    }
  }
}

// NFC, applied only around the characters that can change: text splits into independent
// stretches before every character that is neither a trigger (see NfcTriggers) nor invalid,
// since such a starter never composes with what precedes it and bounds every reordering. Each
// trigger run is normalized together with the starter before it; everything else is copied.
std::string_view Tokenizer::Impl::Normalize(std::string_view section, EncodeScratch& s) const {
  if (!nfc) return section;
  const std::vector<bool>& triggers = NfcTriggers();
  // 1: a safe starter, 0: invalid UTF-8 (kept as is), -1: a trigger.
  auto classify = [&](size_t i, size_t* length) {
    if (static_cast<uint8_t>(section[i]) < 0x80) {
      *length = 1;
      return 1;
    }
    utf8proc_int32_t cp = 0;
    *length = CharLength(section, i, &cp);
    if (*length == 0) {
      *length = 1;
      return 0;
    }
    bool trigger =
        cp < kNfcTableEnd ? triggers[cp] : utf8proc_get_property(cp)->combining_class != 0;
    return trigger ? -1 : 1;
  };
  constexpr size_t kNone = std::string_view::npos;
  size_t copied = 0;
  size_t last_starter = kNone;
  bool changed = false;
  for (size_t i = 0; i < section.size();) {
    size_t length = 0;
    int kind = classify(i, &length);
    if (kind >= 0) {
      last_starter = kind == 1 ? i : kNone;
      i += length;
      continue;
    }
    if (!changed) {
      s.normalized.clear();
      changed = true;
    }
    size_t begin = last_starter != kNone ? last_starter : i;
    size_t end = i + length;
    while (end < section.size() && classify(end, &length) < 0) end += length;
    s.normalized.append(section.substr(copied, begin - copied));
    utf8proc_uint8_t* result = nullptr;
    utf8proc_ssize_t n =
        utf8proc_map(reinterpret_cast<const uint8_t*>(section.data() + begin),
                     static_cast<utf8proc_ssize_t>(end - begin), &result,
                     static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE));
    if (n >= 0) {
      s.normalized.append(reinterpret_cast<const char*>(result), static_cast<size_t>(n));
    } else {
      s.normalized.append(section.substr(begin, end - begin));
    }
    std::free(result);
    copied = i = end;
    last_starter = kNone;
  }
  if (!changed) return section;
  s.normalized.append(section.substr(copied));
  return s.normalized;
}

void Tokenizer::Impl::ApplyStep(const PreTokenizerStep& step, EncodeScratch& s) const {
  if (step.prefix_space) {
    size_t total = 0;
    for (std::string_view piece : s.pieces) total += piece.size() + 1;
    s.prefixed.clear();
    s.prefixed.reserve(total);
    std::vector<std::pair<size_t, size_t>> spans;
    spans.reserve(s.pieces.size());
    for (std::string_view piece : s.pieces) {
      size_t begin = s.prefixed.size();
      if (piece.empty() || piece.front() != ' ') s.prefixed.push_back(' ');
      s.prefixed.append(piece);
      spans.emplace_back(begin, s.prefixed.size() - begin);
    }
    s.pieces.clear();
    for (auto [begin, size] : spans)
      s.pieces.push_back(std::string_view(s.prefixed).substr(begin, size));
  }
  if (!step.pattern) return;

  s.next_pieces.clear();
  for (std::string_view piece : s.pieces) {
    // Matches and the gaps between them, in order; `invert` swaps which is which.
    s.segments.clear();
    size_t previous = 0;
    size_t start = 0;
    size_t begin = 0;
    size_t end = 0;
    while (start <= piece.size() &&
           step.pattern->Find(piece, start, s.match_data, s.match_context, &begin, &end)) {
      if (end == begin) {  // an empty match splits nothing; step over one character
        utf8proc_int32_t cp = 0;
        start =
            begin + std::max<size_t>(1, begin < piece.size() ? CharLength(piece, begin, &cp) : 1);
        continue;
      }
      if (begin > previous)
        s.segments.emplace_back(piece.substr(previous, begin - previous), step.invert);
      s.segments.emplace_back(piece.substr(begin, end - begin), !step.invert);
      previous = start = end;
    }
    if (previous < piece.size()) s.segments.emplace_back(piece.substr(previous), step.invert);

    size_t first_new = s.next_pieces.size();
    // Extends the last piece of this round to the end of `segment` (pieces are contiguous).
    auto extend_last = [&](std::string_view segment) {
      std::string_view& last = s.next_pieces.back();
      last = std::string_view(last.data(),
                              static_cast<size_t>(segment.data() + segment.size() - last.data()));
    };
    switch (step.behavior) {
      case SplitBehavior::kRemoved:
        for (auto [segment, is_match] : s.segments) {
          if (!is_match) s.next_pieces.push_back(segment);
        }
        break;
      case SplitBehavior::kIsolated:
        for (auto [segment, is_match] : s.segments) s.next_pieces.push_back(segment);
        break;
      case SplitBehavior::kMergedWithPrevious: {
        bool previous_match = false;
        for (auto [segment, is_match] : s.segments) {
          if (is_match && !previous_match && s.next_pieces.size() > first_new) {
            extend_last(segment);
          } else {
            s.next_pieces.push_back(segment);
          }
          previous_match = is_match;
        }
        break;
      }
      case SplitBehavior::kMergedWithNext: {
        bool pending = false;  // the last piece is a match waiting for what follows it
        for (auto [segment, is_match] : s.segments) {
          if (pending && !is_match) {
            extend_last(segment);
            pending = false;
          } else {
            s.next_pieces.push_back(segment);
            pending = is_match;
          }
        }
        break;
      }
      case SplitBehavior::kContiguous: {
        bool previous_match = false;
        for (auto [segment, is_match] : s.segments) {
          if (is_match == previous_match && s.next_pieces.size() > first_new) {
            extend_last(segment);
          } else {
            s.next_pieces.push_back(segment);
          }
          previous_match = is_match;
        }
        break;
      }
    }
  }
  std::swap(s.pieces, s.next_pieces);
}

void Tokenizer::Impl::EncodeSection(std::string_view section, EncodeScratch& s,
                                    std::vector<uint32_t>& out) const {
  std::string_view normalized = Normalize(section, s);
  if (normalized.empty()) return;
  s.pieces.clear();
  s.pieces.push_back(normalized);
  for (const PreTokenizerStep& step : steps) ApplyStep(step, s);
  for (std::string_view piece : s.pieces) {
    if (!piece.empty()) EncodeWord(piece, s, out);
  }
}

void Tokenizer::Impl::EncodeWord(std::string_view word, EncodeScratch& s,
                                 std::vector<uint32_t>& out) const {
  auto emit = [&](uint32_t id) {
    if (id != kNoId) {
      out.push_back(id);
    } else if (unk_id != kNoId) {
      out.push_back(unk_id);
    }
  };
  if (word.size() == 1) {
    emit(byte_ids[static_cast<uint8_t>(word[0])]);
    return;
  }
  if (ignore_merges) {
    if (uint32_t id = raw_vocab.Find(word); id != StringTable::kMissing) {
      out.push_back(id);
      return;
    }
  }
  bool cacheable = word.size() <= kMaxCachedWordBytes;
  if (cacheable && s.cache.Lookup(word, out)) return;
  MergeWord(word, s);
  s.word_ids.clear();
  for (int32_t i = 0; i >= 0; i = s.symbols[i].next) {
    uint32_t id = s.symbols[i].id;
    if (id != kNoId) {
      s.word_ids.push_back(id);
    } else if (unk_id != kNoId) {
      s.word_ids.push_back(unk_id);
    }
  }
  out.insert(out.end(), s.word_ids.begin(), s.word_ids.end());
  if (cacheable) s.cache.Insert(word, s.word_ids.data(), s.word_ids.size());
}

// BPE of one piece: repeatedly merges the adjacent pair of lowest rank (leftmost on ties) until
// no adjacent pair has a merge. Stale heap entries are recognised by re-reading the pair's rank.
void Tokenizer::Impl::MergeWord(std::string_view word, EncodeScratch& s) const {
  const size_t n = word.size();
  s.symbols.resize(n);
  for (size_t i = 0; i < n; ++i) {
    s.symbols[i] = Symbol{byte_ids[static_cast<uint8_t>(word[i])], static_cast<int32_t>(i) - 1,
                          i + 1 < n ? static_cast<int32_t>(i + 1) : -1, 1};
  }
  s.heap.clear();
  auto push = [&](int32_t pos) {
    int32_t next = s.symbols[pos].next;
    if (next < 0) return;
    const MergeTable::Entry* entry = merges.Find(s.symbols[pos].id, s.symbols[next].id);
    if (entry == nullptr) return;
    s.heap.push_back(MergeCandidate{entry->rank, static_cast<uint32_t>(pos), entry->merged});
    std::push_heap(s.heap.begin(), s.heap.end());
  };
  for (size_t i = 0; i + 1 < n; ++i) push(static_cast<int32_t>(i));
  while (!s.heap.empty()) {
    std::pop_heap(s.heap.begin(), s.heap.end());
    MergeCandidate top = s.heap.back();
    s.heap.pop_back();
    Symbol& left = s.symbols[top.pos];
    if (left.size == 0 || left.next < 0) continue;
    Symbol& right = s.symbols[left.next];
    const MergeTable::Entry* entry = merges.Find(left.id, right.id);
    if (entry == nullptr || entry->rank != top.rank) continue;
    left.id = top.merged;
    left.size += right.size;
    right.size = 0;
    left.next = right.next;
    if (left.next >= 0) s.symbols[left.next].prev = static_cast<int32_t>(top.pos);
    if (left.prev >= 0) push(left.prev);
    push(static_cast<int32_t>(top.pos));
  }
}

// --- Loading ---------------------------------------------------------------------------------

namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

class Loader {
 public:
  Loader(std::string source, Tokenizer::Impl& impl) : source_(std::move(source)), impl_(impl) {}

  Status Load(const simdjson::padded_string& json) {
    simdjson::dom::parser parser;
    element root;
    if (auto error = parser.parse(json).get(root); error) {
      return Fail(std::string("not valid JSON (") + simdjson::error_message(error) +
                  "); give a Hugging Face tokenizer.json");
    }
    if (!root.is_object()) return Fail("the top level is not a JSON object");
    element model;
    if (root["model"].get(model) != simdjson::SUCCESS || !model.is_object()) {
      return Fail("no `model` object; give a Hugging Face tokenizer.json");
    }
    if (Status st = LoadModel(model); !st.ok()) return st;
    if (Status st = LoadAddedTokens(root); !st.ok()) return st;
    if (Status st = LoadNormalizer(root); !st.ok()) return st;
    if (Status st = LoadPreTokenizer(root); !st.ok()) return st;
    if (Status st = LoadDecoder(root); !st.ok()) return st;
    Finish();
    return Status::Ok();
  }

 private:
  Status Fail(const std::string& message) const {
    return Status::Error("tokenizer " + source_ + ": " + message);
  }
  Status Unsupported(const std::string& field, std::string_view value, std::string_view why) const {
    return Fail(field + " " + Quoted(value) + " is not supported (" + std::string(why) +
                "); inferbench reproduces byte-level BPE tokenizers only");
  }

  // The member's type string, or "" when absent/null.
  static std::string_view TypeOf(element object) {
    std::string_view type;
    if (object["type"].get(type) != simdjson::SUCCESS) return {};
    return type;
  }
  // Absent and null both read as `fallback`; anything but a bool is an error.
  Status ReadBool(element object, const char* key, const std::string& field, bool fallback,
                  bool* value) const {
    element member;
    if (object[key].get(member) != simdjson::SUCCESS || member.is_null()) {
      *value = fallback;
      return Status::Ok();
    }
    if (member.get(*value) != simdjson::SUCCESS) return Fail(field + " must be true or false");
    return Status::Ok();
  }
  // True when the member is absent, null or an empty string.
  static bool EmptyOrNull(element object, const char* key, std::string_view* value) {
    element member;
    if (object[key].get(member) != simdjson::SUCCESS || member.is_null()) return true;
    if (member.get(*value) != simdjson::SUCCESS) {
      *value = "(not a string)";
      return false;
    }
    return value->empty();
  }

  Status ReadId(element value, const std::string& field, uint32_t* id) const {
    int64_t number = 0;
    if (value.get(number) != simdjson::SUCCESS || number < 0 || number >= kMaxId) {
      return Fail(field + " must be a token id (a non-negative integer)");
    }
    *id = static_cast<uint32_t>(number);
    return Status::Ok();
  }

  void SetId(uint32_t id, std::string_view bytes) {
    if (id >= impl_.id_spans.size()) impl_.id_spans.resize(id + 1, {0, kNoId});
    impl_.id_spans[id] = {static_cast<uint32_t>(impl_.id_arena.size()),
                          static_cast<uint32_t>(bytes.size())};
    impl_.id_arena.append(bytes);
  }

  // The bytes a vocabulary string stands for (inverse GPT-2 mapping). Characters outside the
  // byte alphabet stand for their own UTF-8.
  void BytesOf(std::string_view token, std::string& bytes) const {
    bytes.clear();
    for (size_t i = 0; i < token.size();) {
      uint8_t lead = static_cast<uint8_t>(token[i]);
      if (lead < 0x80) {  // ASCII: the common case, decoded inline
        bytes.push_back(code_point_byte_[lead] >= 0 ? static_cast<char>(code_point_byte_[lead])
                                                    : static_cast<char>(lead));
        ++i;
        continue;
      }
      utf8proc_int32_t cp = 0;
      size_t n = CharLength(token, i, &cp);
      if (n == 0) {
        bytes.push_back(token[i++]);
        continue;
      }
      if (static_cast<size_t>(cp) < code_point_byte_.size() && code_point_byte_[cp] >= 0) {
        bytes.push_back(static_cast<char>(code_point_byte_[cp]));
      } else {
        bytes.append(token.substr(i, n));
      }
      i += n;
    }
  }

  Status LoadModel(element model) {
    std::string_view type = TypeOf(model);
    if (!type.empty() && type != "BPE") {
      return Unsupported("model.type", type, "only model.type \"BPE\" is");
    }
    bool byte_fallback = false;
    if (Status st = ReadBool(model, "byte_fallback", "model.byte_fallback", false, &byte_fallback);
        !st.ok()) {
      return st;
    }
    if (byte_fallback)
      return Unsupported("model.byte_fallback", "true", "SentencePiece-style byte fallback");
    std::string_view text;
    if (!EmptyOrNull(model, "continuing_subword_prefix", &text)) {
      return Unsupported("model.continuing_subword_prefix", text, "only an empty prefix is");
    }
    if (!EmptyOrNull(model, "end_of_word_suffix", &text)) {
      return Unsupported("model.end_of_word_suffix", text, "only an empty suffix is");
    }
    element dropout;
    double dropout_value = 0;
    if (model["dropout"].get(dropout) == simdjson::SUCCESS && !dropout.is_null() &&
        (dropout.get(dropout_value) != simdjson::SUCCESS || dropout_value != 0)) {
      return Unsupported("model.dropout", simdjson::to_string(dropout), "BPE dropout is random");
    }
    if (Status st =
            ReadBool(model, "ignore_merges", "model.ignore_merges", false, &impl_.ignore_merges);
        !st.ok()) {
      return st;
    }

    simdjson::dom::object vocab;
    if (model["vocab"].get(vocab) != simdjson::SUCCESS) {
      return Fail("model.vocab must be an object of token -> id");
    }
    impl_.token_ids.Reserve(vocab.size() + 1024);
    if (impl_.ignore_merges) impl_.raw_vocab.Reserve(vocab.size());
    impl_.id_spans.reserve(vocab.size() + 1024);
    std::string bytes;
    for (auto [key, value] : vocab) {
      uint32_t id = 0;
      int64_t number = -1;
      if (value.get(number) != simdjson::SUCCESS || number < 0 || number >= kMaxId) {
        return ReadId(value, "model.vocab[" + Quoted(key) + "]", &id);  // the error
      }
      id = static_cast<uint32_t>(number);
      impl_.token_ids.Set(key, id);
      BytesOf(key, bytes);
      if (impl_.ignore_merges) impl_.raw_vocab.Set(bytes, id);
      SetId(id, bytes);
    }
    for (int b = 0; b < 256; ++b) {
      std::string character;
      AppendUtf8(character, byte_to_code_point_[b]);
      impl_.byte_ids[b] = impl_.token_ids.Find(character);
    }
    std::string_view unk;
    if (!EmptyOrNull(model, "unk_token", &unk)) {
      impl_.unk_id = impl_.token_ids.Find(unk);
      if (impl_.unk_id == kNoId) {
        return Fail("model.unk_token " + Quoted(unk) + " is not in model.vocab");
      }
    }
    return LoadMerges(model);
  }

  Status LoadMerges(element model) {
    simdjson::dom::array merges;
    element member;
    if (model["merges"].get(member) != simdjson::SUCCESS || member.is_null()) {
      impl_.merges.Reserve(0);
      return Status::Ok();
    }
    if (member.get(merges) != simdjson::SUCCESS) {
      return Fail("model.merges must be an array of \"left right\" strings or [left, right] pairs");
    }
    impl_.merges.Reserve(merges.size());
    std::string merged;
    uint32_t rank = 0;
    for (element entry : merges) {
      auto field = [rank] { return "model.merges[" + std::to_string(rank) + "]"; };
      std::string_view left;
      std::string_view right;
      std::string_view line;
      simdjson::dom::array pair;
      if (entry.get(line) == simdjson::SUCCESS) {
        size_t space = line.find(' ');
        if (space == std::string_view::npos ||
            line.find(' ', space + 1) != std::string_view::npos || space == 0 ||
            space + 1 == line.size()) {
          return Fail(field() + " " + Quoted(line) + " is not two tokens separated by one space");
        }
        left = line.substr(0, space);
        right = line.substr(space + 1);
      } else if (entry.get(pair) == simdjson::SUCCESS && pair.size() == 2 &&
                 pair.at(0).get(left) == simdjson::SUCCESS &&
                 pair.at(1).get(right) == simdjson::SUCCESS) {
      } else {
        return Fail(field() +
                    " must be a \"left right\" string or a [left, right] pair of strings");
      }
      uint32_t left_id = impl_.token_ids.Find(left);
      uint32_t right_id = impl_.token_ids.Find(right);
      merged.assign(left).append(right);
      uint32_t merged_id = impl_.token_ids.Find(merged);
      if (left_id == kNoId) {
        return Fail(field() + ": token " + Quoted(left) + " is not in model.vocab");
      }
      if (right_id == kNoId) {
        return Fail(field() + ": token " + Quoted(right) + " is not in model.vocab");
      }
      if (merged_id == kNoId) {
        return Fail(field() + ": the merged token " + Quoted(merged) + " is not in model.vocab");
      }
      impl_.merges.Insert(left_id, right_id, rank, merged_id);
      ++rank;
    }
    return Status::Ok();
  }

  Status LoadAddedTokens(element root) {
    element member;
    if (root["added_tokens"].get(member) != simdjson::SUCCESS || member.is_null()) {
      return Status::Ok();
    }
    simdjson::dom::array tokens;
    if (member.get(tokens) != simdjson::SUCCESS) return Fail("added_tokens must be an array");
    size_t index = 0;
    for (element token : tokens) {
      std::string field = "added_tokens[" + std::to_string(index++) + "]";
      AddedToken added;
      std::string_view content;
      element id;
      if (token["content"].get(content) != simdjson::SUCCESS || content.empty()) {
        return Fail(field + ".content must be a non-empty string");
      }
      if (token["id"].get(id) != simdjson::SUCCESS) return Fail(field + ".id is missing");
      if (Status st = ReadId(id, field + ".id", &added.id); !st.ok()) return st;
      bool single_word = false;
      if (Status st = ReadBool(token, "single_word", field + ".single_word", false, &single_word);
          !st.ok()) {
        return st;
      }
      if (single_word) return Unsupported(field + ".single_word", "true", "word-boundary matching");
      if (Status st = ReadBool(token, "lstrip", field + ".lstrip", false, &added.lstrip);
          !st.ok()) {
        return st;
      }
      if (Status st = ReadBool(token, "rstrip", field + ".rstrip", false, &added.rstrip);
          !st.ok()) {
        return st;
      }
      added.content = std::string(content);
      impl_.token_ids.Set(added.content, added.id);
      SetId(added.id, added.content);
      impl_.added.push_back(std::move(added));
    }
    return Status::Ok();
  }

  Status LoadNormalizer(element root) {
    element normalizer;
    if (root["normalizer"].get(normalizer) != simdjson::SUCCESS || normalizer.is_null()) {
      return Status::Ok();
    }
    return LoadNormalizerStep(normalizer, "normalizer");
  }
  Status LoadNormalizerStep(element normalizer, const std::string& field) {
    std::string_view type = TypeOf(normalizer);
    if (type == "NFC") {
      impl_.nfc = true;
      return Status::Ok();
    }
    if (type == "Sequence") {
      simdjson::dom::array steps;
      if (normalizer["normalizers"].get(steps) != simdjson::SUCCESS) {
        return Fail(field + ".normalizers must be an array");
      }
      size_t index = 0;
      for (element step : steps) {
        std::string step_field = field + ".normalizers[" + std::to_string(index++) + "]";
        if (Status st = LoadNormalizerStep(step, step_field); !st.ok()) return st;
      }
      return Status::Ok();
    }
    return Unsupported(field + ".type", type, "only NFC or a Sequence of NFC is");
  }

  Status LoadPreTokenizer(element root) {
    element pre;
    if (root["pre_tokenizer"].get(pre) != simdjson::SUCCESS || pre.is_null()) {
      return Fail(
          "pre_tokenizer is null: a byte-level BPE tokenizer needs a ByteLevel pre-tokenizer");
    }
    if (Status st = LoadPreTokenizerStep(pre, "pre_tokenizer"); !st.ok()) return st;
    if (!byte_level_seen_) {
      return Fail(
          "pre_tokenizer has no ByteLevel step; only byte-level BPE tokenizers are supported");
    }
    return Status::Ok();
  }
  Status LoadPreTokenizerStep(element pre, const std::string& field) {
    std::string_view type = TypeOf(pre);
    if (type == "Sequence") {
      simdjson::dom::array steps;
      if (pre["pretokenizers"].get(steps) != simdjson::SUCCESS) {
        return Fail(field + ".pretokenizers must be an array");
      }
      size_t index = 0;
      for (element step : steps) {
        std::string step_field = field + ".pretokenizers[" + std::to_string(index++) + "]";
        if (Status st = LoadPreTokenizerStep(step, step_field); !st.ok()) return st;
      }
      return Status::Ok();
    }
    if (byte_level_seen_) {
      return Fail(field + " comes after the ByteLevel step; only steps before it are supported");
    }
    if (type == "ByteLevel") {
      byte_level_seen_ = true;
      PreTokenizerStep step;
      bool use_regex = true;
      if (Status st = ReadBool(pre, "add_prefix_space", field + ".add_prefix_space", true,
                               &step.prefix_space);
          !st.ok()) {
        return st;
      }
      if (Status st = ReadBool(pre, "use_regex", field + ".use_regex", true, &use_regex);
          !st.ok()) {
        return st;
      }
      if (use_regex) {
        auto pattern = Pattern::Compile(kByteLevelRegex, false, field);
        if (!pattern.ok()) return Fail(pattern.status().message());
        step.pattern = std::move(pattern.value());
      }
      if (step.prefix_space || step.pattern) impl_.steps.push_back(std::move(step));
      return Status::Ok();
    }
    if (type == "Split") {
      PreTokenizerStep step;
      element pattern;
      std::string_view text;
      bool literal = false;
      if (pre["pattern"].get(pattern) != simdjson::SUCCESS) {
        return Fail(field + ".pattern is missing");
      }
      if (pattern["Regex"].get(text) == simdjson::SUCCESS) {
        literal = false;
      } else if (pattern["String"].get(text) == simdjson::SUCCESS) {
        literal = true;
      } else {
        return Fail(field + ".pattern must be {\"Regex\": ...} or {\"String\": ...}");
      }
      auto compiled = Pattern::Compile(text, literal, field + ".pattern");
      if (!compiled.ok()) return Fail(compiled.status().message());
      step.pattern = std::move(compiled.value());
      std::string_view behavior;
      if (pre["behavior"].get(behavior) != simdjson::SUCCESS) {
        return Fail(field + ".behavior is missing");
      }
      static const std::pair<std::string_view, SplitBehavior> kBehaviors[] = {
          {"Removed", SplitBehavior::kRemoved},
          {"Isolated", SplitBehavior::kIsolated},
          {"MergedWithPrevious", SplitBehavior::kMergedWithPrevious},
          {"MergedWithNext", SplitBehavior::kMergedWithNext},
          {"Contiguous", SplitBehavior::kContiguous}};
      auto found = std::find_if(std::begin(kBehaviors), std::end(kBehaviors),
                                [&](const auto& entry) { return entry.first == behavior; });
      if (found == std::end(kBehaviors)) {
        return Unsupported(field + ".behavior", behavior,
                           "expected Removed, Isolated, MergedWithPrevious, MergedWithNext or "
                           "Contiguous");
      }
      step.behavior = found->second;
      if (Status st = ReadBool(pre, "invert", field + ".invert", false, &step.invert); !st.ok()) {
        return st;
      }
      impl_.steps.push_back(std::move(step));
      return Status::Ok();
    }
    return Unsupported(field + ".type", type, "only ByteLevel, Split and Sequence are");
  }

  Status LoadDecoder(element root) {
    element decoder;
    if (root["decoder"].get(decoder) != simdjson::SUCCESS || decoder.is_null()) {
      return Status::Ok();
    }
    std::string_view type = TypeOf(decoder);
    if (type != "ByteLevel") return Unsupported("decoder.type", type, "only ByteLevel is");
    return Status::Ok();
  }

  void Finish() {
    if (impl_.nfc) NfcTriggers();  // built once per process, at load rather than first use
    for (uint32_t i = 0; i < impl_.added.size(); ++i) {
      auto& bucket = impl_.added_by_first_byte[static_cast<uint8_t>(impl_.added[i].content[0])];
      bucket.push_back(i);
      impl_.added_first_byte[static_cast<uint8_t>(impl_.added[i].content[0])] = true;
    }
    for (auto& bucket : impl_.added_by_first_byte) {
      std::stable_sort(bucket.begin(), bucket.end(), [&](uint32_t a, uint32_t b) {
        return impl_.added[a].content.size() > impl_.added[b].content.size();
      });
    }
    impl_.distinct_ids =
        static_cast<size_t>(std::count_if(impl_.id_spans.begin(), impl_.id_spans.end(),
                                          [](const auto& span) { return span.second != kNoId; }));
  }

  std::string source_;
  Tokenizer::Impl& impl_;
  std::array<uint32_t, 256> byte_to_code_point_ = ByteToCodePoint();
  // The inverse table: code point -> byte, -1 where a code point stands for no byte.
  std::array<int16_t, 256 + 68> code_point_byte_ = [this] {
    std::array<int16_t, 256 + 68> inverse;
    inverse.fill(-1);
    for (int b = 0; b < 256; ++b) inverse[byte_to_code_point_[b]] = static_cast<int16_t>(b);
    return inverse;
  }();
  bool byte_level_seen_ = false;
};

// Fills `impl` from the file's bytes; errors name `source`.
Status LoadInto(const simdjson::padded_string& json, const std::string& source,
                Tokenizer::Impl& impl) {
  impl.digest = "sha256:" + Sha256Hex(std::string_view(json.data(), json.size()));
  Loader loader(source, impl);
  return loader.Load(json);
}

}  // namespace

// --- Public API ------------------------------------------------------------------------------

Tokenizer::Tokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Tokenizer::~Tokenizer() = default;

Result<std::shared_ptr<const Tokenizer>> Tokenizer::Load(const std::string& path) {
  simdjson::padded_string json;
  if (auto error = simdjson::padded_string::load(path).get(json); error) {
    return Result<std::shared_ptr<const Tokenizer>>::Error(
        "tokenizer " + path + ": cannot read the file (" + simdjson::error_message(error) +
        "); give the path of a Hugging Face tokenizer.json");
  }
  auto impl = std::make_unique<Impl>();
  if (Status st = LoadInto(json, path, *impl); !st.ok()) return st;
  // The constructor is private, so std::make_shared cannot reach it.
  return std::shared_ptr<const Tokenizer>(new Tokenizer(std::move(impl)));
}

Result<std::shared_ptr<const Tokenizer>> Tokenizer::FromJson(std::string_view json,
                                                             const std::string& source) {
  simdjson::padded_string padded(json);
  auto impl = std::make_unique<Impl>();
  if (Status st = LoadInto(padded, source, *impl); !st.ok()) return st;
  return std::shared_ptr<const Tokenizer>(new Tokenizer(std::move(impl)));
}

std::vector<uint32_t> Tokenizer::Encode(std::string_view text) const {
  std::vector<uint32_t> ids;
  ids.reserve(text.size() / 3 + 4);
  std::unique_ptr<EncodeScratch> scratch = impl_->Acquire();
  impl_->Encode(text, *scratch, ids);
  impl_->Release(std::move(scratch));
  return ids;
}

size_t Tokenizer::CountTokens(std::string_view text) const { return Encode(text).size(); }

std::string Tokenizer::Decode(std::span<const uint32_t> ids) const {
  std::string text;
  for (uint32_t id : ids) {
    if (id >= impl_->id_spans.size() || impl_->id_spans[id].second == kNoId) continue;
    text.append(impl_->id_arena, impl_->id_spans[id].first, impl_->id_spans[id].second);
  }
  return text;
}

const std::string& Tokenizer::digest() const { return impl_->digest; }

size_t Tokenizer::vocab_size() const { return impl_->distinct_ids; }

int64_t Tokenizer::TokenId(std::string_view token) const {
  uint32_t id = impl_->token_ids.Find(token);
  return id == kNoId ? -1 : static_cast<int64_t>(id);
}

}  // namespace inferbench::workload
