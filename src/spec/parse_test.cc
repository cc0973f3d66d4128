#include "spec/parse.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "core/prng.h"
#include "spec/test_specs.h"

namespace inferbench::spec {
namespace {

using testing::Edit;
using ::testing::HasSubstr;
using testing::kValidSpec;
using testing::LineContaining;

TEST(ParseTest, FillsDefaultsAndRecordsDeclaredPaths) {
  ParseOutcome outcome = ParseBenchmarkRun(kValidSpec, "spec.yaml");
  ASSERT_TRUE(outcome.ok());
  ASSERT_TRUE(outcome.document_read);
  const BenchmarkRun& run = outcome.run;
  EXPECT_EQ(run.source, "spec.yaml");
  EXPECT_EQ(run.metadata.name, "test-spec");
  EXPECT_EQ(run.intent.mode, Mode::kPublication);
  EXPECT_EQ(run.intent.kpis, (std::vector<std::string>{"output_throughput_tok_s", "ttft_ms.p50"}));
  EXPECT_EQ(run.target.url, "http://127.0.0.1:8000");
  EXPECT_EQ(run.target.endpoint, "chat");
  EXPECT_FALSE(run.target.sim.has_value());
  EXPECT_EQ(run.target.readiness.timeout_ns, 120'000'000'000);
  EXPECT_EQ(run.workload.load.levels, (std::vector<double>{1, 4}));
  EXPECT_EQ(run.workload.load.requests_per_level, "max(64, 4x)");
  EXPECT_EQ(run.workload.warmup.requests, 8);
  EXPECT_EQ(run.measurement.replicates, 3);
  EXPECT_EQ(run.measurement.max_replicates, 3);
  EXPECT_EQ(run.measurement.outlier_policy.method, "mad");
  ASSERT_EQ(run.constraints.size(), 1u);
  EXPECT_EQ(run.constraints[0].op, "<=");
  EXPECT_DOUBLE_EQ(run.constraints[0].tolerance, 0.1);
  EXPECT_EQ(run.constraints[0].at, "concurrency=4");
  EXPECT_EQ(run.constraints[0].line, LineContaining(kValidSpec, "- {metric"));

  EXPECT_TRUE(run.declared.contains("spec.measurement.confidenceLevel"));
  EXPECT_TRUE(run.declared.contains("spec.measurement.outlierPolicy.method"));
  EXPECT_FALSE(run.declared.contains("spec.measurement.outlierPolicy.threshold"));
  EXPECT_FALSE(run.declared.contains("spec.measurement.order"));
  EXPECT_EQ(run.lines.at("spec.measurement.replicates"), LineContaining(kValidSpec, "replicates"));
  EXPECT_EQ(run.lines.at("spec.workload.load.levels[1]"), LineContaining(kValidSpec, "levels"));
}

TEST(ParseTest, UnsetSeedsDeriveFromTheBaseSeed) {
  ParseOutcome outcome = ParseBenchmarkRun(
      Edit("    load:\n", "    seed: 7\n    seeds: {order: 99}\n    load:\n"), "spec.yaml");
  ASSERT_TRUE(outcome.ok());
  const Seeds& s = outcome.run.workload.seeds;
  EXPECT_EQ(s.prompts, DeriveSeed(7, "prompts"));
  EXPECT_EQ(s.lengths, DeriveSeed(7, "lengths"));
  EXPECT_EQ(s.schedule, DeriveSeed(7, "schedule"));
  EXPECT_EQ(s.sampling, DeriveSeed(7, "sampling"));
  EXPECT_EQ(s.order, 99u);
  EXPECT_EQ(s.bootstrap, DeriveSeed(7, "bootstrap"));

  ParseOutcome defaults = ParseBenchmarkRun(kValidSpec, "spec.yaml");
  EXPECT_EQ(defaults.run.workload.seeds.prompts, DeriveSeed(42, "prompts"));
}

TEST(ParseTest, MaxReplicatesDefaultsToReplicates) {
  ParseOutcome outcome = ParseBenchmarkRun(Edit("replicates: 3", "replicates: 5"), "spec.yaml");
  EXPECT_EQ(outcome.run.measurement.max_replicates, 5);
  outcome =
      ParseBenchmarkRun(Edit("replicates: 3", "replicates: 3\n    maxReplicates: 8"), "spec.yaml");
  EXPECT_EQ(outcome.run.measurement.max_replicates, 8);
}

TEST(ParseTest, DurationsAndNumbers) {
  std::string text = Edit(
      "      levels: [1, 4]",
      "      levels: [1, 4]\n      duration: 1m30s\n      rampUp: 500ms\n      requestTimeout: 2m");
  text =
      Edit("  measurement:",
           "  system:\n    model: {params: 8.03e9, kvBytesPerToken: 131072}\n  measurement:", text);
  ParseOutcome outcome = ParseBenchmarkRun(text, "spec.yaml");
  ASSERT_TRUE(outcome.ok()) << outcome.problems[0].message;
  EXPECT_EQ(outcome.run.workload.load.duration_ns, 90'000'000'000);
  EXPECT_EQ(outcome.run.workload.load.ramp_up_ns, 500'000'000);
  EXPECT_EQ(outcome.run.workload.load.request_timeout_ns, 120'000'000'000);
  EXPECT_DOUBLE_EQ(*outcome.run.system.model.params, 8.03e9);
  EXPECT_DOUBLE_EQ(*outcome.run.system.model.kv_bytes_per_token, 131072);
}

TEST(ParseTest, FreeFormMapsAndExtraBody) {
  std::string text = Edit(
      "    model: test-model\n",
      "    model: test-model\n"
      "    headers: {X-Team: serving, Authorization: \"Bearer ${TOKEN}\"}\n"
      "    extraBody: {top_k: 5, chat_template_kwargs: {enable_thinking: false}, stop: [\"a\"]}\n");
  ParseOutcome outcome = ParseBenchmarkRun(text, "spec.yaml");
  ASSERT_TRUE(outcome.ok()) << outcome.problems[0].message;
  EXPECT_EQ(outcome.run.target.headers.at("Authorization"), "Bearer ${TOKEN}");
  EXPECT_EQ(
      outcome.run.target.extra_body,
      nlohmann::json::parse(
          R"({"top_k": 5, "chat_template_kwargs": {"enable_thinking": false}, "stop": ["a"]})"));
}

TEST(ParseTest, YamlSyntaxErrorHasItsLine) {
  std::string text = Edit("    model: test-model\n", "    model: [unclosed\n");
  ParseOutcome outcome = ParseBenchmarkRun(text, "spec.yaml");
  ASSERT_FALSE(outcome.ok());
  EXPECT_FALSE(outcome.document_read);
  ASSERT_EQ(outcome.problems.size(), 1u);
  EXPECT_THAT(outcome.problems[0].message, HasSubstr("YAML syntax"));
  EXPECT_GE(outcome.problems[0].line, LineContaining(text, "unclosed"));
}

TEST(ParseTest, EmptyAndMultiDocumentFilesAreRejected) {
  EXPECT_THAT(ParseBenchmarkRun("", "a.yaml").problems.at(0).message, HasSubstr("empty"));
  EXPECT_THAT(ParseBenchmarkRun("# only a comment\n", "a.yaml").problems.at(0).message,
              HasSubstr("empty"));
  ParseOutcome two =
      ParseBenchmarkRun(std::string(kValidSpec) + "---\n" + std::string(kValidSpec), "a.yaml");
  ASSERT_FALSE(two.ok());
  EXPECT_THAT(two.problems.at(0).message, HasSubstr("2 YAML documents"));
  ParseOutcome list = ParseBenchmarkRun("- a\n- b\n", "a.yaml");
  ASSERT_FALSE(list.ok());
  EXPECT_THAT(list.problems.at(0).message, HasSubstr("expected a BenchmarkRun mapping"));
}

TEST(ParseTest, MissingTopLevelKeysAreEachReported) {
  ParseOutcome outcome = ParseBenchmarkRun("kind: BenchmarkRun\n", "a.yaml");
  std::vector<std::string> paths;
  for (const Problem& p : outcome.problems) paths.push_back(p.path);
  EXPECT_EQ(paths, (std::vector<std::string>{"apiVersion", "metadata", "spec"}));
}

TEST(ParseTest, UnreadableFileNamesIt) {
  ParseOutcome outcome = LoadBenchmarkRun("/nonexistent/dir/spec.yaml");
  ASSERT_FALSE(outcome.ok());
  EXPECT_FALSE(outcome.document_read);
  EXPECT_THAT(outcome.problems.at(0).message, HasSubstr("/nonexistent/dir/spec.yaml"));
}

class ConstraintsFileTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& text) {
    path_ =
        (std::filesystem::temp_directory_path() /
         ("spec_constraints_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
          "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".yaml"))
            .string();
    std::ofstream(path_) << text;
    return path_;
  }
  void TearDown() override {
    if (!path_.empty()) std::remove(path_.c_str());
  }
  std::string path_;
};

TEST_F(ConstraintsFileTest, TopLevelList) {
  Result<std::vector<Constraint>> c = ParseConstraintsFile(Write(
      "- {metric: output_throughput_tok_s, op: \">=\", value: 100, at: \"concurrency=16\"}\n"
      "- metric: ttft_ms.p99\n  op: \"<=\"\n  value: 2000\n  tolerance: 0.1\n  strict: true\n"));
  ASSERT_TRUE(c.ok()) << c.status().message();
  ASSERT_EQ(c->size(), 2u);
  EXPECT_EQ((*c)[0].at, "concurrency=16");
  EXPECT_EQ((*c)[0].line, 1);
  EXPECT_TRUE((*c)[1].strict);
  EXPECT_EQ((*c)[1].line, 2);
  EXPECT_FALSE((*c)[1].at.has_value());
}

TEST_F(ConstraintsFileTest, MappingWithConstraintsKey) {
  Result<std::vector<Constraint>> c = ParseConstraintsFile(
      Write("constraints:\n  - {metric: error_rate, op: \"<=\", value: 0.01}\n"));
  ASSERT_TRUE(c.ok()) << c.status().message();
  ASSERT_EQ(c->size(), 1u);
  EXPECT_EQ((*c)[0].metric, "error_rate");
}

TEST_F(ConstraintsFileTest, EveryProblemIsListedWithFileLineAndPath) {
  const std::string path = Write(
      "constraints:\n"
      "  - {metric: ttft_ms.p99, op: \"=<\", value: 2000}\n"
      "  - {metric: ttft_ms.p99, op: \"<=\", value: 2000, tolerance: 2}\n"
      "  - {metric: ttft_ms, op: \"<=\", value: 2000, at: \"foo\", colour: red}\n");
  Result<std::vector<Constraint>> c = ParseConstraintsFile(path);
  ASSERT_FALSE(c.ok());
  const std::string m = c.status().message();
  EXPECT_THAT(m, HasSubstr(path + ":2: error: constraints[0].op: \"=<\" is not one of >=, <="));
  EXPECT_THAT(m, HasSubstr(path + ":3: error: constraints[1].tolerance: must be [0, 1)"));
  EXPECT_THAT(m, HasSubstr(path + ":4: error: constraints[2].colour: unknown key"));
  EXPECT_THAT(m, HasSubstr(path + ":4: error: constraints[2].metric:"));
  EXPECT_THAT(m, HasSubstr(path + ":4: error: constraints[2].at:"));
}

TEST_F(ConstraintsFileTest, NotAListOrMissing) {
  EXPECT_FALSE(ParseConstraintsFile(Write("foo: 1\n")).ok());
  EXPECT_FALSE(ParseConstraintsFile(Write("constraints: 5\n")).ok());
  Result<std::vector<Constraint>> missing = ParseConstraintsFile("/nonexistent/c.yaml");
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr("/nonexistent/c.yaml"));
}


TEST(ParseTest, ScalarLengthsAreTheMean) {
  ParseOutcome outcome = ParseBenchmarkRun(
      Edit("      levels: [1, 4]\n",
           "      levels: [1, 4]\n    dataset: {inputTokens: 64, outputTokens: 16}\n"),
      "spec.yaml");
  ASSERT_TRUE(outcome.ok()) << outcome.problems[0].message;
  EXPECT_EQ(outcome.run.workload.dataset.input_tokens.mean, 64);
  EXPECT_EQ(outcome.run.workload.dataset.output_tokens.mean, 16);
  EXPECT_EQ(outcome.run.workload.dataset.output_tokens.stddev, 0);
  EXPECT_TRUE(outcome.run.declared.contains("spec.workload.dataset.outputTokens.mean"));
}

TEST(ParseTest, DatasetKeysAndTheSearchSloMapForm) {
  const std::string text = Edit(
      "    load:\n      levels: [1, 4]\n",
      "    dataset: {type: shared-prefix, groups: 4, promptsPerGroup: 8, prefixTokens: 256,\n"
      "              suffixTokens: 32, outputTokens: 32, allowRepeat: true}\n"
      "    tokenizer: tok/tokenizer.json\n"
      "    load:\n      type: search\n      slo: {ttft_ms.p99: 2000, tpot_ms.p99: 100}\n");
  ParseOutcome outcome = ParseBenchmarkRun(text, "spec.yaml");
  ASSERT_TRUE(outcome.ok()) << outcome.problems[0].message;
  const Dataset& d = outcome.run.workload.dataset;
  EXPECT_EQ(d.type, "shared-prefix");
  EXPECT_EQ(d.groups, 4);
  EXPECT_EQ(d.prompts_per_group, 8);
  EXPECT_EQ(d.prefix_tokens, 256);
  EXPECT_EQ(d.suffix_tokens, 32);
  EXPECT_TRUE(d.output_tokens_set);
  EXPECT_EQ(d.output_tokens.mean, 32);
  EXPECT_EQ(d.allow_repeat, true);
  EXPECT_EQ(outcome.run.workload.tokenizer, "tok/tokenizer.json");
  EXPECT_EQ(outcome.run.workload.load.slo, "tpot_ms.p99<=100,ttft_ms.p99<=2000");

  // The effective spec reads back the same.
  ParseOutcome again = ParseBenchmarkRun(EffectiveSpecYaml(outcome.run), "b.yaml");
  ASSERT_TRUE(again.ok()) << again.problems[0].message << EffectiveSpecYaml(outcome.run);
  EXPECT_EQ(ToJson(again.run), ToJson(outcome.run)) << EffectiveSpecYaml(outcome.run);
}

TEST(ParseTest, TraceAndConversationSpecsRoundTrip) {
  for (const char* shape :
       {"    dataset: {type: trace, path: t.jsonl, speedup: 2, limit: 50}\n"
        "    load: {type: trace, requests: 20, maxInflight: 8}\n",
        "    dataset: {type: conversations, path: c.jsonl, history: response, sessions: 4}\n"
        "    load: {type: sessions}\n",
        "    load: {type: sweep, points: 6, requestsPerLevel: \"40\", arrival: constant}\n"}) {
    ParseOutcome outcome =
        ParseBenchmarkRun(Edit("    load:\n      levels: [1, 4]\n", shape), "spec.yaml");
    ASSERT_TRUE(outcome.ok()) << shape << outcome.problems[0].message;
    const std::string yaml = EffectiveSpecYaml(outcome.run);
    ParseOutcome again = ParseBenchmarkRun(yaml, "b.yaml");
    ASSERT_TRUE(again.ok()) << again.problems[0].message << yaml;
    EXPECT_EQ(ToJson(again.run), ToJson(outcome.run)) << yaml;
  }
}

}  // namespace
}  // namespace inferbench::spec
