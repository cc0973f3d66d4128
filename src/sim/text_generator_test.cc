#include "sim/text_generator.h"

#include <cstdint>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "sim/sim_tokenizer.h"

namespace inferbench::sim {
namespace {

TEST(TextGeneratorTest, ConcatenationTokenizesToExactlyNTokens) {
  SimTokenizer tokenizer;
  for (uint64_t seed : {uint64_t{0}, uint64_t{1}, uint64_t{42}, uint64_t{1} << 63, ~uint64_t{0}}) {
    std::string text;
    for (int n = 1; n <= 600; ++n) {
      text += GeneratedToken(seed, n - 1);
      ASSERT_EQ(tokenizer.Count(text), static_cast<size_t>(n)) << "seed " << seed;
    }
    // The token ids are those of the individual tokens, in order.
    const std::vector<uint32_t> ids = tokenizer.Encode(text);
    for (int i = 0; i < 600; ++i) {
      ASSERT_EQ(ids[i], SimTokenizer::TokenId(GeneratedToken(seed, i)));
    }
  }
}

TEST(TextGeneratorTest, EveryTokenIsASpaceAndAShortLowercaseWord) {
  for (int i = 0; i < 5000; ++i) {
    const std::string_view token = GeneratedToken(7, i);
    ASSERT_GE(token.size(), 2u);
    ASSERT_LE(token.size(), 9u);
    ASSERT_EQ(token[0], ' ');
    for (char c : token.substr(1)) ASSERT_TRUE(c >= 'a' && c <= 'z') << token;
  }
}

TEST(TextGeneratorTest, DependsOnSeedAndIndexOnly) {
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(GeneratedToken(123, i), GeneratedToken(123, i));
    // Same storage: a view into static memory, not a fresh string.
    EXPECT_EQ(GeneratedToken(123, i).data(), GeneratedToken(123, i).data());
  }
  int differences = 0;
  for (int i = 0; i < 100; ++i) differences += GeneratedToken(1, i) != GeneratedToken(2, i);
  EXPECT_GT(differences, 80);
}

TEST(TextGeneratorTest, UsesMuchOfTheVocabulary) {
  std::set<std::string_view> seen;
  for (int i = 0; i < 5000; ++i) seen.insert(GeneratedToken(99, i));
  EXPECT_GE(GeneratedVocabularySize(), 200);
  EXPECT_GT(static_cast<int>(seen.size()), GeneratedVocabularySize() * 9 / 10);
}

}  // namespace
}  // namespace inferbench::sim
