#include "report/audience.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace inferbench::report {
namespace {

using ::testing::HasSubstr;

Estimate E(double mean, double half, int64_t n = 3) {
  Estimate e;
  e.mean = mean;
  e.ci_low = mean - half;
  e.ci_high = mean + half;
  e.confidence = 0.95;
  e.n = n;
  return e;
}

ReportModel Model() {
  ReportModel m;
  m.run.run_id = "run-x";
  m.run.name = "demo";
  m.run.tier = "VERDICT";
  m.run.replicate_count = 3;
  m.run.confidence = 0.95;
  m.run.model = "llama";
  m.run.gpu_model = "H100-SXM";
  m.run.gpu_count = 1;
  for (int c : {1, 8}) {
    PointModel p;
    p.point = "concurrency=" + std::to_string(c);
    p.load = c;
    p.tier = "VERDICT";
    p.replicates = 3;
    p.metrics["output_throughput_tok_s"] = E(100.0 * c, 2);
    p.metrics["ttft_ms.p50"] = E(10.0 * c, 0.5);
    p.metrics["sol_pct"] = E(4.0 * c, 0.1);
    m.points.push_back(p);
  }
  return m;
}

Finding F(const std::string& rule, const std::string& point) {
  Finding f;
  f.rule_id = rule;
  f.severity = Severity::kWarning;
  f.title = rule;
  f.points = {point};
  f.evidence = {{point, "numbers"}};
  f.suggestion = "do something";
  return f;
}

std::string SectionIds(const ReportDocument& d) {
  std::string out;
  for (const Section& s : d.sections) out += s.id + " ";
  return out;
}

std::string AllText(const ReportDocument& d) {
  std::string out;
  for (const Section& s : d.sections) {
    for (const Block& b : s.blocks) {
      out += b.text + "\n";
      for (const std::string& i : b.items) out += i + "\n";
    }
  }
  return out;
}

TEST(FormatTest, NumbersKeepAboutFourSignificantDigits) {
  EXPECT_EQ(FormatNumber(1547.33), "1547");
  EXPECT_EQ(FormatNumber(138.79), "138.8");
  EXPECT_EQ(FormatNumber(10.4527), "10.45");
  EXPECT_EQ(FormatNumber(1.23456), "1.235");
  EXPECT_EQ(FormatNumber(0.0123456), "0.0123");
  EXPECT_EQ(FormatNumber(0), "0");
  EXPECT_EQ(FormatNumber(-0.0001), "-0.0001");
  EXPECT_EQ(FormatNumber(kNaN), "–");
}

TEST(FormatTest, EstimatesCarryTheirCiAndN) {
  EXPECT_EQ(FormatEstimate(E(1547.3, 39.4), "tok/s"), "1547 tok/s (95% CI 1508–1587, n=3)");
  Estimate single = E(10.45, 0, 1);
  single.ci_low = kNaN;
  single.ci_high = kNaN;
  EXPECT_EQ(FormatEstimate(single, "ms"), "10.45 ms (n=1, no CI)");
  Estimate low = E(240, 10);
  low.low_n = true;
  EXPECT_EQ(FormatEstimate(low, "ms"), "240.0 ms (95% CI 230.0–250.0, n=3, low_n)");
  EXPECT_EQ(FormatEstimateCell(&low), "240.0 [230.0, 250.0]*");
  EXPECT_EQ(FormatEstimateCell(nullptr), "–");
}

TEST(NextLeverTest, TheMostSevereFindingChoosesTheLever) {
  const ReportModel m = Model();
  struct Case {
    const char* rule;
    const char* lever_part;
  };
  for (const Case& c : {Case{"client-bound", "scale the load generator"},
                        Case{"output-length-ignored", "enforce the output length"},
                        Case{"admission-pressure", "admission limits"},
                        Case{"kv-capacity", "KV-cache capacity"},
                        Case{"tail-amplification", "below the knee"},
                        Case{"prefix-cache-contamination", "make the cold run cold"}}) {
    const NextLever l = ChooseNextLever(m, {F(c.rule, "concurrency=8")});
    EXPECT_EQ(l.rule_id, c.rule);
    EXPECT_THAT(l.lever, HasSubstr(c.lever_part)) << c.rule;
    EXPECT_FALSE(l.expected_unlock.empty()) << c.rule;
    EXPECT_FALSE(l.check.empty()) << c.rule;
  }
}

TEST(NextLeverTest, WithoutFindingsLowSolAsksForAHigherBatch) {
  const NextLever l = ChooseNextLever(Model(), {});
  EXPECT_EQ(l.rule_id, "");
  EXPECT_THAT(l.lever, HasSubstr("raise the batch"));
  EXPECT_THAT(l.expected_unlock, HasSubstr("×3.1"));  // 100 / 32 %
}

TEST(NextLeverTest, ADraftWithoutFindingsAsksForAVerdict) {
  ReportModel m = Model();
  m.run.tier = "DRAFT";
  m.run.reasons = {"concurrency=8: relative CI half-width 0.12 > 0.05 for output_throughput_tok_s"};
  EXPECT_THAT(ChooseNextLever(m, {}).lever, HasSubstr("turn the DRAFT into a VERDICT"));
}

TEST(NextLeverTest, WithoutSolItAsksToDeclareTheHardware) {
  ReportModel m = Model();
  for (PointModel& p : m.points) p.metrics.erase("sol_pct");
  EXPECT_THAT(ChooseNextLever(m, {}).lever, HasSubstr("declare the hardware"));
}

TEST(AudienceTest, EachViewHasItsSectionsAndEndsWithTheNextLever) {
  const ReportModel m = Model();
  const std::vector<Finding> findings = {F("kv-capacity", "concurrency=8")};
  const ReportDocument eng = BuildDocument(m, findings, Audience::kEngineering);
  EXPECT_EQ(SectionIds(eng),
            "context tier metrics distributions telemetry triage repro next-lever ");
  const ReportDocument product = BuildDocument(m, findings, Audience::kProduct);
  EXPECT_EQ(SectionIds(product), "summary confidence impact next-lever ");
  const ReportDocument partner = BuildDocument(m, findings, Audience::kPartner);
  EXPECT_EQ(SectionIds(partner),
            "context ownership smallest-change triage metrics repro next-lever ");
  for (const ReportDocument* d : {&eng, &product, &partner}) {
    EXPECT_THAT(d->sections.back().blocks.back().text,
                ::testing::StartsWith("Next lever: more KV-cache capacity"));
    EXPECT_THAT(d->sections.back().blocks.back().text, HasSubstr(", expected unlock "));
    EXPECT_THAT(d->sections.back().blocks.back().text, HasSubstr(", check that proves it "));
  }
}

TEST(AudienceTest, ProductSpeaksPlainlyWithConfidence) {
  const ReportDocument d = BuildDocument(Model(), {F("kv-capacity", "concurrency=8")}, Audience::kProduct);
  const std::string text = AllText(d);
  EXPECT_THAT(text, HasSubstr("delivered at most 800.0 output tok/s (95% CI 798.0–802.0, n=3) at "
                              "concurrency=8"));
  EXPECT_THAT(text, HasSubstr("VERDICT"));
  EXPECT_THAT(text, HasSubstr("new users queue"));
  EXPECT_THAT(text, HasSubstr("no GPU price declared"));
}

TEST(AudienceTest, PartnerSaysWhoOwnsEachFinding) {
  Finding f = F("client-bound", "concurrency=8");
  f.owner = Owner::kHarness;
  const ReportDocument d = BuildDocument(Model(), {f}, Audience::kPartner);
  const Section& ownership = d.sections[1];
  ASSERT_EQ(ownership.id, "ownership");
  ASSERT_EQ(ownership.blocks[0].kind, Block::Kind::kTable);
  EXPECT_EQ(ownership.blocks[0].table.rows[0][2], "ours: client/harness");
}

TEST(AudienceTest, EngineeringPlacesEveryChart) {
  const ReportDocument d = BuildDocument(Model(), {}, Audience::kEngineering);
  std::vector<std::string> charts;
  for (const Section& s : d.sections) {
    for (const Block& b : s.blocks) {
      if (b.kind == Block::Kind::kChart) charts.push_back(b.text);
    }
  }
  EXPECT_THAT(charts, ::testing::ElementsAre("throughput-vs-load", "ttft-vs-load", "tpot-vs-load",
                                             "pareto", "ttft-cdf", "chunk-gap-cdf", "timeline",
                                             "telemetry-batch", "telemetry-cache"));
}

TEST(AudienceTest, NotesAppearWhenSomethingWasMissing) {
  ReportModel m = Model();
  m.notes = {"token times unreachable (x)"};
  const ReportDocument d = BuildDocument(m, {}, Audience::kProduct);
  EXPECT_EQ(d.sections[d.sections.size() - 2].id, "notes");
}

}  // namespace
}  // namespace inferbench::report
