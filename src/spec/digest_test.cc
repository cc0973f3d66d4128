#include "spec/digest.h"

#include <gtest/gtest.h>

#include "core/canonical_json.h"
#include "core/prng.h"
#include "core/sha256.h"
#include "spec/parse.h"
#include "spec/test_specs.h"

namespace inferbench::spec {
namespace {

using testing::Edit;
using testing::kValidSpec;

std::string DigestOf(const std::string& yaml) {
  ParseOutcome outcome = ParseBenchmarkRun(yaml, "spec.yaml");
  EXPECT_TRUE(outcome.ok()) << yaml
                            << (outcome.problems.empty() ? "" : outcome.problems[0].message);
  return WorkloadSpecDigest(outcome.run);
}

// Inserts lines under spec.workload (before `load:`).
std::string WithWorkload(const std::string& lines) {
  return Edit("    load:\n", lines + "    load:\n");
}

// The digest of kValidSpec.
std::string Base() {
  static const std::string digest = DigestOf(std::string(kValidSpec));
  return digest;
}

TEST(DigestTest, IsSha256HexOfTheCanonicalInput) {
  ParseOutcome outcome = ParseBenchmarkRun(kValidSpec, "spec.yaml");
  EXPECT_EQ(Base().size(), 64u);
  EXPECT_EQ(Base(), Sha256Hex(CanonicalJson(WorkloadDigestInput(outcome.run))));
  EXPECT_EQ(WorkloadDigestInput(outcome.run)["digestVersion"], 1);
}

TEST(DigestTest, PinnedInputOfVersion1) {
  // Changing what this prints changes every stored digest: bump kWorkloadDigestVersion instead.
  BenchmarkRun run;
  run.target.model = "m";
  run.workload.seeds.prompts = 1;
  run.workload.seeds.lengths = 18446744073709551615ull;
  EXPECT_EQ(
      CanonicalJson(WorkloadDigestInput(run)),
      R"({"digestVersion":1,"target":{"endpoint":"chat","extraBody":{},"model":"m"},)"
      R"("workload":{"cacheBust":"per-replicate","dataset":{"contentDigest":null,"entries":512,)"
      R"("inputTokens":{"mean":1024,"stddev":0},"outputTokens":{"mean":256,"stddev":0},)"
      R"("promptFormat":"text","type":"synthetic"},"sampling":{"ignoreEos":true,"minTokens":null,)"
      R"("seed":null,"temperature":0,"topP":null},"seeds":{"lengths":"18446744073709551615",)"
      R"("prompts":"1"},"warmup":{"requests":8}}})");
}

TEST(DigestTest, KeyOrderCommentsAndWrittenDefaultsDoNotChangeIt) {
  // Key order: target's keys swapped, measurement moved before workload.
  std::string reordered = Edit("    url: http://127.0.0.1:8000\n    model: test-model\n",
                               "    model: test-model\n    url: http://127.0.0.1:8000\n");
  EXPECT_EQ(DigestOf(reordered), Base());
  // Comments and flow vs block style.
  std::string commented = Edit("  target:\n", "  # the server\n  target:   # inline comment\n");
  EXPECT_EQ(DigestOf(commented), Base());
  // Every covered default written out, seeds included.
  std::string defaults =
      "    dataset:\n"
      "      type: synthetic\n"
      "      inputTokens: {mean: 1024, stddev: 0}\n"
      "      outputTokens: {mean: 256, stddev: 0}\n"
      "      entries: 512\n"
      "      promptFormat: text\n"
      "    seed: 42\n"
      "    seeds: {prompts: " +
      std::to_string(DeriveSeed(42, "prompts")) +
      ", lengths: " + std::to_string(DeriveSeed(42, "lengths")) +
      "}\n"
      "    sampling: {temperature: 0, ignoreEos: true}\n"
      "    cacheBust: per-replicate\n"
      "    warmup: {requests: 8}\n";
  std::string explicit_defaults = Edit(
      "    model: test-model\n", "    model: test-model\n    endpoint: chat\n    extraBody: {}\n",
      WithWorkload(defaults));
  EXPECT_EQ(DigestOf(explicit_defaults), Base());
}

TEST(DigestTest, EveryCoveredFieldChangesIt) {
  const std::vector<std::string> variants = {
      Edit("    model: test-model\n", "    model: test-model\n    endpoint: completions\n"),
      Edit("model: test-model", "model: other-model"),
      Edit("    model: test-model\n", "    model: test-model\n    extraBody: {top_k: 5}\n"),
      WithWorkload("    dataset: {inputTokens: {mean: 1000}}\n"),
      WithWorkload("    dataset: {inputTokens: {stddev: 10}}\n"),
      WithWorkload("    dataset: {outputTokens: {mean: 128}}\n"),
      WithWorkload("    dataset: {outputTokens: {stddev: 3}}\n"),
      WithWorkload("    dataset: {entries: 100}\n"),
      WithWorkload("    dataset: {promptFormat: ids}\n"),
      WithWorkload("    sampling: {temperature: 0.5}\n"),
      WithWorkload("    sampling: {topP: 0.9}\n"),
      WithWorkload("    sampling: {seed: 1}\n"),
      WithWorkload("    sampling: {ignoreEos: false}\n"),
      WithWorkload("    sampling: {minTokens: 10}\n"),
      WithWorkload("    seeds: {prompts: 1}\n"),
      WithWorkload("    seeds: {lengths: 1}\n"),
      WithWorkload("    seed: 7\n"),  // changes the derived prompt and length seeds
      WithWorkload("    cacheBust: none\n"),
      WithWorkload("    warmup: {requests: 2}\n"),
  };
  std::set<std::string> seen = {Base()};
  for (const std::string& v : variants) {
    std::string d = DigestOf(v);
    EXPECT_TRUE(seen.insert(d).second) << "digest unchanged or repeated for:\n" << v;
  }
}

TEST(DigestTest, UncoveredFieldsDoNotChangeIt) {
  const std::vector<std::string> variants = {
      Edit("url: http://127.0.0.1:8000", "url: http://10.0.0.1:9000"),
      Edit("    model: test-model\n",
           "    model: test-model\n    headers: {X-Team: a}\n    apiKeyEnv: KEY\n"
           "    metricsUrls: [http://h:9400/metrics]\n    readiness: {timeout: 10s}\n"),
      Edit("    model: test-model\n", "    model: test-model\n    sim: {profile: fixed}\n"),
      Edit("  measurement:",
           "  system:\n    hardware: {gpu: B200, gpuCount: 8}\n    engine: {version: \"0.12\"}\n"
           "  measurement:"),
      Edit("levels: [1, 4]", "levels: [1, 4, 64]"),
      Edit("levels: [1, 4]", "levels: [1, 4]\n      requestsPerLevel: 500\n      duration: 30s"),
      WithWorkload("    seeds: {schedule: 1, sampling: 2, order: 3, bootstrap: 4}\n"),
      Edit("replicates: 3", "replicates: 5\n    order: shuffled\n    maxRelativeCiHalfWidth: 0.2"),
      Edit("  constraints:", "  slo: {ttft_ms: 100}\n  constraints:"),
      Edit("value: 500", "value: 900"),
      Edit("name: test-spec", "name: renamed"),
      Edit("mode: publication", "mode: realism\n    variableUnderTest: engine.version"),
  };
  for (const std::string& v : variants) EXPECT_EQ(DigestOf(v), Base()) << v;
}

TEST(DigestTest, BenchmarkCaseIdIsDigestNewlinePoint) {
  EXPECT_EQ(BenchmarkCaseId(Base(), "concurrency=4"), Sha256Hex(Base() + "\nconcurrency=4"));
  EXPECT_NE(BenchmarkCaseId(Base(), "concurrency=4"), BenchmarkCaseId(Base(), "concurrency=16"));
  std::string other = DigestOf(Edit("model: test-model", "model: other-model"));
  EXPECT_NE(BenchmarkCaseId(Base(), "concurrency=4"), BenchmarkCaseId(other, "concurrency=4"));
}


// A dataset spec as the runner leaves it after reading the files.
BenchmarkRun Resolved(const std::string& yaml_dataset, const nlohmann::json& dataset_digest) {
  ParseOutcome outcome =
      ParseBenchmarkRun(Edit("      levels: [1, 4]\n",
                             "      levels: [1, 4]\n    dataset: " + yaml_dataset + "\n"),
                        "spec.yaml");
  EXPECT_TRUE(outcome.ok()) << (outcome.problems.empty() ? "" : outcome.problems[0].message);
  outcome.run.workload.dataset_digest = dataset_digest;
  return outcome.run;
}

TEST(DigestTest, DatasetsHashTheirContentDigestNeverThePath) {
  const nlohmann::json content = {
      {"type", "jsonl"}, {"options", nlohmann::json::object()}, {"content_digest", "sha256:aa"}};
  const std::string a = WorkloadSpecDigest(Resolved("{type: jsonl, path: a/prompts.jsonl}", content));
  const std::string b = WorkloadSpecDigest(Resolved("{type: jsonl, path: elsewhere.jsonl}", content));
  EXPECT_EQ(a, b);
  nlohmann::json other = content;
  other["content_digest"] = "sha256:bb";
  EXPECT_NE(a, WorkloadSpecDigest(Resolved("{type: jsonl, path: a/prompts.jsonl}", other)));
  EXPECT_NE(a, Base());
  const nlohmann::json input =
      WorkloadDigestInput(Resolved("{type: jsonl, path: a/prompts.jsonl}", content));
  EXPECT_EQ(input["workload"]["dataset"]["contentDigest"], content);
  EXPECT_FALSE(input.dump().find("prompts.jsonl") != std::string::npos) << input.dump();
}

TEST(DigestTest, TokenizerEntersOnlyWhenSet) {
  ParseOutcome outcome = ParseBenchmarkRun(kValidSpec, "spec.yaml");
  EXPECT_FALSE(WorkloadDigestInput(outcome.run)["workload"].contains("tokenizer"));
  outcome.run.workload.tokenizer = "tok/tokenizer.json";
  outcome.run.workload.tokenizer_digest = "sha256:cc";
  const std::string with = WorkloadSpecDigest(outcome.run);
  EXPECT_NE(with, Base());
  EXPECT_EQ(WorkloadDigestInput(outcome.run)["workload"]["tokenizer"], "sha256:cc");
  outcome.run.workload.tokenizer = "moved/tokenizer.json";
  EXPECT_EQ(WorkloadSpecDigest(outcome.run), with);
}

TEST(DigestTest, SweepAndSearchSettingsAreNotTheWorkload) {
  EXPECT_EQ(DigestOf(Edit("      levels: [1, 4]\n",
                          "      type: search\n      slo: \"ttft_ms.p99<=2000\"\n"
                          "      resolution: 0.2\n")),
            Base());
  EXPECT_EQ(DigestOf(Edit("      levels: [1, 4]\n", "      type: sweep\n      points: 7\n")),
            Base());
}

}  // namespace
}  // namespace inferbench::spec
