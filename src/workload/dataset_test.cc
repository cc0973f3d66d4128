#include "workload/dataset.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "core/sha256.h"
#include "workload/token_text.h"

namespace inferbench::workload {
namespace {

using ::testing::HasSubstr;

std::string Example(const std::string& name) {
  return std::string(INFERBENCH_SOURCE_DIR) + "/examples/datasets/" + name;
}

// A file under the test temp dir with exactly these bytes.
std::string WriteFile(const std::string& name, const std::string& bytes) {
  const std::string path = ::testing::TempDir() + "/dataset_test_" + name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
  return path;
}

Result<std::shared_ptr<const Dataset>> Load(const std::string& text,
                                            const DatasetLoadOptions& options = {}) {
  Result<DatasetSpec> spec = ParseDatasetSpec(text);
  if (!spec.ok()) return spec.status();
  return LoadDataset(*spec, options);
}

std::string LoadError(const std::string& text) {
  Result<std::shared_ptr<const Dataset>> loaded = Load(text);
  EXPECT_FALSE(loaded.ok()) << text;
  return loaded.ok() ? "" : loaded.status().message();
}

std::string FileSha(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return "sha256:" + Sha256Hex(bytes);
}

// ---- Specs and options ----

TEST(DatasetSpecTest, ParsesKindPathAndOptions) {
  Result<DatasetSpec> spec = ParseDatasetSpec("trace:dir/t.jsonl,speedup=2,limit=5");
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  EXPECT_EQ(spec->kind, DatasetKind::kTrace);
  EXPECT_EQ(spec->path, "dir/t.jsonl");
  EXPECT_EQ(spec->options.at("speedup"), "2");
  EXPECT_EQ(spec->options.at("limit"), "5");
  EXPECT_EQ(FormatDatasetSpec(*spec), "trace:dir/t.jsonl,limit=5,speedup=2");
  Result<DatasetSpec> again = ParseDatasetSpec(FormatDatasetSpec(*spec));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->options, spec->options);
}

TEST(DatasetSpecTest, SharedPrefixHasNoPath) {
  Result<DatasetSpec> spec = ParseDatasetSpec(
      "shared-prefix:groups=2,prompts_per_group=3,prefix_tokens=10,suffix_tokens=5,"
      "output_tokens=16");
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  EXPECT_EQ(spec->kind, DatasetKind::kSharedPrefix);
  EXPECT_EQ(spec->path, "");
  EXPECT_EQ(FormatDatasetSpec(*spec),
            "shared-prefix:groups=2,output_tokens=16,prefix_tokens=10,prompts_per_group=3,"
            "suffix_tokens=5");
  EXPECT_EQ(DatasetKindName(DatasetKind::kSharedPrefix), "shared-prefix");
  EXPECT_EQ(DatasetKindName(DatasetKind::kConversations), "conversations");
}

TEST(DatasetSpecTest, ErrorsNameTheTextAndSayWhatToWrite) {
  auto error = [](const std::string& text) {
    Result<DatasetSpec> spec = ParseDatasetSpec(text);
    EXPECT_FALSE(spec.ok()) << text;
    return spec.ok() ? std::string() : spec.status().message();
  };
  EXPECT_THAT(error("csv:a.csv"), HasSubstr("unknown kind `csv`"));
  EXPECT_THAT(error("csv:a.csv"), HasSubstr("jsonl:PATH[,k=v…] (options allow_repeat, limit, "
                                            "output_tokens)"));
  EXPECT_THAT(error("jsonl"), HasSubstr("missing `:`"));
  EXPECT_THAT(error("jsonl:"), HasSubstr("no file path"));
  EXPECT_THAT(error("jsonl:a.jsonl,limit"), HasSubstr("`limit` is not an option; write k=v"));
  EXPECT_THAT(error("jsonl:a.jsonl,limit=1,limit=2"), HasSubstr("`limit` is given twice"));
  EXPECT_THAT(error("jsonl:a.jsonl,speedup=2"),
              HasSubstr("unknown option `speedup`; jsonl accepts allow_repeat, limit, "
                        "output_tokens"));
  EXPECT_THAT(error("trace:t.jsonl,history=response"),
              HasSubstr("trace accepts allow_repeat, limit, output_tokens, speedup"));
  EXPECT_THAT(error("jsonl:a.jsonl,allow_repeat=yes"), HasSubstr("must be true or false"));
  EXPECT_THAT(error("jsonl:a.jsonl,output_tokens=0"), HasSubstr("must be a decimal integer >= 1"));
  EXPECT_THAT(error("jsonl:a.jsonl,limit=x"), HasSubstr("`limit=x`"));
  EXPECT_THAT(error("trace:t.jsonl,speedup=0"), HasSubstr("must be a number > 0"));
  EXPECT_THAT(error("trace:t.jsonl,speedup=fast"), HasSubstr("must be a number > 0"));
  EXPECT_THAT(error("conversations:c.jsonl,history=model"), HasSubstr("must be synthetic"));
  EXPECT_THAT(error("conversations:c.jsonl,sessions=0"), HasSubstr("`sessions=0`"));
  EXPECT_THAT(error("sharegpt:s.json,history=response"), HasSubstr("add multi_turn=true"));
  EXPECT_THAT(error("shared-prefix:groups=2"), HasSubstr("missing option `prompts_per_group`"));
  EXPECT_THAT(error("shared-prefix:groups=2,prompts_per_group=2,prefix_tokens=0,suffix_tokens=0,"
                    "output_tokens=8"),
              HasSubstr("both 0"));
}

TEST(DatasetSpecTest, LoadRefusesOptionsTheKindDoesNotTake) {
  DatasetSpec spec;
  spec.kind = DatasetKind::kJsonl;
  spec.path = Example("prompts.jsonl");
  spec.options["sessions"] = "2";
  Result<std::shared_ptr<const Dataset>> loaded = LoadDataset(spec, {});
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(loaded.status().message(), HasSubstr("unknown option `sessions`"));
  spec.options.clear();
  spec.path = "";
  loaded = LoadDataset(spec, {});
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(loaded.status().message(), HasSubstr("no file path"));
}

// ---- jsonl ----

TEST(JsonlDatasetTest, LoadsTheExample) {
  Result<std::shared_ptr<const Dataset>> loaded = Load("jsonl:" + Example("prompts.jsonl"));
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  const Dataset& dataset = **loaded;
  EXPECT_EQ(dataset.kind, DatasetKind::kJsonl);
  ASSERT_EQ(dataset.size(), 20u);
  EXPECT_FALSE(dataset.multi_turn());
  EXPECT_FALSE(dataset.timed());
  EXPECT_EQ(dataset.content_digest, FileSha(Example("prompts.jsonl")));
  // Line 3: a prompt with output_tokens 24.
  const DatasetRequest& haiku = dataset.Request(2);
  EXPECT_EQ(haiku.prompt_text,
            "Write a haiku about a server room at night, with the hum of fans and blinking "
            "lights.");
  EXPECT_TRUE(haiku.messages.empty());
  EXPECT_EQ(haiku.output_tokens, 24);
  EXPECT_EQ(haiku.input_tokens, 17);  // whitespace-separated words without a tokenizer
  EXPECT_EQ(haiku.offset_ns, -1);
  // Line 17: three messages.
  const DatasetRequest& chat = dataset.Request(16);
  ASSERT_EQ(chat.messages.size(), 3u);
  EXPECT_EQ(chat.messages[1].role, "assistant");
  EXPECT_TRUE(chat.prompt_text.empty());
  EXPECT_EQ(chat.output_tokens, 48);
  EXPECT_GT(dataset.MeanInputTokens(), 20);
  EXPECT_GT(dataset.MeanOutputTokens(), 16);
  EXPECT_LE(dataset.MeanOutputTokens(), 64);
}

TEST(JsonlDatasetTest, DefaultOutputTokensAndLimit) {
  const std::string path = WriteFile("default.jsonl",
                                     "{\"prompt\": \"one two three\"}\n"
                                     "\n"
                                     "{\"prompt\": \"four\", \"output_tokens\": 9}\r\n"
                                     "{\"prompt\": \"five\", \"output_tokens\": null}");
  Result<std::shared_ptr<const Dataset>> loaded = Load("jsonl:" + path);
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  ASSERT_EQ((*loaded)->size(), 3u);
  EXPECT_EQ((*loaded)->Request(0).output_tokens, kDefaultOutputTokens);
  EXPECT_EQ((*loaded)->Request(0).input_tokens, 3);
  EXPECT_EQ((*loaded)->Request(1).output_tokens, 9);
  EXPECT_EQ((*loaded)->Request(2).prompt_text, "five");
  loaded = Load("jsonl:" + path + ",output_tokens=33,limit=2");
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  ASSERT_EQ((*loaded)->size(), 2u);
  EXPECT_EQ((*loaded)->Request(0).output_tokens, 33);
  EXPECT_EQ((*loaded)->Request(1).output_tokens, 9);
}

TEST(JsonlDatasetTest, ValidationErrorsNameFileLineAndField) {
  struct Case {
    std::string content;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"{\"prompt\": \"ok\"}\n{\"prompt\": \"x\"\n", "bad.jsonl:2: not valid JSON"},
      {"{\"prompt\": \"ok\"}\n[1, 2]\n",
       "bad.jsonl:2: expected a JSON object ({…}), found an array"},
      {"{\"prompt\": 5}\n", "bad.jsonl:1: field `prompt` must be a string (found a number)"},
      {"{\"prompt\": \"\"}\n", "bad.jsonl:1: field `prompt` is empty"},
      {"{\"text\": \"hello\"}\n", "bad.jsonl:1: missing `prompt` (a string) or `messages`"},
      {"{\"prompt\": \"a\", \"messages\": []}\n", "give either `prompt` or `messages`, not both"},
      {"{\"messages\": []}\n", "field `messages` must be a non-empty array"},
      {"{\"messages\": [\"hi\"]}\n", "field `messages[0]` must be an object"},
      {"{\"messages\": [{\"role\": \"user\"}]}\n", "field `messages[0].content` is missing"},
      {"{\"messages\": [{\"role\": \"robot\", \"content\": \"x\"}]}\n",
       "field `messages[0].role` is `robot`; use system, user or assistant"},
      {"{\"messages\": [{\"role\": \"user\", \"content\": 3}]}\n",
       "field `messages[0].content` must be a string"},
      {"{\"prompt\": \"a\", \"output_tokens\": 0}\n",
       "bad.jsonl:1: field `output_tokens` must be an integer >= 1 (found 0)"},
      {"{\"prompt\": \"a\", \"output_tokens\": 2.5}\n", "field `output_tokens` must be an integer"},
      {"{\"prompt\": \"a\", \"output_tokens\": \"8\"}\n",
       "field `output_tokens` must be an integer >= 1 (found \"8\")"},
      {"{\"prompt\": \"ok\"}\n{\"prompt\": \"caf\xE9\"}\n",
       "bad.jsonl:2: the line is not valid UTF-8 text (byte 16 of the line)"},
      {"", "the dataset is empty"},
      {"\n  \n", "the dataset is empty"},
  };
  for (const Case& c : cases) {
    const std::string path = WriteFile("bad.jsonl", c.content);
    EXPECT_THAT(LoadError("jsonl:" + path), HasSubstr(c.expected)) << c.content;
  }
  EXPECT_THAT(LoadError("jsonl:/nonexistent/p.jsonl"),
              HasSubstr("/nonexistent/p.jsonl: cannot open the dataset file"));
}

