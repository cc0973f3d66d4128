// The examples a user runs first must stay valid: each parses and validates without errors, and
// every file it names exists.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "spec/plan.h"
#include "spec/validate.h"

namespace inferbench::spec {
namespace {

class ExamplesTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ExamplesTest, ValidatesWithoutErrors) {
  const std::string path = std::string(INFERBENCH_SOURCE_DIR) + "/examples/" + GetParam();
  ParseOutcome outcome = LoadAndValidateBenchmarkRun(path);
  std::string problems;
  for (const Problem& p : outcome.problems) problems += FormatProblem(p, path) + "\n";
  EXPECT_TRUE(outcome.ok()) << problems;
  EXPECT_TRUE(BuildPlan(outcome.run, outcome.run.measurement.replicates).ok());
  // Dataset and tokenizer paths are relative to the example's directory.
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  for (const std::string& file : {outcome.run.workload.dataset.path, outcome.run.workload.tokenizer}) {
    if (!file.empty()) {
      EXPECT_TRUE(std::filesystem::exists(dir / file)) << path << " names " << file;
    }
  }
}

// Every example in examples/, so a new one is checked without listing it here.
std::vector<std::string> AllExamples() {
  std::vector<std::string> names;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(INFERBENCH_SOURCE_DIR) + "/examples")) {
    if (entry.path().extension() == ".yaml") names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

INSTANTIATE_TEST_SUITE_P(Examples, ExamplesTest, ::testing::ValuesIn(AllExamples()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param.substr(0, info.param.find('.'));
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

TEST(ExamplesTest, OneExampleForEveryDatasetKindSweepAndSearch) {
  const std::vector<std::string> all = AllExamples();
  std::vector<std::string> kinds, loads;
  for (const std::string& name : all) {
    ParseOutcome outcome =
        LoadBenchmarkRun(std::string(INFERBENCH_SOURCE_DIR) + "/examples/" + name);
    kinds.push_back(outcome.run.workload.dataset.type);
    loads.push_back(outcome.run.workload.load.type);
  }
  for (const char* kind :
       {"synthetic", "jsonl", "sharegpt", "trace", "conversations", "shared-prefix"}) {
    EXPECT_NE(std::find(kinds.begin(), kinds.end(), kind), kinds.end()) << kind;
  }
  for (const char* load : {"concurrency", "rate", "trace", "sessions", "sweep", "search"}) {
    EXPECT_NE(std::find(loads.begin(), loads.end(), load), loads.end()) << load;
  }
}

TEST(ExamplesTest, PublicationExampleIsPublicationModeWithoutWarnings) {
  ParseOutcome outcome = LoadAndValidateBenchmarkRun(std::string(INFERBENCH_SOURCE_DIR) +
                                                     "/examples/publication.yaml");
  EXPECT_EQ(outcome.run.intent.mode, Mode::kPublication);
  EXPECT_TRUE(outcome.problems.empty());
}

TEST(ExamplesTest, QuickstartRunsAgainstTheSimulator) {
  ParseOutcome outcome =
      LoadAndValidateBenchmarkRun(std::string(INFERBENCH_SOURCE_DIR) + "/examples/quickstart.yaml");
  ASSERT_TRUE(outcome.run.target.sim.has_value());
  EXPECT_FALSE(outcome.run.constraints.empty());
}

}  // namespace
}  // namespace inferbench::spec
