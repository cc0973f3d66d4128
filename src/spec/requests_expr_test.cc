#include "spec/requests_expr.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace inferbench::spec {
namespace {

using ::testing::HasSubstr;

int64_t Eval(std::string_view expr, double level) {
  Result<int64_t> n = EvaluateRequestsPerLevel(expr, level);
  EXPECT_TRUE(n.ok()) << expr << ": " << n.status().message();
  return n.ok() ? n.value() : -1;
}

TEST(RequestsExprTest, Literals) {
  EXPECT_EQ(Eval("64", 16), 64);
  EXPECT_EQ(Eval(" 7 ", 16), 7);
}

TEST(RequestsExprTest, MultiplesOfTheLevel) {
  EXPECT_EQ(Eval("4x", 16), 64);
  EXPECT_EQ(Eval("x", 3), 3);
  EXPECT_EQ(Eval("4 x", 2), 8);
  EXPECT_EQ(Eval("0.5x", 5), 3);   // 2.5 rounds up
  EXPECT_EQ(Eval("4x", 2.5), 10);  // rate levels may be fractional
  EXPECT_EQ(Eval("0.1x", 30), 3);  // 3.0000000000000004 is 3, not 4
}

TEST(RequestsExprTest, MaxAndMinNest) {
  EXPECT_EQ(Eval("max(64, 4x)", 1), 64);
  EXPECT_EQ(Eval("max(64, 4x)", 64), 256);
  EXPECT_EQ(Eval("min(100, 4x)", 64), 100);
  EXPECT_EQ(Eval("min(1000, max(64, 8x))", 4), 64);
  EXPECT_EQ(Eval("min(1000, max(64, 8x))", 50), 400);
  EXPECT_EQ(Eval("min(1000, max(64, 8x))", 500), 1000);
  EXPECT_EQ(Eval("max(1, 2, 3x)", 2), 6);
  EXPECT_EQ(Eval("max( 64 ,4x )", 32), 128);
}

TEST(RequestsExprTest, SyntaxErrorsNameTheExpressionAndTheAcceptedForms) {
  for (const char* bad : {"", "abc", "max(64 4x)", "max(64, 4x", "max 64", "4y", "max(4x)", "4x2",
                          "-4", "1..2", "mix(1, 2)"}) {
    Status s = CheckRequestsPerLevel(bad);
    ASSERT_FALSE(s.ok()) << "accepted: " << bad;
    EXPECT_THAT(s.message(), HasSubstr(std::string("\"") + bad + "\"")) << s.message();
    EXPECT_THAT(s.message(), HasSubstr("accepted: an integer (64), Nx")) << s.message();
    EXPECT_FALSE(EvaluateRequestsPerLevel(bad, 4).ok());
  }
  EXPECT_THAT(CheckRequestsPerLevel("max(64 4x)").message(), HasSubstr("expected ',' or ')'"));
  EXPECT_THAT(CheckRequestsPerLevel("max(4x)").message(), HasSubstr("at least two arguments"));
}

TEST(RequestsExprTest, ResultMustBeAtLeastOne) {
  Result<int64_t> n = EvaluateRequestsPerLevel("0x", 4);
  ASSERT_FALSE(n.ok());
  EXPECT_THAT(n.status().message(), HasSubstr("at least 1"));
  EXPECT_THAT(n.status().message(), HasSubstr("level 4"));
  EXPECT_FALSE(EvaluateRequestsPerLevel("0", 4).ok());
  EXPECT_TRUE(CheckRequestsPerLevel("0x").ok());  // syntax is fine; the value is not
  EXPECT_FALSE(EvaluateRequestsPerLevel("1000000x", 1e9).ok());
}

}  // namespace
}  // namespace inferbench::spec
