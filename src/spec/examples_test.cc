// The examples a user runs first must stay valid: each parses and validates without errors.
#include <gtest/gtest.h>

#include "spec/plan.h"
#include "spec/validate.h"

namespace inferbench::spec {
namespace {

class ExamplesTest : public ::testing::TestWithParam<const char*> {};

TEST_P(ExamplesTest, ValidatesWithoutErrors) {
  const std::string path = std::string(INFERBENCH_SOURCE_DIR) + "/examples/" + GetParam();
  ParseOutcome outcome = LoadAndValidateBenchmarkRun(path);
  std::string problems;
  for (const Problem& p : outcome.problems) problems += FormatProblem(p, path) + "\n";
  EXPECT_TRUE(outcome.ok()) << problems;
  EXPECT_TRUE(BuildPlan(outcome.run, outcome.run.measurement.replicates).ok());
}

INSTANTIATE_TEST_SUITE_P(Examples, ExamplesTest,
                         ::testing::Values("quickstart.yaml", "publication.yaml", "realism.yaml"));

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