TEST(JsonlDatasetTest, LongLinesAcrossReadChunks) {
  std::string big(3 << 19, 'a');  // a 1.5 MiB prompt spans two 1 MiB reads
  const std::string content =
      "{\"prompt\": \"x\"}\n{\"prompt\": \"" + big + "\"}\n{\"prompt\": \"y\"}";
  const std::string path = WriteFile("big.jsonl", content);
  Result<std::shared_ptr<const Dataset>> loaded = Load("jsonl:" + path);
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  ASSERT_EQ((*loaded)->size(), 3u);
  EXPECT_EQ((*loaded)->Request(1).prompt_text.size(), big.size());
  EXPECT_EQ((*loaded)->Request(2).prompt_text, "y");
  EXPECT_EQ((*loaded)->content_digest, "sha256:" + Sha256Hex(content));
}

// ---- Counts, repetition, digest ----

TEST(DatasetCountTest, RefusesMoreThanItHoldsUnlessAllowRepeat) {
  const std::string path =
      WriteFile("three.jsonl", "{\"prompt\": \"a\"}\n{\"prompt\": \"b\"}\n{\"prompt\": \"c\"}\n");
  Result<std::shared_ptr<const Dataset>> loaded = Load("jsonl:" + path);
  ASSERT_TRUE(loaded.ok());
  EXPECT_TRUE((*loaded)->CheckCount(3).ok());
  const Status refused = (*loaded)->CheckCount(5);
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.message(), HasSubstr("three.jsonl` holds 3 requests but the run needs 5"));
  EXPECT_THAT(refused.message(), HasSubstr("add allow_repeat=true"));
  loaded = Load("jsonl:" + path + ",allow_repeat=true");
  ASSERT_TRUE(loaded.ok());
  EXPECT_TRUE((*loaded)->allow_repeat);
  EXPECT_TRUE((*loaded)->CheckCount(1000).ok());
  EXPECT_EQ((*loaded)->Request(4).prompt_text, "b");
  EXPECT_EQ((*loaded)->Request(3).prompt_text, "a");
}

