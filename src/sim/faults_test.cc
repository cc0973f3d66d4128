#include "sim/faults.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace inferbench::sim {
namespace {

using ::testing::HasSubstr;

FaultSpec Parse(const std::string& text) {
  Result<FaultSpec> spec = ParseFaultSpec(text);
  EXPECT_TRUE(spec.ok()) << text << ": " << (spec.ok() ? "" : spec.status().message());
  return spec.ok() ? spec.value() : FaultSpec{};
}

TEST(FaultsTest, ParsesEveryForm) {
  const FaultSpec error = Parse("error:503:0.05");
  EXPECT_EQ(error.kind, FaultSpec::Kind::kError);
  EXPECT_EQ(error.status, 503);
  EXPECT_DOUBLE_EQ(error.rate, 0.05);

  const FaultSpec abort = Parse("abort:0.1");
  EXPECT_EQ(abort.kind, FaultSpec::Kind::kAbort);
  EXPECT_DOUBLE_EQ(abort.rate, 0.1);

  const FaultSpec stall = Parse("stall:250:1");
  EXPECT_EQ(stall.kind, FaultSpec::Kind::kStall);
  EXPECT_EQ(stall.stall_ns, 250'000'000);
  EXPECT_DOUBLE_EQ(stall.rate, 1.0);

  EXPECT_EQ(Parse("malformed:0").kind, FaultSpec::Kind::kMalformed);
  EXPECT_EQ(Parse("drip:0.5").kind, FaultSpec::Kind::kDrip);
  EXPECT_EQ(Parse("error:400:1").status, 400);
  EXPECT_EQ(Parse("error:599:1").status, 599);
}

TEST(FaultsTest, FormatRoundTrips) {
  for (const std::string text :
       {"error:503:0.05", "abort:0.1", "stall:250:1", "malformed:0", "drip:0.5"}) {
    EXPECT_EQ(FormatFaultSpec(Parse(text)), text);
  }
}

TEST(FaultsTest, ParseErrorsQuoteTheTextAndShowTheForms) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "unknown kind"},
      {"boom:0.1", "unknown kind 'boom'"},
      {"error:0.1", "wrong number"},
      {"error:503", "wrong number"},
      {"error:503:0.1:extra", "wrong number"},
      {"abort", "wrong number"},
      {"abort:0.1:2", "wrong number"},
      {"stall:0.5", "wrong number"},
      {"error:399:0.1", "STATUS must be"},
      {"error:600:0.1", "STATUS must be"},
      {"error:5x3:0.1", "STATUS must be"},
      {"stall:0:0.1", "MS must be"},
      {"stall:-5:0.1", "MS must be"},
      {"stall:1.5:0.1", "MS must be"},
      {"abort:1.5", "RATE must be"},
      {"abort:-0.1", "RATE must be"},
      {"abort:abc", "RATE must be"},
      {"abort:", "RATE must be"},
      {"drip:nan", "RATE must be"},
      {"drip:0.5 ", "RATE must be"},
  };
  for (const auto& [text, needle] : cases) {
    Result<FaultSpec> spec = ParseFaultSpec(text);
    ASSERT_FALSE(spec.ok()) << text;
    EXPECT_THAT(spec.status().message(), HasSubstr("'" + text + "'")) << text;
    EXPECT_THAT(spec.status().message(), HasSubstr(needle)) << text;
    EXPECT_THAT(spec.status().message(), HasSubstr("error:STATUS:RATE")) << text;
    EXPECT_THAT(spec.status().message(), HasSubstr("stall:MS:RATE")) << text;
  }
}

TEST(FaultsTest, NoSpecsNoFaults) {
  FaultPlan plan({}, 1);
  for (int i = 0; i < 100; ++i) EXPECT_FALSE(plan.Next(50).any());
}

TEST(FaultsTest, RatesConverge) {
  for (const std::string text : {"error:500:0.2", "abort:0.2", "stall:10:0.2", "malformed:0.2",
                                 "drip:0.2"}) {
    FaultPlan plan({Parse(text)}, 42);
    int hits = 0;
    constexpr int kDraws = 5000;
    for (int i = 0; i < kDraws; ++i) hits += plan.Next(100).any();
    EXPECT_NEAR(static_cast<double>(hits) / kDraws, 0.2, 0.03) << text;
  }
}

TEST(FaultsTest, RateZeroNeverAndRateOneAlways) {
  FaultPlan never({Parse("abort:0")}, 3);
  FaultPlan always({Parse("abort:1")}, 3);
  for (int i = 0; i < 1000; ++i) {
    EXPECT_FALSE(never.Next(10).abort);
    EXPECT_TRUE(always.Next(10).abort);
  }
}

