#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <string>

#include "workload/dataset.h"
#include "workload/synthetic.h"
#include "workload/token_text.h"

namespace inferbench::workload {
namespace {

using ::testing::HasSubstr;

std::string Example(const std::string& name) {
  return std::string(INFERBENCH_SOURCE_DIR) + "/examples/datasets/" + name;
}

std::string WriteFile(const std::string& name, const std::string& bytes) {
  const std::string path = ::testing::TempDir() + "/dataset_trace_test_" + name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
  return path;
}

Result<std::shared_ptr<const Dataset>> LoadTraceText(const std::string& text,
                                                     uint64_t prompt_seed = 11) {
  Result<DatasetSpec> spec = ParseDatasetSpec(text);
  if (!spec.ok()) return spec.status();
  DatasetLoadOptions options;
  options.prompt_seed = prompt_seed;
  return LoadDataset(*spec, options);
}

size_t Words(const std::string& text) { return static_cast<size_t>(TokensOfText(text, nullptr)); }

bool StartsWith(const std::string& text, const std::string& prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

// File order differs from time order; two pairs of equal timestamps keep file order.
const char kHandcrafted[] =
    R"({"timestamp": 100, "input_length": 1024, "output_length": 10, "hash_ids": [1, 2]}
{"timestamp": 0, "input_length": 600, "output_length": 11, "hash_ids": [1, 3]}
{"timestamp": 200, "input_length": 1500, "output_length": 12, "hash_ids": [1, 2, 4]}
{"timestamp": 300, "input_length": 300, "output_length": 13, "hash_ids": [1]}
{"timestamp": 400, "input_length": 700, "output_length": 14, "hash_ids": [5, 2]}
{"timestamp": 400, "input_length": 1100, "output_length": 15, "hash_ids": [1, 3, 9]}
{"timestamp": 500.5, "input_length": 200, "output_length": 16, "hash_ids": [6]}
{"timestamp": 500.5, "input_length": 1024, "output_length": 17, "hash_ids": [1, 2]}
)";

TEST(TraceDatasetTest, SortsByTimeStablyAndScalesOffsets) {
  const std::string path = WriteFile("hand.jsonl", kHandcrafted);
  Result<std::shared_ptr<const Dataset>> loaded = LoadTraceText("trace:" + path + ",speedup=2");
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  const Dataset& dataset = **loaded;
  EXPECT_TRUE(dataset.timed());
  EXPECT_EQ(dataset.speedup, 2);
  ASSERT_EQ(dataset.size(), 8u);
  std::vector<int> outputs;
  std::vector<int64_t> offsets;
  for (const DatasetRequest& request : dataset.requests) {
    outputs.push_back(request.output_tokens);
    offsets.push_back(request.offset_ns);
    EXPECT_EQ(Words(request.prompt_text), static_cast<size_t>(request.input_tokens));
  }
  EXPECT_EQ(outputs, (std::vector<int>{11, 10, 12, 13, 14, 15, 16, 17}));
  EXPECT_EQ(offsets, (std::vector<int64_t>{0, 50'000'000, 100'000'000, 150'000'000, 200'000'000,
                                           200'000'000, 250'250'000, 250'250'000}));
}

TEST(TraceDatasetTest, SharedPrefixTokensFollowExactLeadingChains) {
  const std::string path = WriteFile("hand.jsonl", kHandcrafted);
  Result<std::shared_ptr<const Dataset>> loaded = LoadTraceText("trace:" + path);
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  std::vector<int> shared;
  for (const DatasetRequest& request : (*loaded)->requests) {
    shared.push_back(request.shared_prefix_tokens);
  }
  // In time order:
  //   [1,3] 600    first                                        0
  //   [1,2] 1024   block 1 seen whole                           512
  //   [1,2,4] 1500 blocks 1, 2 seen whole; 4 new               1024
  //   [1] 300      block 1, 300 of its tokens                   300
  //   [5,2] 700    block 2 seen, but not after block 5          0
  //   [1,3,9] 1100 block 1 whole; block 3 only 88 tokens seen   600
  //   [6] 200      new                                          0
  //   [1,2] 1024   both blocks seen whole                       1024
  EXPECT_EQ(shared, (std::vector<int>{0, 512, 1024, 300, 0, 600, 0, 1024}));
}

TEST(TraceDatasetTest, SharedHashIdsShareTextPrefixes) {
  const std::string path = WriteFile("hand.jsonl", kHandcrafted);
  Result<std::shared_ptr<const Dataset>> loaded = LoadTraceText("trace:" + path, 5);
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  const std::vector<DatasetRequest>& requests = (*loaded)->requests;
  const std::string block1 = TextOfTokens(BlockSeed(5, 1), 512, nullptr);
  const std::string block2 = TextOfTokens(BlockSeed(5, 2), 512, nullptr);
  EXPECT_TRUE(StartsWith(requests[0].prompt_text, block1 + " "));
  EXPECT_EQ(requests[1].prompt_text, block1 + " " + block2);
  EXPECT_TRUE(StartsWith(requests[2].prompt_text, block1 + " " + block2 + " "));
  EXPECT_TRUE(StartsWith(block1, requests[3].prompt_text));  // the first 300 words of block 1
  EXPECT_FALSE(StartsWith(requests[4].prompt_text, block1.substr(0, 40)));
  EXPECT_EQ(requests[7].prompt_text, requests[1].prompt_text);
  EXPECT_EQ(requests[0].prompt_text, TextOfBlocks({1, 3}, kTraceBlockTokens, 600, 5, nullptr));
}

TEST(TraceDatasetTest, LoadsTheMooncakeExample) {
  Result<std::shared_ptr<const Dataset>> loaded =
      LoadTraceText("trace:" + Example("mooncake_trace.jsonl"));
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  const Dataset& dataset = **loaded;
  ASSERT_EQ(dataset.size(), 60u);
  // Line 1: {"timestamp": 57, "input_length": 186, "output_length": 35, "hash_ids": [100]}
  EXPECT_EQ(dataset.requests[0].offset_ns, 0);
  EXPECT_EQ(dataset.requests[0].input_tokens, 186);
  EXPECT_EQ(dataset.requests[0].output_tokens, 35);
  EXPECT_EQ(dataset.requests[0].shared_prefix_tokens, 0);
  EXPECT_EQ(dataset.requests.back().offset_ns, (3063 - 57) * int64_t{1'000'000});
  int64_t shared = 0;
  int64_t total = 0;
  for (size_t i = 0; i < dataset.size(); ++i) {
    const DatasetRequest& request = dataset.requests[i];
    if (i > 0) {
      EXPECT_GE(request.offset_ns, dataset.requests[i - 1].offset_ns);
    }
    EXPECT_GE(request.input_tokens, 50);
    EXPECT_LE(request.input_tokens, 1400);
    EXPECT_LE(request.shared_prefix_tokens, request.input_tokens);
    shared += request.shared_prefix_tokens;
    total += request.input_tokens;
  }
  // The example is built so a good part of the prompt tokens repeat an earlier prefix.
  EXPECT_GT(static_cast<double>(shared) / static_cast<double>(total), 0.3);
  EXPECT_LT(static_cast<double>(shared) / static_cast<double>(total), 0.8);
  Result<std::shared_ptr<const Dataset>> faster =
      LoadTraceText("trace:" + Example("mooncake_trace.jsonl") + ",speedup=3");
  ASSERT_TRUE(faster.ok());
  EXPECT_EQ((*faster)->requests.back().offset_ns, 1'002'000'000);
}

TEST(TraceDatasetTest, PlainTraceTextsAreDistinctPerRequest) {
  Result<std::shared_ptr<const Dataset>> loaded =
      LoadTraceText("trace:" + Example("plain_trace.jsonl"), 21);
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  const Dataset& dataset = **loaded;
  ASSERT_EQ(dataset.size(), 30u);
  std::set<std::string> firsts;
  for (size_t i = 0; i < dataset.size(); ++i) {
    const DatasetRequest& request = dataset.requests[i];
    EXPECT_EQ(request.prompt_text, TextOfTokens(ItemSeed(21, i), request.input_tokens, nullptr));
    EXPECT_EQ(request.shared_prefix_tokens, 0);
    firsts.insert(request.prompt_text.substr(0, 30));
  }
  EXPECT_GT(firsts.size(), 25u);
  EXPECT_EQ(dataset.content_digest.substr(0, 7), "sha256:");
}

TEST(TraceDatasetTest, DeterministicGivenTheSeed) {
  const std::string spec = "trace:" + Example("mooncake_trace.jsonl") + ",limit=12";
  Result<std::shared_ptr<const Dataset>> a = LoadTraceText(spec, 3);
  Result<std::shared_ptr<const Dataset>> b = LoadTraceText(spec, 3);
  Result<std::shared_ptr<const Dataset>> c = LoadTraceText(spec, 4);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  for (size_t i = 0; i < (*a)->size(); ++i) {
    EXPECT_EQ((*a)->requests[i].prompt_text, (*b)->requests[i].prompt_text);
  }
  EXPECT_NE((*a)->requests[0].prompt_text, (*c)->requests[0].prompt_text);
  EXPECT_EQ((*a)->DigestJson(), (*c)->DigestJson());  // seeds enter the workload digest apart
}

TEST(TraceDatasetTest, LimitTakesTheFirstInTime) {
  const std::string path = WriteFile("hand.jsonl", kHandcrafted);
  Result<std::shared_ptr<const Dataset>> loaded = LoadTraceText("trace:" + path + ",limit=2");
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  ASSERT_EQ((*loaded)->size(), 2u);
  EXPECT_EQ((*loaded)->requests[0].output_tokens, 11);
  EXPECT_EQ((*loaded)->requests[1].output_tokens, 10);
  EXPECT_EQ((*loaded)->DigestJson()["options"]["limit"], 2);
  EXPECT_EQ((*loaded)->DigestJson()["options"]["speedup"], 1.0);
}

TEST(TraceDatasetTest, ValidationErrorsNameLineAndField) {
  struct Case {
    std::string content;
    std::string expected;
  };
  const std::string ok = R"({"timestamp": 0, "input_length": 10, "output_length": 5})";
  const std::vector<Case> cases = {
      {ok + "\n" + R"({"input_length": 10, "output_length": 5})",
       "t.jsonl:2: field `timestamp` is missing"},
      {R"({"timestamp": -1, "input_length": 10, "output_length": 5})",
       "t.jsonl:1: field `timestamp` must be a number of milliseconds >= 0 (found -1)"},
      {R"({"timestamp": "0", "input_length": 10, "output_length": 5})",
       "field `timestamp` must be a number"},
      {R"({"timestamp": 0, "input_length": 0, "output_length": 5})",
       "t.jsonl:1: field `input_length` must be an integer >= 1"},
      {R"({"timestamp": 0, "input_length": 1.5, "output_length": 5})",
       "field `input_length` must be an integer >= 1"},
      {R"({"timestamp": 0, "input_length": 10})", "field `output_length` is missing"},
      {R"({"timestamp": 0, "input_length": 600, "output_length": 5, "hash_ids": [1]})",
       "t.jsonl:1: field `hash_ids` has 1 block ids but input_length 600 needs ceil(600/512) = 2"},
      {R"({"timestamp": 0, "input_length": 100, "output_length": 5, "hash_ids": [1, 2]})",
       "has 2 block ids but input_length 100 needs ceil(100/512) = 1"},
      {R"({"timestamp": 0, "input_length": 100, "output_length": 5, "hash_ids": [-1]})",
       "field `hash_ids` must hold integers >= 0 (found -1)"},
      {R"({"timestamp": 0, "input_length": 100, "output_length": 5, "hash_ids": [1.0]})",
       "field `hash_ids` must hold integers >= 0"},
      {R"({"timestamp": 0, "input_length": 100, "output_length": 5, "hash_ids": 1})",
       "field `hash_ids` must be an array"},
      {R"({"timestamp": 0, "input_length": 100, "output_length": 5, "hash_ids": [1]})"
       "\n" +
           ok,
       "t.jsonl:2: has no `hash_ids` but line 1 has"},
      {ok + "\n" + R"({"timestamp": 0, "input_length": 100, "output_length": 5, "hash_ids": [1]})",
       "t.jsonl:2: has `hash_ids` but line 1 has not"},
      {ok + "\nnot json\n", "t.jsonl:2: not valid JSON"},
      {"[]\n", "t.jsonl:1: expected a JSON object"},
      {"\n\n", "the dataset is empty"},
  };
  for (const Case& c : cases) {
    const std::string path = WriteFile("t.jsonl", c.content);
    Result<std::shared_ptr<const Dataset>> loaded = LoadTraceText("trace:" + path);
    ASSERT_FALSE(loaded.ok()) << c.content;
    EXPECT_THAT(loaded.status().message(), HasSubstr(c.expected)) << c.content;
  }
}

}  // namespace
}  // namespace inferbench::workload
