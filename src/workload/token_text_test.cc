#include "workload/token_text.h"

#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/prng.h"
#include "workload/corpus.h"
#include "workload/dataset.h"
#include "workload/synthetic.h"
#include "workload/test_tokenizer.h"

namespace inferbench::workload {
namespace {

size_t Words(const std::string& text) { return static_cast<size_t>(TokensOfText(text, nullptr)); }

// A byte-level BPE tokenizer.json with every byte a token and a few merges (" the", " and",
// " of", "the"), so most corpus words take several tokens and a few take one: the fitting rules
// have real work to do.
std::string TinyTokenizerJson() {
  const std::string space = ByteLevelUtf8(0x120);  // "Ġ", the byte-level form of ' '
  return ByteLevelTokenizerJson({{space, "t"}, {space + "t", "h"}, {space + "th", "e"}, {"t", "h"},
                                 {"th", "e"}, {space, "a"}, {space + "a", "n"}, {space + "an", "d"},
                                 {space, "o"}, {space + "o", "f"}});
}

// The tiny tokenizer, or null (the test skips) when the tokenizer cannot load it.
std::shared_ptr<const Tokenizer> TinyTokenizer() {
  static const std::shared_ptr<const Tokenizer> tokenizer = [] {
    Result<std::shared_ptr<const Tokenizer>> loaded =
        Tokenizer::FromJson(TinyTokenizerJson(), "tiny tokenizer.json");
    if (!loaded.ok()) {
      ADD_FAILURE() << loaded.status().message();
      return std::shared_ptr<const Tokenizer>();
    }
    return *loaded;
  }();
  return tokenizer;
}

TEST(TextOfTokensTest, WithoutTokenizerIsNCorpusWords) {
  for (int n : {0, 1, 7, 100, 513}) {
    const std::string text = TextOfTokens(42, n, nullptr);
    EXPECT_EQ(Words(text), static_cast<size_t>(n));
    EXPECT_EQ(text.find("  "), std::string::npos);
    if (n > 0) {
      EXPECT_NE(text.front(), ' ');
      EXPECT_NE(text.back(), ' ');
    }
  }
  EXPECT_EQ(TextOfTokens(42, 0, nullptr), "");
}

TEST(TextOfTokensTest, GoldenFirstWords) {
  // The first words of seed 7 are the corpus words at Prng(7)'s first NextBelow draws.
  Prng prng(7);
  const auto corpus = CorpusWords();
  std::string expected;
  for (int i = 0; i < 5; ++i) {
    if (i > 0) expected += ' ';
    expected += corpus[prng.NextBelow(corpus.size())];
  }
  EXPECT_EQ(TextOfTokens(7, 5, nullptr), expected);
}

TEST(TextOfTokensTest, SameWordsAsTheSyntheticPromptOfThatSeed) {
  SyntheticConfig config;
  config.isl_mean = 40;
  config.osl_mean = 8;
  config.prompt_seed = 99;
  const SyntheticWorkload workload(config);
  for (uint64_t i = 0; i < 3; ++i) {
    EXPECT_EQ(TextOfTokens(ItemSeed(99, i), 40, nullptr), workload.Item(i).prompt_text);
  }
}

TEST(TextOfTokensTest, DeterministicAndSeedDependent) {
  EXPECT_EQ(TextOfTokens(5, 64, nullptr), TextOfTokens(5, 64, nullptr));
  EXPECT_NE(TextOfTokens(5, 64, nullptr), TextOfTokens(6, 64, nullptr));
  // A shorter text of the same seed is a prefix of the longer one.
  const std::string longer = TextOfTokens(5, 64, nullptr);
  const std::string shorter = TextOfTokens(5, 20, nullptr);
  EXPECT_EQ(longer.compare(0, shorter.size() + 1, shorter + " "), 0);
}

TEST(ExtendTextTest, KeepsAShortPrefixAndCutsALongOne) {
  const std::string prefix = TextOfTokens(1, 10, nullptr);
  const std::string extended = ExtendText(prefix, 2, 25, nullptr);
  EXPECT_EQ(Words(extended), 25u);
  EXPECT_EQ(extended.compare(0, prefix.size() + 1, prefix + " "), 0);
  EXPECT_EQ(extended.substr(prefix.size() + 1), TextOfTokens(2, 15, nullptr));
  EXPECT_EQ(ExtendText(prefix, 2, 10, nullptr), prefix);
  EXPECT_EQ(ExtendText(prefix, 2, 4, nullptr), TextOfTokens(1, 4, nullptr));
  EXPECT_EQ(ExtendText("", 2, 6, nullptr), TextOfTokens(2, 6, nullptr));
}

TEST(TextOfBlocksTest, CommonFirstBlockIsExactlyTheSharedPrefix) {
  const std::string a = TextOfBlocks({11, 12}, 8, 16, 3, nullptr);
  const std::string b = TextOfBlocks({11, 13}, 8, 16, 3, nullptr);
  const std::string block = TextOfTokens(BlockSeed(3, 11), 8, nullptr);
  EXPECT_EQ(Words(a), 16u);
  EXPECT_EQ(a.compare(0, block.size() + 1, block + " "), 0);
  EXPECT_EQ(b.compare(0, block.size() + 1, block + " "), 0);
  // Exactly that block is shared: the texts differ in the first word after it.
  const std::string rest_a = a.substr(block.size() + 1);
  const std::string rest_b = b.substr(block.size() + 1);
  EXPECT_EQ(rest_a, TextOfTokens(BlockSeed(3, 12), 8, nullptr));
  EXPECT_NE(rest_a.substr(0, rest_a.find(' ')), rest_b.substr(0, rest_b.find(' ')));
}

TEST(TextOfBlocksTest, LastBlockIsCutAndExtraIdsUnused) {
  const std::string full = TextOfBlocks({1, 2}, 8, 16, 9, nullptr);
  const std::string cut = TextOfBlocks({1, 2}, 8, 11, 9, nullptr);
  EXPECT_EQ(Words(cut), 11u);
  EXPECT_EQ(full.compare(0, cut.size(), cut), 0);
  EXPECT_EQ(TextOfBlocks({1, 2, 3}, 8, 11, 9, nullptr), cut);
  // Fewer ids than blocks: the last id's words run on.
  EXPECT_EQ(Words(TextOfBlocks({1}, 8, 20, 9, nullptr)), 20u);
  EXPECT_EQ(TextOfBlocks({1}, 8, 20, 9, nullptr), ExtendText("", BlockSeed(9, 1), 20, nullptr));
  EXPECT_EQ(TextOfBlocks({}, 8, 5, 9, nullptr), TextOfTokens(BlockSeed(9, 0), 5, nullptr));
  EXPECT_EQ(TextOfBlocks({1, 2}, 8, 0, 9, nullptr), "");
}

TEST(TextOfBlocksTest, SeedChangesEveryBlock) {
  EXPECT_NE(TextOfBlocks({1}, 8, 8, 1, nullptr), TextOfBlocks({1}, 8, 8, 2, nullptr));
  EXPECT_NE(BlockSeed(1, 5), BlockSeed(1, 6));
}

TEST(TokensOfTextTest, CountsWhitespaceSeparatedWordsWithoutTokenizer) {
  EXPECT_EQ(TokensOfText("", nullptr), 0);
  EXPECT_EQ(TokensOfText("  one\ttwo\nthree  ", nullptr), 3);
  EXPECT_EQ(TokensOfText("word", nullptr), 1);
}

// ---- With a tokenizer ----

TEST(TextOfTokensWithTokenizerTest, EncodesToExactlyN) {
  const std::shared_ptr<const Tokenizer> tokenizer = TinyTokenizer();
  if (!tokenizer) GTEST_SKIP() << "the tokenizer did not load";
  // The tiny tokenizer: " the" is one token, "cat" three.
  ASSERT_EQ(tokenizer->CountTokens(" the"), 1u);
  ASSERT_EQ(tokenizer->CountTokens("cat"), 3u);
  for (int n : {1, 2, 3, 17, 64, 200, 513}) {
    for (uint64_t seed : {1u, 2u, 3u}) {
      const std::string text = TextOfTokens(seed, n, tokenizer.get());
      EXPECT_EQ(tokenizer->CountTokens(text), static_cast<size_t>(n)) << "n=" << n;
      EXPECT_EQ(text, TextOfTokens(seed, n, tokenizer.get()));
    }
  }
  EXPECT_EQ(TextOfTokens(1, 0, tokenizer.get()), "");
}

TEST(TextOfTokensWithTokenizerTest, UsesTheSameWordStream) {
  const std::shared_ptr<const Tokenizer> tokenizer = TinyTokenizer();
  if (!tokenizer) GTEST_SKIP() << "the tokenizer did not load";
  // All but the (possibly cut) last word are the stream's words.
  const std::string words = TextOfTokens(8, 200, nullptr);
  const std::string fitted = TextOfTokens(8, 200, tokenizer.get());
  const size_t last_space = fitted.rfind(' ');
  ASSERT_NE(last_space, std::string::npos);
  EXPECT_EQ(words.compare(0, last_space + 1, fitted.substr(0, last_space + 1)), 0);
}

TEST(TextOfBlocksWithTokenizerTest, ExactLengthAndSharedFirstBlock) {
  const std::shared_ptr<const Tokenizer> tokenizer = TinyTokenizer();
  if (!tokenizer) GTEST_SKIP() << "the tokenizer did not load";
  const std::string a = TextOfBlocks({4, 5}, 64, 100, 7, tokenizer.get());
  const std::string b = TextOfBlocks({4, 6}, 64, 90, 7, tokenizer.get());
  EXPECT_EQ(tokenizer->CountTokens(a), 100u);
  EXPECT_EQ(tokenizer->CountTokens(b), 90u);
  const std::string block = TextOfTokens(BlockSeed(7, 4), 64, tokenizer.get());
  EXPECT_EQ(tokenizer->CountTokens(block), 64u);
  EXPECT_EQ(a.compare(0, block.size() + 1, block + " "), 0);
  EXPECT_EQ(b.compare(0, block.size() + 1, block + " "), 0);
  EXPECT_NE(a.substr(block.size(), 12), b.substr(block.size(), 12));
}

TEST(TextOfBlocksWithTokenizerTest, ACacheGivesTheSameTextAndFitsEachBlockOnce) {
  const std::shared_ptr<const Tokenizer> tokenizer = TinyTokenizer();
  if (!tokenizer) GTEST_SKIP() << "the tokenizer did not load";
  BlockTextCache cache;
  const std::vector<std::vector<uint64_t>> requests = {{4, 5, 6}, {4, 5, 7}, {4, 8}, {9, 5, 6}};
  for (const auto& ids : requests) {
    EXPECT_EQ(TextOfBlocks(ids, 32, 80, 7, tokenizer.get(), &cache),
              TextOfBlocks(ids, 32, 80, 7, tokenizer.get()));
  }
  // Whole blocks only (the last block of each request is fitted to its length, not cached).
  EXPECT_EQ(cache.size(), 3u);  // 4, 5, 9
  EXPECT_EQ(cache.at(4), TextOfTokens(BlockSeed(7, 4), 32, tokenizer.get()));
}

TEST(ExtendTextWithTokenizerTest, KeepsThePrefix) {
  const std::shared_ptr<const Tokenizer> tokenizer = TinyTokenizer();
  if (!tokenizer) GTEST_SKIP() << "the tokenizer did not load";
  const std::string prefix = TextOfTokens(3, 40, tokenizer.get());
  const std::string text = ExtendText(prefix, 4, 90, tokenizer.get());
  EXPECT_EQ(tokenizer->CountTokens(text), 90u);
  EXPECT_EQ(text.compare(0, prefix.size() + 1, prefix + " "), 0);
  EXPECT_EQ(tokenizer->CountTokens(ExtendText(prefix, 4, 25, tokenizer.get())), 25u);
  EXPECT_EQ(TokensOfText(text, tokenizer.get()), 90);
}

// ---- Datasets whose lengths come from the tokenizer ----

std::string WriteFile(const std::string& name, const std::string& bytes) {
  const std::string path = ::testing::TempDir() + "/token_text_test_" + name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
  return path;
}

Result<std::shared_ptr<const Dataset>> LoadWith(const std::string& text,
                                                std::shared_ptr<const Tokenizer> tokenizer) {
  Result<DatasetSpec> spec = ParseDatasetSpec(text);
  if (!spec.ok()) return spec.status();
  DatasetLoadOptions options;
  options.prompt_seed = 31;
  options.tokenizer = std::move(tokenizer);
  return LoadDataset(*spec, options);
}

TEST(DatasetsWithTokenizerTest, TracePromptsHaveTheirExactInputLength) {
  const std::shared_ptr<const Tokenizer> tokenizer = TinyTokenizer();
  if (!tokenizer) GTEST_SKIP() << "the tokenizer did not load";
  const std::string path = WriteFile(
      "mooncake.jsonl",
      "{\"timestamp\": 0, \"input_length\": 700, \"output_length\": 4, \"hash_ids\": [1, 2]}\n"
      "{\"timestamp\": 5, \"input_length\": 600, \"output_length\": 4, \"hash_ids\": [1, 3]}\n"
      "{\"timestamp\": 9, \"input_length\": 90, \"output_length\": 4, \"hash_ids\": [7]}\n");
  Result<std::shared_ptr<const Dataset>> loaded = LoadWith("trace:" + path, tokenizer);
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  const std::string block = TextOfTokens(BlockSeed(31, 1), kTraceBlockTokens, tokenizer.get());
  for (const DatasetRequest& request : (*loaded)->requests) {
    EXPECT_EQ(tokenizer->CountTokens(request.prompt_text),
              static_cast<size_t>(request.input_tokens));
  }
  const std::vector<DatasetRequest>& requests = (*loaded)->requests;
  EXPECT_EQ(requests[0].prompt_text.compare(0, block.size() + 1, block + " "), 0);
  EXPECT_EQ(requests[1].prompt_text.compare(0, block.size() + 1, block + " "), 0);
  EXPECT_EQ(requests[1].shared_prefix_tokens, kTraceBlockTokens);
  const std::string plain =
      WriteFile("plain.jsonl", "{\"timestamp\": 0, \"input_length\": 77, \"output_length\": 4}\n");
  loaded = LoadWith("trace:" + plain, tokenizer);
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  EXPECT_EQ(tokenizer->CountTokens((*loaded)->requests[0].prompt_text), 77u);
}

TEST(DatasetsWithTokenizerTest, LengthsAreTokenCounts) {
  const std::shared_ptr<const Tokenizer> tokenizer = TinyTokenizer();
  if (!tokenizer) GTEST_SKIP() << "the tokenizer did not load";
  // " the" is one token and "cat" three: "the cat" is 1 + 4 tokens, 2 words.
  const std::string sharegpt = WriteFile(
      "sharegpt.json",
      R"([{"conversations": [{"from": "human", "value": "a cat"},)"
      R"( {"from": "gpt", "value": "the cat"}]}])");
  Result<std::shared_ptr<const Dataset>> loaded = LoadWith("sharegpt:" + sharegpt, tokenizer);
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  EXPECT_EQ((*loaded)->requests[0].output_tokens, 5);
  EXPECT_EQ((*loaded)->requests[0].input_tokens, 5);
  loaded = LoadWith("sharegpt:" + sharegpt, nullptr);
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ((*loaded)->requests[0].output_tokens, 2);
  const std::string shared =
      "shared-prefix:groups=2,prompts_per_group=2,prefix_tokens=30,suffix_tokens=9,"
      "output_tokens=4";
  loaded = LoadWith(shared, tokenizer);
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  const std::string prefix =
      TextOfTokens(ItemSeed(DeriveSeed(31, "shared-prefix/group"), 0), 30, tokenizer.get());
  for (const DatasetRequest& request : (*loaded)->requests) {
    EXPECT_EQ(tokenizer->CountTokens(request.prompt_text), 39u);
  }
  EXPECT_EQ((*loaded)->requests[0].prompt_text.compare(0, prefix.size() + 1, prefix + " "), 0);
  EXPECT_EQ((*loaded)->requests[2].prompt_text.compare(0, prefix.size() + 1, prefix + " "), 0);
  EXPECT_NE((*loaded)->requests[0].prompt_text, (*loaded)->requests[2].prompt_text);
}

}  // namespace
}  // namespace inferbench::workload
