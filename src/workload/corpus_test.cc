#include "workload/corpus.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace inferbench::workload {
namespace {

TEST(CorpusTest, HasAFewHundredShortLowerCaseWords) {
  const auto words = CorpusWords();
  EXPECT_GE(words.size(), 300u);
  for (std::string_view word : words) {
    EXPECT_GE(word.size(), 1u) << word;
    EXPECT_LE(word.size(), 8u) << word;
    for (char c : word) EXPECT_TRUE(c >= 'a' && c <= 'z') << word;
  }
}

TEST(CorpusTest, HasNoDuplicates) {
  const auto words = CorpusWords();
  const std::set<std::string_view> unique(words.begin(), words.end());
  EXPECT_EQ(unique.size(), words.size());
}

TEST(CorpusTest, OrderIsFrozen) {
  // The order feeds every text prompt; a reordering must show up as a failing test.
  const auto words = CorpusWords();
  EXPECT_EQ(words.front(), "the");
  EXPECT_EQ(words[1], "of");
  EXPECT_EQ(words.back(), "among");
}

}  // namespace
}  // namespace inferbench::workload