TEST(DatasetDigestTest, HasTypeOptionsAndContentButNotThePath) {
  const std::string content = "{\"prompt\": \"a\"}\n";
  const std::string first = WriteFile("digest_a.jsonl", content);
  const std::string second = WriteFile("digest_b.jsonl", content);
  Result<std::shared_ptr<const Dataset>> a = Load("jsonl:" + first + ",limit=1");
  Result<std::shared_ptr<const Dataset>> b = Load("jsonl:" + second + ",limit=1");
  ASSERT_TRUE(a.ok() && b.ok());
  const nlohmann::json digest = (*a)->DigestJson();
  EXPECT_EQ(digest, (*b)->DigestJson());  // moving the file does not re-key
  EXPECT_EQ(digest.dump(), "{\"content_digest\":\"sha256:" + Sha256Hex(content) +
                               "\",\"options\":{\"allow_repeat\":false,\"limit\":1,"
                               "\"output_tokens\":256},\"type\":\"jsonl\"}");
  EXPECT_EQ(digest.dump().find("digest_a"), std::string::npos);
  // Spelling the default explicitly does not change the digest; other content does.
  Result<std::shared_ptr<const Dataset>> explicit_default =
      Load("jsonl:" + first + ",limit=1,output_tokens=256,allow_repeat=false");
  ASSERT_TRUE(explicit_default.ok());
  EXPECT_EQ((*explicit_default)->DigestJson(), digest);
  const std::string other = WriteFile("digest_c.jsonl", "{\"prompt\": \"b\"}\n");
  Result<std::shared_ptr<const Dataset>> c = Load("jsonl:" + other + ",limit=1");
  ASSERT_TRUE(c.ok());
  EXPECT_NE((*c)->DigestJson(), digest);
}

