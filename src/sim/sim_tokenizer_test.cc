#include "sim/sim_tokenizer.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace inferbench::sim {
namespace {

using ::testing::ElementsAre;

std::vector<std::string> SplitToStrings(std::string_view text) {
  SimTokenizer tokenizer;
  std::vector<std::string> out;
  for (std::string_view token : tokenizer.Split(text)) out.emplace_back(token);
  return out;
}

TEST(SimTokenizerTest, WordsTakeTheirLeadingSpace) {
  EXPECT_THAT(SplitToStrings("Hello world"), ElementsAre("Hello", " world"));
  EXPECT_THAT(SplitToStrings(" the model"), ElementsAre(" the", " model"));
}

TEST(SimTokenizerTest, PunctuationIsOneTokenPerCharacter) {
  EXPECT_THAT(SplitToStrings("Hello, world!"), ElementsAre("Hello", ",", " world", "!"));
  EXPECT_THAT(SplitToStrings("a...b"), ElementsAre("a", ".", ".", ".", "b"));
  EXPECT_THAT(SplitToStrings("x = \"y\";"), ElementsAre("x", " ", "=", " ", "\"", "y", "\"", ";"));
}

TEST(SimTokenizerTest, LongRunsSplitIntoEightCharacterPieces) {
  EXPECT_THAT(SplitToStrings("abcdefghijk"), ElementsAre("abcdefgh", "ijk"));
  EXPECT_THAT(SplitToStrings(" abcdefghij"), ElementsAre(" abcdefgh", "ij"));
  EXPECT_THAT(SplitToStrings("1234567890123456"), ElementsAre("12345678", "90123456"));
  EXPECT_THAT(SplitToStrings("abc123def"), ElementsAre("abc123de", "f"));
}

TEST(SimTokenizerTest, WhitespaceRules) {
  // Only one space attaches to a word; other spaces, tabs and newlines stand alone.
  EXPECT_THAT(SplitToStrings("  a"), ElementsAre(" ", " a"));
  EXPECT_THAT(SplitToStrings("a "), ElementsAre("a", " "));
  EXPECT_THAT(SplitToStrings("a\nb"), ElementsAre("a", "\n", "b"));
  EXPECT_THAT(SplitToStrings("a\n b\t\tc"), ElementsAre("a", "\n", " b", "\t", "\t", "c"));
  EXPECT_THAT(SplitToStrings(" "), ElementsAre(" "));
  EXPECT_THAT(SplitToStrings(" ,"), ElementsAre(" ", ","));
}

TEST(SimTokenizerTest, NonAsciiCodePointsAreOneTokenEach) {
  EXPECT_THAT(SplitToStrings("你好"), ElementsAre("你", "好"));
  EXPECT_THAT(SplitToStrings("😀!"), ElementsAre("😀", "!"));
  EXPECT_THAT(SplitToStrings("café"), ElementsAre("caf", "é"));
  EXPECT_THAT(SplitToStrings(" 日本"), ElementsAre(" ", "日", "本"));
}

TEST(SimTokenizerTest, InvalidUtf8IsOneTokenPerByte) {
  EXPECT_THAT(SplitToStrings("\xff\xfe"), ElementsAre("\xff", "\xfe"));
  // A truncated 3-byte sequence: each byte alone.
  EXPECT_THAT(SplitToStrings("\xe4\xbd"), ElementsAre("\xe4", "\xbd"));
  EXPECT_THAT(SplitToStrings("a\xc3"), ElementsAre("a", "\xc3"));
}

TEST(SimTokenizerTest, EmptyTextHasNoTokens) {
  SimTokenizer tokenizer;
  EXPECT_TRUE(tokenizer.Encode("").empty());
  EXPECT_EQ(tokenizer.Count(""), 0u);
}

TEST(SimTokenizerTest, CountMatchesEncode) {
  SimTokenizer tokenizer;
  const std::vector<std::string> texts = {
      "The quick brown fox jumps over the lazy dog.",
      "  leading spaces and trailing  ",
      "mixed 中文 and emoji 🎉🎉 with punctuation?!",
      "supercalifragilisticexpialidocious",
      "line one\nline two\r\n\ttabbed",
      "\xff broken \xc3 utf8",
  };
  for (const std::string& text : texts) {
    EXPECT_EQ(tokenizer.Count(text), tokenizer.Encode(text).size()) << text;
    EXPECT_EQ(tokenizer.Count(text), tokenizer.Split(text).size()) << text;
  }
}

TEST(SimTokenizerTest, SplitPiecesConcatenateToTheInput) {
  SimTokenizer tokenizer;
  const std::string text = "Mixed: 中文, emoji 😀, longwordlongword and \"quotes\"\n";
  std::string joined;
  for (std::string_view token : tokenizer.Split(text)) joined += token;
  EXPECT_EQ(joined, text);
}

TEST(SimTokenizerTest, IdsAreDeterministicAndInTheTextRange) {
  SimTokenizer tokenizer;
  const std::string text = "Determinism matters: same text, same ids 🎯";
  const std::vector<uint32_t> first = tokenizer.Encode(text);
  EXPECT_EQ(first, tokenizer.Encode(text));
  EXPECT_EQ(first, SimTokenizer().Encode(text));
  for (uint32_t id : first) {
    EXPECT_GE(id, SimTokenizer::kFirstTextTokenId);
    EXPECT_LT(id, SimTokenizer::kFirstTextTokenId + SimTokenizer::kTextTokenIdRange);
  }
}

TEST(SimTokenizerTest, IdsAreStableAcrossMachines) {
  // 1000 + FNV-1a-64(bytes) mod 100000: pinned so a change to the hash is noticed (prefix-cache
  // behaviour and recorded prompts depend on it).
  EXPECT_EQ(SimTokenizer::TokenId("hello"), 77491u);
  EXPECT_EQ(SimTokenizer::TokenId(" the"), 87138u);
  EXPECT_EQ(SimTokenizer::TokenId("\n"), 50565u);
  EXPECT_EQ(SimTokenizer().Encode("hello the"),
            (std::vector<uint32_t>{77491u, 87138u}));
}

TEST(SimTokenizerTest, LeadingSpaceChangesTheId) {
  EXPECT_NE(SimTokenizer::TokenId("the"), SimTokenizer::TokenId(" the"));
}

TEST(SimTokenizerTest, ChatPromptCountsTemplateOverhead) {
  SimTokenizer tokenizer;
  const std::vector<ChatMessage> messages = {
      {"system", "You are terse."},
      {"user", "Hello, world!"},
  };
  const size_t expected = (tokenizer.Count("You are terse.") + 4) +
                          (tokenizer.Count("Hello, world!") + 4) + 3;
  EXPECT_EQ(tokenizer.EncodeChat(messages).size(), expected);
  EXPECT_EQ(tokenizer.CountChat(messages), expected);
}

TEST(SimTokenizerTest, ChatTemplateUsesFixedSpecialIds) {
  SimTokenizer tokenizer;
  const std::vector<uint32_t> ids = tokenizer.EncodeChat({{"user", "hi"}});
  // start, user role, separator, "hi", end, then the assistant primer: start, assistant, separator.
  ASSERT_EQ(ids.size(), 1u + 4u + 3u);
  EXPECT_THAT(ids, ElementsAre(1u, 3u, 8u, SimTokenizer::TokenId("hi"), 6u, 1u, 4u, 8u));
  for (uint32_t id : {ids[0], ids[1], ids[2], ids[4], ids[5], ids[6], ids[7]}) {
    EXPECT_GE(id, 1u);
    EXPECT_LE(id, 9u);
  }
}

TEST(SimTokenizerTest, ChatRolesGetDistinctIds) {
  SimTokenizer tokenizer;
  const auto system = tokenizer.EncodeChat({{"system", "x"}});
  const auto user = tokenizer.EncodeChat({{"user", "x"}});
  const auto assistant = tokenizer.EncodeChat({{"assistant", "x"}});
  EXPECT_NE(system, user);
  EXPECT_NE(user, assistant);
}

TEST(SimTokenizerTest, EmptyChatStillHasThePrimer) {
  SimTokenizer tokenizer;
  EXPECT_EQ(tokenizer.EncodeChat({}).size(), 3u);
  EXPECT_EQ(tokenizer.EncodeChat({{"user", ""}}).size(), 7u);
}

}  // namespace
}  // namespace inferbench::sim
