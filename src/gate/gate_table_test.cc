#include "gate/gate_table.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "gate/gate_test_util.h"

namespace inferbench::gate {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using testing::Make;
using testing::TwoPointRun;

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

GateReport Report() {
  std::vector<spec::Constraint> cs = {
      Make("output_throughput_tok_s", ">=", 1000, 0),              // FAIL @1, PASS @64
      Make("ttft_ms.p99", "<=", 2000, 0.1, "concurrency=256"),     // SKIP
      Make("tpot_ms.p99", "<=", 50, 0, "concurrency=1"),           // ERROR
  };
  return EvaluateConstraints(cs, TwoPointRun());
}

TEST(GateTableTest, OneAlignedRowPerOutcome) {
  const std::vector<std::string> lines = Lines(FormatGateTable(Report()));
  ASSERT_GE(lines.size(), 5u);
  EXPECT_THAT(lines[0], StartsWith("STATUS"));
  EXPECT_EQ(lines[1].substr(0, 4), "FAIL");
  EXPECT_EQ(lines[2].substr(0, 4), "PASS");
  EXPECT_EQ(lines[3].substr(0, 4), "SKIP");
  EXPECT_EQ(lines[4].substr(0, 5), "ERROR");
  // Every column starts at the same offset in every row.
  for (const char* header : {"CONSTRAINT", "POINT", "MEASURED", "THRESHOLD", "TIER"}) {
    const size_t column = lines[0].find(header);
    ASSERT_NE(column, std::string::npos) << header;
    for (size_t row = 1; row <= 4; ++row) {
      ASSERT_GT(lines[row].size(), column) << header << " row " << row;
      EXPECT_NE(lines[row][column], ' ') << header << " row " << row << ": " << lines[row];
      EXPECT_EQ(lines[row][column - 1], ' ') << header << " row " << row << ": " << lines[row];
    }
  }
}

TEST(GateTableTest, RowsShowMeasurementThresholdAndTier) {
  const std::vector<std::string> lines = Lines(FormatGateTable(Report()));
  EXPECT_THAT(lines[1], HasSubstr("output_throughput_tok_s >= 1000"));
  EXPECT_THAT(lines[1], HasSubstr("concurrency=1 "));
  EXPECT_THAT(lines[1], HasSubstr("900.0 [880.0, 920.0] n=3"));
  EXPECT_THAT(lines[1], HasSubstr(">= 1000"));
  EXPECT_THAT(lines[1], HasSubstr("VERDICT"));
  EXPECT_THAT(lines[2], HasSubstr("5210.4 [5100.2, 5320.6] n=3"));
  EXPECT_THAT(lines[2], HasSubstr("DRAFT"));
  EXPECT_THAT(lines[3], HasSubstr("<= 2200"));  // 2000 + 10%
  // The constraint column drops the "@ point" suffix: the point has its own column.
  EXPECT_THAT(lines[1], ::testing::Not(HasSubstr("@")));
}

TEST(GateTableTest, ExplainsNonPassingRowsDraftReasonsAndWarnings) {
  const std::string text = FormatGateTable(Report());
  EXPECT_THAT(text, HasSubstr("FAIL output_throughput_tok_s >= 1000 @ concurrency=1: measured 900.0"));
  EXPECT_THAT(text, HasSubstr("ERROR tpot_ms.p99 <= 50 @ concurrency=1: tpot_ms.p99 was not measured"));
  EXPECT_THAT(text, HasSubstr("DRAFT concurrency=64: ttft_ms.p99 relative CI half-width 0.09 > 0.05; client saturated"));
  EXPECT_THAT(text, HasSubstr("warning: ttft_ms.p99 <= 2000 (tol 10%) @ concurrency=256: skipped"));
  EXPECT_THAT(Lines(text).back(), "gate: FAILED (1 passed, 1 failed, 1 skipped, 1 evaluation error)");
}

TEST(GateTableTest, NoConstraintsPrintsJustTheVerdict) {
  EXPECT_EQ(FormatGateTable(EvaluateConstraints({}, TwoPointRun())),
            "gate: SKIPPED (no constraints declared)\n");
}

}  // namespace
}  // namespace inferbench::gate