// ---- ShareGPT ----

TEST(ShareGptDatasetTest, LoadsTheExampleAndCountsSkippedEntries) {
  Result<std::shared_ptr<const Dataset>> loaded = Load("sharegpt:" + Example("sharegpt.json"));
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  const Dataset& dataset = **loaded;
  // 11 entries; ex-004 starts with a gpt turn.
  EXPECT_EQ(dataset.size(), 10u);
  EXPECT_EQ(dataset.skipped, 1u);
  ASSERT_EQ(dataset.notes.size(), 1u);
  EXPECT_EQ(dataset.notes[0],
            "skipped 1 of 11 ShareGPT conversations: 1 do not start with a human turn");
  EXPECT_EQ(dataset.content_digest, FileSha(Example("sharegpt.json")));
  const DatasetRequest& first = dataset.Request(0);
  EXPECT_EQ(first.prompt_text,
            "What does the p99 latency of a service tell me that the mean does not?");
  EXPECT_EQ(first.output_tokens, 46);  // the reply's words
  // ex-003 has a system turn: chat form.
  const DatasetRequest& system = dataset.Request(2);
  ASSERT_EQ(system.messages.size(), 2u);
  EXPECT_EQ(system.messages[0].role, "system");
  EXPECT_EQ(system.messages[1].content,
            "How long should I rest a steak after cooking it, and why?");
  // ex-006 has no reply: the default output target.
  EXPECT_EQ(dataset.Request(4).output_tokens, kDefaultOutputTokens);
  Result<std::shared_ptr<const Dataset>> with_default =
      Load("sharegpt:" + Example("sharegpt.json") + ",output_tokens=32");
  ASSERT_TRUE(with_default.ok());
  EXPECT_EQ((*with_default)->Request(4).output_tokens, 32);
}

