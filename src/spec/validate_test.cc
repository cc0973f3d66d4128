#include "spec/validate.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "spec/test_specs.h"

namespace inferbench::spec {
namespace {

using testing::Edit;
using ::testing::HasSubstr;
using testing::kValidSpec;
using testing::LineContaining;

std::string Dump(const std::vector<Problem>& problems) {
  std::string out;
  for (const Problem& p : problems) out += FormatProblem(p, "spec.yaml") + "\n";
  return out;
}

TEST(ValidateTest, BaseSpecHasNoProblemAtAll) {
  ParseOutcome outcome = ParseAndValidateBenchmarkRun(kValidSpec, "spec.yaml");
  EXPECT_TRUE(outcome.problems.empty()) << Dump(outcome.problems);
  EXPECT_TRUE(outcome.ok());
}

struct BadSpec {
  const char* name;
  const char* from;  // edit applied to kValidSpec
  const char* to;
  const char* path;     // the problem's YAML path
  const char* message;  // a substring of its message
  const char* line_of;  // the problem is on the first line containing this (in the edited text)
};

// Every rule broken once: each yields an error naming the YAML path and line.
const BadSpec kBadSpecs[] = {
    {"typo_with_suggestion", "replicates: 3", "replicats: 3", "spec.measurement.replicats",
     "did you mean \"replicates\"", "replicats"},
    {"key_in_wrong_place", "      levels: [1, 4]", "      levels: [1, 4]\n      replicates: 3",
     "spec.workload.load.replicates", "belongs at spec.measurement.replicates", "      replicates"},
    {"unknown_key", "      levels: [1, 4]", "      levels: [1, 4]\n      frobnicate: 1",
     "spec.workload.load.frobnicate", "known keys here: type, levels", "frobnicate"},
    {"not_an_integer", "replicates: 3", "replicates: three", "spec.measurement.replicates",
     "expected an integer, got \"three\"", "replicates"},
    {"quoted_integer", "replicates: 3", "replicates: \"3\"", "spec.measurement.replicates",
     "quoted string \"3\"", "replicates"},
    {"fraction_for_integer", "replicates: 3", "replicates: 3.5", "spec.measurement.replicates",
     "expected an integer", "replicates"},
    {"scalar_for_list", "levels: [1, 4]", "levels: 4", "spec.workload.load.levels",
     "expected a list", "levels"},
    {"mapping_for_scalar", "model: test-model", "model: {name: x}", "spec.target.model",
     "expected a string, got a mapping", "model:"},
    {"not_a_bool", "  measurement:", "    sampling: {ignoreEos: yes}\n  measurement:",
     "spec.workload.sampling.ignoreEos", "true or false", "ignoreEos"},
    {"negative_level", "levels: [1, 4]", "levels: [1, -4]", "spec.workload.load.levels[1]",
     "must be > 0", "levels"},
    {"fractional_concurrency", "levels: [1, 4]", "levels: [1, 2.5]", "spec.workload.load.levels[1]",
     "whole numbers", "levels"},
    {"duplicate_level", "levels: [1, 4]", "levels: [4, 4]", "spec.workload.load.levels[1]",
     "listed twice", "levels"},
    {"no_levels", "levels: [1, 4]", "levels: []", "spec.workload.load.levels", "at least 1 item",
     "levels"},
    {"missing_levels", "      levels: [1, 4]\n", "      type: concurrency\n",
     "spec.workload.load.levels", "required key is missing", "    load:"},
    {"bad_operator", "op: \"<=\"", "op: \"=>\"", "spec.constraints[0].op",
     "not one of >=, <=", "op:"},
    {"tolerance_too_large", "tolerance: 0.1", "tolerance: 1.5", "spec.constraints[0].tolerance",
     "must be [0, 1), got 1.5", "tolerance"},
    {"negative_tolerance", "tolerance: 0.1", "tolerance: -0.1", "spec.constraints[0].tolerance",
     "must be [0, 1)", "tolerance"},
    {"constraint_without_op", "op: \"<=\", ", "", "spec.constraints[0].op",
     "required key is missing", "metric: ttft_ms.p50"},
    {"unknown_metric", "metric: ttft_ms.p50", "metric: ttft_msec.p50", "spec.constraints[0].metric",
     "ttft_ms", "metric:"},
    {"bad_point", "at: \"concurrency=4\"", "at: \"conc=4\"", "spec.constraints[0].at", "conc=4",
     "at:"},
    {"point_of_other_kind", "at: \"concurrency=4\"", "at: \"rate=4\"", "spec.constraints[0].at",
     "is a rate point but spec.workload.load.type concurrency measures concurrency points", "at:"},
    {"publication_two_replicates", "replicates: 3", "replicates: 2", "spec.measurement.replicates",
     "publication needs at least 3", "replicates"},
    {"publication_no_outlier_policy", "    outlierPolicy: {method: mad}\n", "",
     "spec.measurement.outlierPolicy", "outlierPolicy.method", "  measurement:"},
    {"publication_outlier_policy_without_method", "outlierPolicy: {method: mad}",
     "outlierPolicy: {action: flag}", "spec.measurement.outlierPolicy", "not declared",
     "outlierPolicy"},
    {"publication_no_confidence_level", "    confidenceLevel: 0.95\n", "",
     "spec.measurement.confidenceLevel", "not declared", "  measurement:"},
    {"publication_mutable_image", "  measurement:",
     "  system:\n    engine: {name: vllm, image: \"vllm/vllm-openai:v0.11.0\"}\n  measurement:",
     "spec.system.engine.image", "mutable reference; pin it by digest", "image"},
    {"publication_short_digest", "  measurement:",
     "  system:\n    engine: {image: \"vllm/vllm-openai@sha256:abc123\"}\n  measurement:",
     "spec.system.engine.image", "pin it by digest", "image"},
    {"publication_random_sampling", "  measurement:",
     "    sampling: {temperature: 0.7}\n  measurement:", "spec.workload.sampling.temperature",
     "without a sampling seed", "temperature"},
    {"publication_free_output_length", "  measurement:",
     "    sampling: {ignoreEos: false}\n  measurement:", "spec.workload.sampling.ignoreEos",
     "not enforced", "ignoreEos"},
    {"publication_no_kpis", "kpis: [output_throughput_tok_s, ttft_ms.p50]", "kpis: []",
     "spec.intent.kpis", "no KPIs", "kpis"},
    {"publication_low_n_kpi", "kpis: [output_throughput_tok_s, ttft_ms.p50]",
     "kpis: [output_throughput_tok_s, ttft_ms.p99]", "spec.intent.kpis[1]",
     "ttft_ms.p99 would be low_n at concurrency=1 (64 requests), concurrency=4 (64 requests): p99 "
     "needs at least "
     "500 requests",
     "kpis"},
    {"bad_kpi", "ttft_ms.p50]", "ttft_ms]", "spec.intent.kpis[1]", "ttft_ms", "kpis"},
    {"missing_target_url", "    url: http://127.0.0.1:8000\n", "", "spec.target.url", "required",
     "  target:"},
    {"url_without_scheme", "url: http://127.0.0.1:8000", "url: 127.0.0.1:8000", "spec.target.url",
     "http://", "url:"},
    {"missing_model", "    model: test-model\n", "", "spec.target.model", "required key is missing",
     "  target:"},
    {"bad_duration", "    model: test-model\n",
     "    model: test-model\n    readiness: {timeout: 30 seconds}\n",
     "spec.target.readiness.timeout", "30 seconds", "readiness"},
    {"zero_duration", "    model: test-model\n",
     "    model: test-model\n    readiness: {window: 0s}\n", "spec.target.readiness.window",
     "must be > 0s", "readiness"},
    {"bad_requests_expression", "      levels: [1, 4]",
     "      levels: [1, 4]\n      requestsPerLevel: max(64 4x)",
     "spec.workload.load.requestsPerLevel", "expected ',' or ')'", "requestsPerLevel"},
    {"requests_expression_below_one", "      levels: [1, 4]",
     "      levels: [1, 4]\n      requestsPerLevel: 0x", "spec.workload.load.requestsPerLevel",
     "at least 1", "requestsPerLevel"},
    {"endpoint_typo", "    model: test-model\n", "    model: test-model\n    endpoint: chatt\n",
     "spec.target.endpoint", "did you mean chat?", "endpoint"},
    {"wrong_api_version", "apiVersion: inferbench.dev/v1alpha1", "apiVersion: inferbench.dev/v2",
     "apiVersion", "not one of inferbench.dev/v1alpha1", "apiVersion"},
    {"arrival_with_concurrency", "      levels: [1, 4]",
     "      levels: [1, 4]\n      arrival: constant", "spec.workload.load.arrival", "open-loop load only",
     "arrival"},
    {"confidence_level_one", "confidenceLevel: 0.95", "confidenceLevel: 1",
     "spec.measurement.confidenceLevel", "must be (0, 1)", "confidenceLevel"},
    {"zero_outlier_threshold", "outlierPolicy: {method: mad}",
     "outlierPolicy: {method: mad, threshold: 0}", "spec.measurement.outlierPolicy.threshold",
     "must be > 0", "outlierPolicy"},
    {"max_replicates_below_replicates", "replicates: 3", "replicates: 3\n    maxReplicates: 2",
     "spec.measurement.maxReplicates", "must be >= replicates", "maxReplicates"},
    {"slo_typo", "  constraints:", "  slo: {ttft: 100}\n  constraints:", "spec.slo.ttft",
     "did you mean \"ttft_ms\"", "slo"},
    {"slo_not_positive", "  constraints:", "  slo: {tpot_ms: 0}\n  constraints:",
     "spec.slo.tpot_ms", "must be > 0", "slo"},
    {"ids_with_chat", "      levels: [1, 4]",
     "      levels: [1, 4]\n    dataset: {promptFormat: ids}", "spec.workload.dataset.promptFormat",
     "endpoint: completions", "promptFormat"},
    {"negative_seed", "      levels: [1, 4]", "      levels: [1, 4]\n    seed: -1",
     "spec.workload.seed", "non-negative integer", "seed"},
    {"duplicate_key", "    model: test-model\n", "    model: test-model\n    model: other\n",
     "spec.target.model", "duplicate key", "model: other"},
    {"sign_without_key", "  constraints:", "  provenance: {sign: true}\n  constraints:",
     "spec.provenance.keyFile", "required when provenance.sign", "provenance"},
    {"empty_name", "name: test-spec", "name: \"\"", "metadata.name", "required", "name:"},
};

class BadSpecTest : public ::testing::TestWithParam<BadSpec> {};

TEST_P(BadSpecTest, ErrorNamesPathAndLine) {
  const BadSpec& c = GetParam();
  const std::string text = Edit(c.from, c.to);
  ASSERT_EQ(text.find("EDIT TARGET NOT FOUND"), std::string::npos) << c.from;
  ParseOutcome outcome = ParseAndValidateBenchmarkRun(text, "spec.yaml");
  EXPECT_FALSE(outcome.ok());
  const int line = LineContaining(text, c.line_of);
  ASSERT_GT(line, 0) << c.line_of;
  bool found = false;
  for (const Problem& p : outcome.problems) {
    if (p.path == c.path && !p.warning && p.message.find(c.message) != std::string::npos) {
      found = true;
      EXPECT_EQ(p.line, line) << FormatProblem(p, "spec.yaml");
    }
  }
  EXPECT_TRUE(found) << "expected an error at " << c.path << " containing \"" << c.message
                     << "\"; got:\n"
                     << Dump(outcome.problems);
  // Exactly one error per broken rule: the same mistake is never reported twice.
  size_t errors = 0;
  for (const Problem& p : outcome.problems) errors += !p.warning;
  EXPECT_EQ(errors, 1u) << Dump(outcome.problems);
}

INSTANTIATE_TEST_SUITE_P(Rules, BadSpecTest, ::testing::ValuesIn(kBadSpecs),
                         [](const ::testing::TestParamInfo<BadSpec>& info) {
                           return std::string(info.param.name);
                         });

TEST(ValidateTest, EveryProblemOfOneDocumentIsReported) {
  std::string text = Edit("replicates: 3", "replicates: 2");
  text = Edit("levels: [1, 4]", "levels: [1, -4]\n      requestsPerLevel: max(64, 4y)", text);
  text = Edit("op: \"<=\"", "op: \"==\"", text);
  text = Edit("    model: test-model\n", "    model: test-model\n    endpont: chat\n", text);
  text = Edit("name: test-spec", "name: test-spec\n  labels: [a]", text);
  ParseOutcome outcome = ParseAndValidateBenchmarkRun(text, "spec.yaml");
  std::set<std::string> paths;
  for (const Problem& p : outcome.problems) {
    if (!p.warning) paths.insert(p.path);
  }
  EXPECT_EQ(paths, (std::set<std::string>{"metadata.labels", "spec.target.endpont",
                                          "spec.workload.load.levels[1]",
                                          "spec.workload.load.requestsPerLevel",
                                          "spec.measurement.replicates", "spec.constraints[0].op"}))
      << Dump(outcome.problems);
  // In document order.
  for (size_t i = 1; i < outcome.problems.size(); ++i) {
    EXPECT_LE(outcome.problems[i - 1].line, outcome.problems[i].line);
  }
}

TEST(ValidateTest, RealismModeTurnsPublicationRulesIntoLabelledWarnings) {
  std::string text = Edit("mode: publication", "mode: realism");
  text = Edit("replicates: 3", "replicates: 2", text);
  text = Edit("    outlierPolicy: {method: mad}\n", "", text);
  text = Edit("ttft_ms.p50]", "ttft_ms.p99]", text);
  ParseOutcome outcome = ParseAndValidateBenchmarkRun(text, "spec.yaml");
  EXPECT_TRUE(outcome.ok()) << Dump(outcome.problems);
  ASSERT_EQ(CountWarnings(outcome.problems), 3u) << Dump(outcome.problems);
  for (const Problem& p : outcome.problems) {
    EXPECT_TRUE(p.warning);
    EXPECT_THAT(p.message, HasSubstr("an error in publication mode"));
  }
}

TEST(ValidateTest, ModeDefaultsToRealism) {
  ParseOutcome outcome =
      ParseAndValidateBenchmarkRun(Edit("    mode: publication\n", ""), "spec.yaml");
  EXPECT_EQ(outcome.run.intent.mode, Mode::kRealism);
  EXPECT_TRUE(outcome.ok()) << Dump(outcome.problems);
}

TEST(ValidateTest, RateLoadArrival) {
  std::string text = Edit("      levels: [1, 4]",
                          "      type: rate\n      levels: [1, 2.5]\n      arrival: gamma:-1");
  text = Edit("at: \"concurrency=4\"", "at: \"rate=2.5\"", text);
  ParseOutcome outcome = ParseAndValidateBenchmarkRun(text, "spec.yaml");
  ASSERT_EQ(outcome.problems.size(), 1u) << Dump(outcome.problems);
  EXPECT_EQ(outcome.problems[0].path, "spec.workload.load.arrival");
  EXPECT_EQ(outcome.problems[0].line, LineContaining(text, "arrival"));
  EXPECT_THAT(outcome.problems[0].message, HasSubstr("gamma:K with a shape K > 0"));

  outcome = ParseAndValidateBenchmarkRun(Edit("gamma:-1", "gamma:0.5", text), "spec.yaml");
  EXPECT_TRUE(outcome.problems.empty()) << Dump(outcome.problems);
  EXPECT_EQ(outcome.run.workload.load.arrival, "gamma:0.5");
}

TEST(ValidateTest, ConstraintAtAnUndeclaredLevelIsAWarning) {
  ParseOutcome outcome = ParseAndValidateBenchmarkRun(
      Edit("at: \"concurrency=4\"", "at: \"concurrency=64\""), "spec.yaml");
  EXPECT_TRUE(outcome.ok()) << Dump(outcome.problems);
  ASSERT_EQ(outcome.problems.size(), 1u);
  EXPECT_TRUE(outcome.problems[0].warning);
  EXPECT_EQ(outcome.problems[0].path, "spec.constraints[0].at");
  EXPECT_THAT(outcome.problems[0].message, HasSubstr("gate will skip"));
}

TEST(ValidateTest, SimTargetMayOmitUrl) {
  std::string text = Edit("    url: http://127.0.0.1:8000\n",
                          "    sim: {profile: h100-llama3-8b, args: {time-scale: 0.2}}\n");
  ParseOutcome outcome = ParseAndValidateBenchmarkRun(text, "spec.yaml");
  EXPECT_TRUE(outcome.problems.empty()) << Dump(outcome.problems);
  ASSERT_TRUE(outcome.run.target.sim.has_value());
  EXPECT_EQ(outcome.run.target.sim->args.at("time-scale"), "0.2");
}

TEST(ValidateTest, PinnedImageAndSeededSamplingPassPublication) {
  std::string text =
      Edit("  measurement:",
           "    sampling: {temperature: 0.8, seed: 7, ignoreEos: false, minTokens: 128}\n"
           "  system:\n    engine: {image: \"vllm/vllm-openai@sha256:" +
               std::string(64, 'a') + "\"}\n  measurement:");
  ParseOutcome outcome = ParseAndValidateBenchmarkRun(text, "spec.yaml");
  EXPECT_TRUE(outcome.problems.empty()) << Dump(outcome.problems);
}

TEST(ValidateTest, LowNUsesTheRequestsOfEveryLevel) {
  // max(64, 4x) gives 64 at levels 1 and 4 but 512 at 128: only the low levels are named.
  std::string text = Edit("ttft_ms.p50]", "ttft_ms.p99]");
  text = Edit("levels: [1, 4]", "levels: [1, 128]", text);
  text = Edit("at: \"concurrency=4\"", "at: \"concurrency=128\"", text);
  ParseOutcome outcome = ParseAndValidateBenchmarkRun(text, "spec.yaml");
  ASSERT_EQ(outcome.problems.size(), 1u) << Dump(outcome.problems);
  EXPECT_THAT(outcome.problems[0].message, HasSubstr("at concurrency=1 (64 requests):"));
  EXPECT_THAT(outcome.problems[0].message, ::testing::Not(HasSubstr("concurrency=128")));

  outcome = ParseAndValidateBenchmarkRun(
      Edit("levels: [1, 128]", "levels: [1, 128]\n      requestsPerLevel: 500", text), "spec.yaml");
  EXPECT_TRUE(outcome.problems.empty()) << Dump(outcome.problems);
}

TEST(ValidateTest, SamplesForQuantile) {
  EXPECT_EQ(SamplesForQuantile(0.5), 10);
  EXPECT_EQ(SamplesForQuantile(0.9), 50);
  EXPECT_EQ(SamplesForQuantile(0.95), 100);
  EXPECT_EQ(SamplesForQuantile(0.99), 500);
  EXPECT_EQ(SamplesForQuantile(0.999), 5000);
}

TEST(ValidateTest, ImageDigest) {
  EXPECT_TRUE(IsImagePinnedByDigest("repo/vllm@sha256:" + std::string(64, '0')));
  EXPECT_FALSE(IsImagePinnedByDigest("repo/vllm:latest"));
  EXPECT_FALSE(IsImagePinnedByDigest("repo/vllm@sha256:" + std::string(63, '0')));
  EXPECT_FALSE(IsImagePinnedByDigest("repo/vllm@sha256:" + std::string(64, 'A')));
  EXPECT_FALSE(IsImagePinnedByDigest("@sha256:" + std::string(64, '0')));
}

TEST(ValidateTest, SpecBuiltInCodeIsCheckedToo) {
  BenchmarkRun run;
  run.metadata.name = "x";
  run.target.url = "http://h:1";
  run.target.model = "m";
  run.target.endpoint = "grpc";
  run.workload.load.levels = {0};
  run.measurement.order = "random";
  run.slo["ttft"] = 5;
  std::set<std::string> paths;
  for (const Problem& p : ValidateBenchmarkRun(run)) {
    if (!p.warning) paths.insert(p.path);
  }
  EXPECT_TRUE(paths.contains("spec.target.endpoint"));
  EXPECT_TRUE(paths.contains("spec.workload.load.levels[0]"));
  EXPECT_TRUE(paths.contains("spec.measurement.order"));
  EXPECT_TRUE(paths.contains("spec.slo.ttft"));
}

TEST(ValidateTest, PublicationRuleOutcomesForExplain) {
  ParseOutcome outcome = ParseBenchmarkRun(kValidSpec, "spec.yaml");
  std::vector<RuleOutcome> rules = EvaluatePublicationRules(outcome.run);
  ASSERT_FALSE(rules.empty());
  for (const RuleOutcome& r : rules) EXPECT_TRUE(r.passed) << r.id << ": " << r.detail;
}


// Datasets and the load types of issue 5: a realism-mode base without constraints, so each edit
// breaks exactly one rule.
constexpr std::string_view kWorkloadSpec = R"(apiVersion: inferbench.dev/v1alpha1
kind: BenchmarkRun
metadata:
  name: workload-spec
spec:
  target:
    url: http://127.0.0.1:8000
    model: test-model
  workload:
    dataset: {type: jsonl, path: prompts.jsonl}
    load:
      type: concurrency
      levels: [1, 4]
)";

TEST(ValidateTest, WorkloadBaseSpecHasNoError) {
  ParseOutcome outcome = ParseAndValidateBenchmarkRun(kWorkloadSpec, "spec.yaml");
  EXPECT_TRUE(outcome.ok()) << Dump(outcome.problems);
}

const BadSpec kBadWorkloadSpecs[] = {
    {"unknown_dataset_key", "path: prompts.jsonl", "path: prompts.jsonl, speedupp: 2",
     "spec.workload.dataset.speedupp", "did you mean \"speedup\"", "dataset:"},
    {"unknown_dataset_type", "type: jsonl", "type: jsonlines", "spec.workload.dataset.type",
     "is not one of synthetic, jsonl", "dataset:"},
    {"file_kind_without_path", "type: jsonl, path: prompts.jsonl", "type: jsonl",
     "spec.workload.dataset.path", "required for dataset.type jsonl", "dataset:"},
    {"speedup_on_jsonl", "path: prompts.jsonl", "path: prompts.jsonl, speedup: 2",
     "spec.workload.dataset.speedup", "applies to dataset.type trace only", "dataset:"},
    {"groups_on_synthetic", "{type: jsonl, path: prompts.jsonl}", "{type: synthetic, groups: 2}",
     "spec.workload.dataset.groups", "does not apply to dataset.type synthetic", "dataset:"},
    {"input_tokens_on_jsonl", "path: prompts.jsonl", "path: prompts.jsonl, inputTokens: {mean: 5}",
     "spec.workload.dataset.inputTokens", "applies to dataset.type synthetic only", "dataset:"},
    {"path_on_shared_prefix", "{type: jsonl, path: prompts.jsonl}",
     "{type: shared-prefix, path: x, groups: 2, promptsPerGroup: 2, prefixTokens: 8, "
     "suffixTokens: 8, outputTokens: 8}",
     "spec.workload.dataset.path",
     "remove path", "dataset:"},
    {"shared_prefix_missing_groups", "{type: jsonl, path: prompts.jsonl}",
     "{type: shared-prefix, promptsPerGroup: 2, prefixTokens: 8, suffixTokens: 8, "
     "outputTokens: 8}",
     "spec.workload.dataset.groups", "required for dataset.type shared-prefix", "dataset:"},
    {"output_stddev_on_dataset", "path: prompts.jsonl",
     "path: prompts.jsonl, outputTokens: {mean: 8, stddev: 2}",
     "spec.workload.dataset.outputTokens.stddev", "remove stddev", "dataset:"},
    {"history_without_multi_turn", "{type: jsonl, path: prompts.jsonl}",
     "{type: sharegpt, path: s.json, history: response}", "spec.workload.dataset.history",
     "multiTurn: true", "dataset:"},
    {"trace_load_with_jsonl", "      type: concurrency\n      levels: [1, 4]\n", "      type: trace\n",
     "spec.workload.load.type", "trace replays a trace dataset", "type: trace"},
    {"sessions_load_with_jsonl", "      type: concurrency\n      levels: [1, 4]\n",
     "      type: sessions\n", "spec.workload.load.type", "sessions runs multi-turn",
     "type: sessions"},
    {"conversations_with_concurrency", "{type: jsonl, path: prompts.jsonl}",
     "{type: conversations, path: c.jsonl}", "spec.workload.load.type",
     "set load.type: sessions", "type: concurrency"},
    {"levels_with_trace", "{type: jsonl, path: prompts.jsonl}\n    load:\n      type: concurrency",
     "{type: trace, path: t.jsonl}\n    load:\n      type: trace", "spec.workload.load.levels",
     "applies to load.type concurrency, rate and sessions", "levels"},
    {"requests_per_level_with_trace",
     "{type: jsonl, path: prompts.jsonl}\n    load:\n      type: concurrency\n      levels: [1, 4]",
     "{type: trace, path: t.jsonl}\n    load:\n      type: trace\n      requestsPerLevel: 5",
     "spec.workload.load.requestsPerLevel", "use requests", "requestsPerLevel"},
    {"points_with_concurrency", "      levels: [1, 4]", "      levels: [1, 4]\n      points: 5",
     "spec.workload.load.points", "applies to load.type sweep only", "points"},
    {"sweep_too_few_points", "      type: concurrency\n      levels: [1, 4]",
     "      type: sweep\n      points: 2", "spec.workload.load.points", "must be >= 3",
     "points"},
    {"search_without_slo", "      type: concurrency\n      levels: [1, 4]", "      type: search",
     "spec.workload.load.slo", "required for load.type search", "    load:"},
    {"search_bad_slo", "      type: concurrency\n      levels: [1, 4]",
     "      type: search\n      slo: \"ttft.p99<=2000\"", "spec.workload.load.slo",
     "did you mean ttft_ms", "slo:"},
    {"search_wrong_direction", "      type: concurrency\n      levels: [1, 4]",
     "      type: search\n      slo: {tpot_ms.p99: 100, per_user_tok_s: -3}",
     "spec.workload.load.slo", "\"-3\" is not a number > 0", "slo:"},
    {"search_low_above_high", "      type: concurrency\n      levels: [1, 4]",
     "      type: search\n      slo: \"ttft_ms.p99<=2000\"\n      low: 8\n      high: 4",
     "spec.workload.load.high", "must be above low", "high:"},
    {"search_fractional_concurrency", "      type: concurrency\n      levels: [1, 4]",
     "      type: search\n      over: concurrency\n      slo: \"ttft_ms.p99<=2000\"\n"
     "      start: 1.5",
     "spec.workload.load.start", "whole levels", "start:"},
    {"attainment_out_of_range", "      type: concurrency\n      levels: [1, 4]",
     "      type: search\n      slo: \"ttft_ms.p99<=2000\"\n      attainment: 1.5",
     "spec.workload.load.attainment", "must be (0, 1]", "attainment"},
    {"arrival_with_trace", "{type: jsonl, path: prompts.jsonl}\n    load:\n      type: concurrency\n      levels: [1, 4]",
     "{type: trace, path: t.jsonl}\n    load:\n      type: trace\n      arrival: constant",
     "spec.workload.load.arrival", "open-loop load only", "arrival"},
};

class BadWorkloadSpecTest : public ::testing::TestWithParam<BadSpec> {};

TEST_P(BadWorkloadSpecTest, ErrorNamesPathAndLine) {
  const BadSpec& c = GetParam();
  const std::string text = Edit(c.from, c.to, kWorkloadSpec);
  ASSERT_EQ(text.find("EDIT TARGET NOT FOUND"), std::string::npos) << c.from;
  ParseOutcome outcome = ParseAndValidateBenchmarkRun(text, "spec.yaml");
  EXPECT_FALSE(outcome.ok());
  const int line = LineContaining(text, c.line_of);
  ASSERT_GT(line, 0) << c.line_of;
  bool found = false;
  for (const Problem& p : outcome.problems) {
    if (p.path == c.path && !p.warning && p.message.find(c.message) != std::string::npos) {
      found = true;
      EXPECT_EQ(p.line, line) << FormatProblem(p, "spec.yaml");
    }
  }
  EXPECT_TRUE(found) << "expected an error at " << c.path << " containing \"" << c.message
                     << "\"; got:\n"
                     << Dump(outcome.problems) << "\n" << text;
  size_t errors = 0;
  for (const Problem& p : outcome.problems) errors += !p.warning;
  EXPECT_EQ(errors, 1u) << Dump(outcome.problems);
}

INSTANTIATE_TEST_SUITE_P(Workloads, BadWorkloadSpecTest, ::testing::ValuesIn(kBadWorkloadSpecs),
                         [](const ::testing::TestParamInfo<BadSpec>& info) {
                           return std::string(info.param.name);
                         });

TEST(ValidateTest, SearchWithSpecSloIsAnError) {
  const std::string text = Edit("      type: concurrency\n      levels: [1, 4]\n",
                                "      type: search\n      slo: \"ttft_ms.p99<=2000\"\n"
                                "  slo: {ttft_ms: 5}\n",
                                kWorkloadSpec);
  ParseOutcome outcome = ParseAndValidateBenchmarkRun(text, "spec.yaml");
  bool found = false;
  for (const Problem& p : outcome.problems) found |= p.path == "spec.slo" && !p.warning;
  EXPECT_TRUE(found) << Dump(outcome.problems);
}

TEST(ValidateTest, EveryDatasetKindAndLoadTypeValidates) {
  const std::pair<const char*, const char*> kShapes[] = {
      {"{type: trace, path: t.jsonl, speedup: 2}", "{type: trace, requests: 20, maxInflight: 64}"},
      {"{type: conversations, path: c.jsonl, history: synthetic, sessions: 4}",
       "{type: sessions}"},
      {"{type: sharegpt, path: s.json, multiTurn: true, sessions: 2}",
       "{type: sessions, levels: [1, 2], requests: 8}"},
      {"{type: sharegpt, path: s.json, outputTokens: 64}", "{type: rate, levels: [2.5]}"},
      {"{type: shared-prefix, groups: 4, promptsPerGroup: 8, prefixTokens: 256, suffixTokens: 32, "
       "outputTokens: 32}",
       "{type: sweep, points: 5, requestsPerLevel: 40}"},
      {"{type: synthetic, inputTokens: 64, outputTokens: 16}",
       "{type: search, over: rate, slo: \"ttft_ms.p99<=2000,tpot_ms.p99<=100\", attainment: 0.9, "
       "resolution: 0.05, low: 1, high: 64, maxPoints: 8}"},
      {"{type: jsonl, path: p.jsonl, limit: 10, allowRepeat: true}",
       "{type: search, over: concurrency, slo: {ttft_ms.p99: 2000}, maxConcurrency: 64}"},
  };
  for (const auto& [dataset, load] : kShapes) {
    std::string text = Edit("{type: jsonl, path: prompts.jsonl}", dataset, kWorkloadSpec);
    text = Edit("    load:\n      type: concurrency\n      levels: [1, 4]\n",
                std::string("    load: ") + load + "\n", text);
    ParseOutcome outcome = ParseAndValidateBenchmarkRun(text, "spec.yaml");
    EXPECT_TRUE(outcome.ok()) << text << Dump(outcome.problems);
    for (const Problem& p : outcome.problems) {
      EXPECT_NE(p.message.find("[publication."), std::string::npos)
          << "only realism-mode labels expected:\n" << text << Dump(outcome.problems);
    }
  }
}

}  // namespace
}  // namespace inferbench::spec