TEST(FaultsTest, SpecsDrawIndependently) {
  FaultPlan plan({Parse("error:503:0.5"), Parse("drip:0.5")}, 11);
  int both = 0;
  int error = 0;
  int drip = 0;
  constexpr int kDraws = 8000;
  for (int i = 0; i < kDraws; ++i) {
    const FaultPlan::Draw draw = plan.Next(20);
    error += draw.error_status.has_value();
    drip += draw.drip;
    both += draw.error_status.has_value() && draw.drip;
  }
  EXPECT_NEAR(static_cast<double>(error) / kDraws, 0.5, 0.03);
  EXPECT_NEAR(static_cast<double>(drip) / kDraws, 0.5, 0.03);
  EXPECT_NEAR(static_cast<double>(both) / kDraws, 0.25, 0.03);
}

bool SameDraw(const FaultPlan::Draw& a, const FaultPlan::Draw& b) {
  return a.error_status == b.error_status && a.abort == b.abort &&
         a.abort_after_tokens == b.abort_after_tokens && a.stall == b.stall &&
         a.stall_ns == b.stall_ns && a.stall_after_tokens == b.stall_after_tokens &&
         a.malformed == b.malformed && a.malformed_after_tokens == b.malformed_after_tokens &&
         a.drip == b.drip;
}

std::vector<FaultSpec> AllKinds() {
  return {Parse("error:429:0.1"), Parse("abort:0.2"), Parse("stall:100:0.3"),
          Parse("malformed:0.1"), Parse("drip:0.2")};
}

TEST(FaultsTest, SameSeedSameFaults) {
  FaultPlan a(AllKinds(), 7);
  FaultPlan b(AllKinds(), 7);
  for (int i = 0; i < 2000; ++i) {
    const int expected = 1 + i % 300;
    ASSERT_TRUE(SameDraw(a.Next(expected), b.Next(expected))) << "request " << i;
  }
}

TEST(FaultsTest, DifferentSeedsDifferentFaults) {
  FaultPlan a(AllKinds(), 7);
  FaultPlan b(AllKinds(), 8);
  int differences = 0;
  for (int i = 0; i < 500; ++i) differences += !SameDraw(a.Next(100), b.Next(100));
  EXPECT_GT(differences, 100);
}

TEST(FaultsTest, AddingASpecDoesNotChangeTheOthers) {
  FaultPlan one({Parse("abort:0.3")}, 5);
  FaultPlan two({Parse("abort:0.3"), Parse("drip:0.5")}, 5);
  for (int i = 0; i < 1000; ++i) {
    const FaultPlan::Draw a = one.Next(40);
    const FaultPlan::Draw b = two.Next(40);
    ASSERT_EQ(a.abort, b.abort);
    ASSERT_EQ(a.abort_after_tokens, b.abort_after_tokens);
  }
}

TEST(FaultsTest, PositionsLandMidStream) {
  FaultPlan plan({Parse("abort:1"), Parse("stall:5:1"), Parse("malformed:1")}, 9);
  std::vector<int> abort_counts(10, 0);
  for (int i = 0; i < 9000; ++i) {
    const FaultPlan::Draw draw = plan.Next(10);
    ASSERT_TRUE(draw.abort && draw.stall && draw.malformed);
    for (int position : {draw.abort_after_tokens, draw.stall_after_tokens,
                         draw.malformed_after_tokens}) {
      ASSERT_GE(position, 1);  // at least one token before the fault
      ASSERT_LE(position, 9);  // at least one token after it would have followed
    }
    ++abort_counts[draw.abort_after_tokens];
    EXPECT_EQ(draw.stall_ns, 5'000'000);
  }
  // Uniform over 1..9: about 1000 each.
  for (int position = 1; position <= 9; ++position) {
    EXPECT_NEAR(abort_counts[position], 1000, 150) << position;
  }
}

TEST(FaultsTest, ShortOutputsStillGetAPositionOfOne) {
  FaultPlan plan({Parse("abort:1")}, 1);
  for (int expected : {-3, 0, 1, 2}) {
    const FaultPlan::Draw draw = plan.Next(expected);
    EXPECT_TRUE(draw.abort);
    EXPECT_EQ(draw.abort_after_tokens, 1) << expected;
  }
}

TEST(FaultsTest, FirstErrorSpecWinsAndStallsAdd) {
  FaultPlan plan({Parse("error:503:1"), Parse("error:429:1"), Parse("stall:10:1"),
                  Parse("stall:20:1")},
                 2);
  const FaultPlan::Draw draw = plan.Next(50);
  ASSERT_TRUE(draw.error_status.has_value());
  EXPECT_EQ(*draw.error_status, 503);
  EXPECT_EQ(draw.stall_ns, 30'000'000);
}

}  // namespace
}  // namespace inferbench::sim