TEST(ShareGptDatasetTest, MultiTurnKeepsWholeConversations) {
  Result<std::shared_ptr<const Dataset>> loaded =
      Load("sharegpt:" + Example("sharegpt.json") + ",multi_turn=true,sessions=3");
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  const Dataset& dataset = **loaded;
  EXPECT_TRUE(dataset.multi_turn());
  EXPECT_TRUE(dataset.requests.empty());
  ASSERT_EQ(dataset.size(), 10u);
  EXPECT_EQ(dataset.sessions, 3);
  const Conversation& autumn = dataset.conversations[1];
  EXPECT_EQ(autumn.session_id, "ex-002");
  ASSERT_EQ(autumn.turns.size(), 3u);
  EXPECT_EQ(autumn.turns[1].messages.at(0).content, "Now make it sound like a weather report.");
  EXPECT_THAT(autumn.turns[1].recorded_reply, HasSubstr("Expect cool northerly winds"));
  EXPECT_EQ(autumn.turns[1].output_tokens, TokensOfText(autumn.turns[1].recorded_reply, nullptr));
  EXPECT_EQ(autumn.turns[1].delay_ns, 0);
  // The system turn is part of the first turn only.
  const Conversation& water = dataset.conversations[7];
  EXPECT_EQ(water.session_id, "ex-009");
  ASSERT_EQ(water.turns.size(), 2u);
  EXPECT_EQ(water.turns[0].messages.size(), 2u);
  EXPECT_EQ(water.turns[1].messages.size(), 1u);
  EXPECT_EQ(dataset.CheckCount(11).message().find("conversations") != std::string::npos, true);
}

TEST(ShareGptDatasetTest, SkipsOnlyWithACount) {
  const std::string path = WriteFile("skips.json",
                                     R"([{"conversations": []},
          {"conversations": [{"from": "gpt", "value": "hi"}, {"from": "human", "value": "x"}]},
          {"conversations": [{"from": "human", "value": ""}]},
          {"conversations": [{"from": "narrator", "value": "x"}]},
          {"conversations": [{"from": "human", "value": "q1"}, {"from": "gpt", "value": "a"},
                             {"from": "gpt", "value": "b"}]},
          {"id": 7, "conversations": [{"from": "human", "value": "fine"},
                                      {"from": "gpt", "value": ""}]}])");
  Result<std::shared_ptr<const Dataset>> loaded = Load("sharegpt:" + path);
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  EXPECT_EQ((*loaded)->size(), 2u);  // the 5th is fine for single-turn use
  EXPECT_EQ((*loaded)->skipped, 4u);
  EXPECT_EQ((*loaded)->notes.at(0),
            "skipped 4 of 6 ShareGPT conversations: 1 do not start with a human turn, 1 have a "
            "turn from an unknown speaker, 1 have an empty first prompt, 1 have no turns");
  EXPECT_EQ((*loaded)->Request(1).output_tokens, kDefaultOutputTokens);  // empty reply
  loaded = Load("sharegpt:" + path + ",multi_turn=true");
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  EXPECT_EQ((*loaded)->size(), 1u);
  EXPECT_EQ((*loaded)->skipped, 5u);
  EXPECT_EQ((*loaded)->conversations[0].session_id, "7");
  const std::string none = WriteFile("none.json", R"([{"conversations": []}])");
  EXPECT_THAT(LoadError("sharegpt:" + none), HasSubstr("the dataset is empty"));
  EXPECT_THAT(LoadError("sharegpt:" + none), HasSubstr("1 have no turns"));
}

