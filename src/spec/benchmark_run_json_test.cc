#include "spec/benchmark_run_json.h"

#include <gtest/gtest.h>

#include "spec/parse.h"
#include "spec/test_specs.h"

namespace inferbench::spec {
namespace {

TEST(BenchmarkRunJsonTest, EffectiveYamlParsesBackToTheSameRun) {
  std::string text = testing::Edit("    model: test-model\n",
                                   "    model: test-model\n    headers: {X-A: \"1\", X-B: "
                                   "\"true\"}\n    extraBody: {top_k: 5, s: \"07\"}\n"
                                   "    sim: {args: {time-scale: \"0.2\", no-flag: \"\"}}\n");
  ParseOutcome first = ParseBenchmarkRun(text, "a.yaml");
  ASSERT_TRUE(first.ok()) << first.problems[0].message;
  const std::string yaml = EffectiveSpecYaml(first.run, "# effective spec\n");
  ParseOutcome second = ParseBenchmarkRun(yaml, "b.yaml");
  ASSERT_TRUE(second.ok()) << second.problems[0].message << "\n" << yaml;
  EXPECT_EQ(ToJson(second.run), ToJson(first.run)) << yaml;
}

TEST(BenchmarkRunJsonTest, FromJsonInvertsToJson) {
  BenchmarkRun run;
  run.metadata.name = "x";
  run.intent.mode = Mode::kPublication;
  run.target.url = "http://h:1";
  run.workload.load.levels = {1, 2};
  run.workload.sampling.seed = 18446744073709551615ull;
  run.constraints.push_back(
      {.metric = "error_rate", .op = "<=", .value = 0.5, .at = "concurrency=2"});
  run.measurement.max_replicates = 9;
  run.workload.seeds.order = 5;
  Result<BenchmarkRun> back = BenchmarkRunFromJson(ToJson(run));
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(ToJson(back.value()), ToJson(run));
}

TEST(BenchmarkRunJsonTest, WrongJsonTypeNamesTheKey) {
  Result<BenchmarkRun> r =
      BenchmarkRunFromJson({{"spec", {{"measurement", {{"replicates", "three"}}}}}});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("spec.measurement.replicates"), std::string::npos)
      << r.status().message();
}

TEST(BenchmarkRunJsonTest, NoSecretsOnlyNames) {
  BenchmarkRun run;
  run.target.api_key_env = "OPENAI_API_KEY";
  nlohmann::json j = ToJson(run);
  EXPECT_EQ(j["spec"]["target"]["apiKeyEnv"], "OPENAI_API_KEY");
}

}  // namespace
}  // namespace inferbench::spec