TEST(ShareGptDatasetTest, ValidationErrorsNameTheElement) {
  struct Case {
    std::string content;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {R"({"conversations": []})", "expected a JSON array of conversations"},
      {R"([{"conversations": []}, 5])", "element [1] must be an object"},
      {R"([{"conversations": []}, {"id": "x"}])", "element [1] has no `conversations` array"},
      {R"([{"conversations": {}}])", "element [0] `conversations` must be an array"},
      {R"([{"conversations": [{"from": "human"}]}])",
       "element [0] `conversations[0]` is missing `value`"},
      {R"([{"conversations": [{"from": "human", "value": 3}]}])",
       "element [0] `conversations[0].value` must be a string"},
      {"[{\"conversations\": []},\n {\"conversations\": [{\"from\": \"human\", \"value\": "
       "\"\xC3\"}]}]",
       "bad.json:2: the text is not valid UTF-8"},
      {"[{\"conversations\": [}]", "element [0] `conversations[0]` must be an object"},
      {"[{\"conversations\": [", "bad.json: not valid JSON"},
      {"[{\"conversations\": []}] [1]", "unexpected content after the JSON array"},
      {"[{\"conversations\": []},]", "element [1] must be an object"},
  };
  for (const Case& c : cases) {
    const std::string path = WriteFile("bad.json", c.content);
    EXPECT_THAT(LoadError("sharegpt:" + path), HasSubstr(c.expected)) << c.content;
  }
  EXPECT_THAT(LoadError("sharegpt:/nonexistent/s.json"), HasSubstr("cannot read"));
}

// ---- conversations ----

TEST(ConversationsDatasetTest, LoadsTheExample) {
  Result<std::shared_ptr<const Dataset>> loaded =
      Load("conversations:" + Example("conversations.jsonl") + ",sessions=2,history=response");
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  const Dataset& dataset = **loaded;
  EXPECT_TRUE(dataset.multi_turn());
  ASSERT_EQ(dataset.size(), 6u);
  EXPECT_EQ(dataset.sessions, 2);
  EXPECT_EQ(dataset.history, HistoryMode::kResponse);
  const Conversation& support = dataset.conversations[0];
  EXPECT_EQ(support.session_id, "support-1");
  ASSERT_EQ(support.turns.size(), 3u);
  ASSERT_EQ(support.turns[0].messages.size(), 2u);
  EXPECT_EQ(support.turns[0].messages[0].role, "system");
  EXPECT_EQ(support.turns[1].messages.at(0).role, "user");
  EXPECT_EQ(support.turns[1].messages.at(0).content,
            "I restarted it and the light is now orange, blinking slowly.");
  EXPECT_EQ(support.turns[1].output_tokens, 40);
  EXPECT_EQ(support.turns[1].delay_ns, 150'000'000);
  EXPECT_EQ(support.turns[1].input_tokens, 11);
  EXPECT_EQ(dataset.conversations[1].turns.size(), 4u);
  EXPECT_TRUE(dataset.CheckCount(6).ok());
  EXPECT_FALSE(dataset.CheckCount(7).ok());
  EXPECT_EQ(dataset.DigestJson()["options"]["history"], "response");
}

TEST(ConversationsDatasetTest, ValidationErrors) {
  struct Case {
    std::string content;
    std::string expected;
  };
  const std::string turn = R"({"prompt": "hi"})";
  const std::vector<Case> cases = {
      {R"({"session_id": "a", "turns": [{"prompt": "hi"}]})"
       "\n"
       R"({"session_id": "b", "turns": [{"prompt": "hi"}]})"
       "\n"
       R"({"session_id": "a", "turns": [{"prompt": "again"}]})"
       "\n",
       "c.jsonl:3: session_id `a` is already used on line 1"},
      {R"({"turns": [{"prompt": "hi"}]})", "c.jsonl:1: field `session_id` is missing"},
      {R"({"session_id": true, "turns": [{"prompt": "hi"}]})",
       "field `session_id` must be a string or an integer"},
      {R"({"session_id": "a", "turns": []})", "field `turns` must be a non-empty array"},
      {R"({"session_id": "a"})", "field `turns` must be a non-empty array"},
      {R"({"session_id": "a", "turns": [{"prompt": "hi"}, 3]})",
       "field `turns[1]` must be an object"},
      {R"({"session_id": "a", "turns": [{"output_tokens": 4}]})",
       "missing `turns[0].prompt` (a string) or `turns[0].messages`"},
      {R"({"session_id": "a", "turns": [{"prompt": "hi", "output_tokens": -1}]})",
       "field `turns[0].output_tokens` must be an integer >= 1"},
      {R"({"session_id": "a", "turns": [{"prompt": "hi", "delay_ms": -5}]})",
       "field `turns[0].delay_ms` must be a number of milliseconds >= 0 (found -5)"},
      {R"({"session_id": "a", "turns": [{"prompt": "hi", "delay_ms": "soon"}]})",
       "field `turns[0].delay_ms` must be a number"},
      {R"({"session_id": "a", "turns": [{"messages": [{"role": "user", "content": 1}]}]})",
       "field `turns[0].messages[0].content` must be a string"},
  };
  for (const Case& c : cases) {
    const std::string path = WriteFile("c.jsonl", c.content);
    EXPECT_THAT(LoadError("conversations:" + path), HasSubstr(c.expected)) << c.content;
  }
}

TEST(ConversationsDatasetTest, DefaultsAndIntegerIds) {
  const std::string path = WriteFile(
      "c_ok.jsonl",
      R"({"session_id": 12, "turns": [{"prompt": "hi"}, {"prompt": "more", "delay_ms": 2.5}]})");
  Result<std::shared_ptr<const Dataset>> loaded =
      Load("conversations:" + path + ",output_tokens=20");
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  const Conversation& conversation = (*loaded)->conversations.at(0);
  EXPECT_EQ(conversation.session_id, "12");
  EXPECT_EQ(conversation.turns[0].output_tokens, 20);
  EXPECT_EQ(conversation.turns[0].delay_ns, 0);
  EXPECT_EQ(conversation.turns[1].delay_ns, 2'500'000);
  EXPECT_EQ((*loaded)->history, HistoryMode::kSynthetic);
  EXPECT_EQ((*loaded)->sessions, 1);
}

TEST(DatasetDeterminismTest, SameOptionsGiveIdenticalContent) {
  for (const std::string& text :
       {"jsonl:" + Example("prompts.jsonl"), "sharegpt:" + Example("sharegpt.json"),
        "conversations:" + Example("conversations.jsonl")}) {
    Result<std::shared_ptr<const Dataset>> a = Load(text);
    Result<std::shared_ptr<const Dataset>> b = Load(text);
    ASSERT_TRUE(a.ok() && b.ok()) << text;
    ASSERT_EQ((*a)->size(), (*b)->size());
    for (size_t i = 0; i < (*a)->requests.size(); ++i) {
      EXPECT_EQ((*a)->requests[i].prompt_text, (*b)->requests[i].prompt_text);
      EXPECT_EQ((*a)->requests[i].output_tokens, (*b)->requests[i].output_tokens);
    }
    EXPECT_EQ((*a)->DigestJson(), (*b)->DigestJson());
  }
}

}  // namespace
}  // namespace inferbench::workload
