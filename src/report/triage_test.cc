#include "report/triage.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace inferbench::report {
namespace {

using ::testing::HasSubstr;

Estimate E(double mean, bool low_n = false) {
  Estimate e;
  e.mean = mean;
  e.ci_low = mean * 0.98;
  e.ci_high = mean * 1.02;
  e.confidence = 0.95;
  e.n = 3;
  e.low_n = low_n;
  return e;
}

PointModel P(const std::string& point, std::map<std::string, double> metrics) {
  PointModel p;
  p.point = point;
  p.load = PointLoad(point);
  p.tier = "VERDICT";
  p.replicates = 3;
  for (const auto& [path, mean] : metrics) p.metrics[path] = E(mean);
  p.requests.total = 100;
  p.requests.completed = 100;
  return p;
}

// Two points, nothing wrong: no rule fires.
ReportModel Healthy() {
  ReportModel m;
  m.run.cache_bust = "per-replicate";
  m.run.ignore_eos = true;
  m.points.push_back(P("concurrency=1", {{"ttft_ms.p50", 20},
                                         {"ttft_ms.p99", 30},
                                         {"server_waiting_mean", 0},
                                         {"kv_cache_usage_max", 0.1},
                                         {"preemptions", 0},
                                         {"prefix_cache_hit_rate", 0.01},
                                         {"output_tokens.mean", 128},
                                         {"requested_output_tokens.mean", 128},
                                         {"short_output_count", 0}}));
  m.points.push_back(P("concurrency=16", {{"ttft_ms.p50", 40},
                                          {"ttft_ms.p99", 100},
                                          {"server_waiting_mean", 0.2},
                                          {"kv_cache_usage_max", 0.6},
                                          {"preemptions", 0},
                                          {"prefix_cache_hit_rate", 0.02},
                                          {"output_tokens.mean", 128},
                                          {"requested_output_tokens.mean", 128},
                                          {"short_output_count", 0}}));
  return m;
}

const Finding* FindRule(const std::vector<Finding>& findings, std::string_view id) {
  for (const Finding& f : findings) {
    if (f.rule_id == id) return &f;
  }
  return nullptr;
}

TEST(TriageTest, AHealthyRunHasNoFindings) { EXPECT_TRUE(Triage(Healthy()).empty()); }

TEST(TriageTest, TailAmplificationWithTheQueueRisingIsAWarning) {
  ReportModel m = Healthy();
  m.points[1].metrics["ttft_ms.p99"] = E(160, /*low_n=*/true);  // 4× p50
  m.points[1].metrics["server_waiting_mean"] = E(3);
  const auto findings = Triage(m);
  const Finding* f = FindRule(findings, "tail-amplification");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::kWarning);
  EXPECT_EQ(f->points, std::vector<std::string>{"concurrency=16"});
  ASSERT_EQ(f->evidence.size(), 1u);
  EXPECT_THAT(f->evidence[0].text, HasSubstr("ttft_ms.p99 = 160.0 ms vs p50 = 40.00 ms: ×4.00"));
  EXPECT_THAT(f->evidence[0].text, HasSubstr("n=3"));
  EXPECT_THAT(f->evidence[0].text, HasSubstr("p99 low_n"));
  EXPECT_THAT(f->evidence[0].text, HasSubstr("server waiting mean 3.000"));
}

TEST(TriageTest, TailAmplificationWithoutQueueingIsOnlyInfo) {
  ReportModel m = Healthy();
  m.points[1].metrics["ttft_ms.p99"] = E(160);
  const auto findings = Triage(m);
  const Finding* f = FindRule(findings, "tail-amplification");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::kInfo);
  EXPECT_THAT(f->title, HasSubstr("without server queueing"));
}

TEST(TriageTest, QueueTimeAloneShowsTheQueueRising) {
  ReportModel m = Healthy();
  m.points[1].metrics["ttft_ms.p99"] = E(160);
  m.points[0].queue_time_ms = 0.2;
  m.points[1].queue_time_ms = 25;
  const auto findings = Triage(m);
  const Finding* f = FindRule(findings, "tail-amplification");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::kWarning);
  EXPECT_THAT(f->evidence[0].text, HasSubstr("server queue time 25.00 ms"));
}

TEST(TriageTest, ATailRatioAtTheThresholdDoesNotFire) {
  ReportModel m = Healthy();
  m.points[1].metrics["ttft_ms.p99"] = E(40 * kTailRatio);
  EXPECT_EQ(FindRule(Triage(m), "tail-amplification"), nullptr);
}

TEST(TriageTest, KvCapacityFiresOnAFullCacheWithWaiting) {
  ReportModel m = Healthy();
  m.points[1].metrics["kv_cache_usage_max"] = E(0.96);
  m.points[1].metrics["server_waiting_mean"] = E(2);
  const auto findings = Triage(m);
  const Finding* f = FindRule(findings, "kv-capacity");
  ASSERT_NE(f, nullptr);
  EXPECT_THAT(f->evidence[0].text, HasSubstr("kv_cache_usage_max = 96.0 %"));
  EXPECT_EQ(f->owner, Owner::kDeployment);
}

TEST(TriageTest, KvCapacityFiresOnPreemptions) {
  ReportModel m = Healthy();
  m.points[0].metrics["preemptions"] = E(2);
  const auto findings = Triage(m);
  const Finding* f = FindRule(findings, "kv-capacity");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->points, std::vector<std::string>{"concurrency=1"});
  EXPECT_THAT(f->evidence[0].text, HasSubstr("preemptions = 2.000"));
}

TEST(TriageTest, AFullCacheWithoutWaitingIsNotKvBound) {
  ReportModel m = Healthy();
  m.points[1].metrics["kv_cache_usage_max"] = E(0.99);
  m.points[1].metrics["server_waiting_mean"] = E(0);
  EXPECT_EQ(FindRule(Triage(m), "kv-capacity"), nullptr);
}

TEST(TriageTest, ClientBoundIsCriticalAndFirst) {
  ReportModel m = Healthy();
  m.points[1].metrics["kv_cache_usage_max"] = E(0.99);
  m.points[1].metrics["server_waiting_mean"] = E(2);
  m.points[1].client_saturated = true;
  m.points[1].reasons = {"client saturated in replicate 2 (busy 97 %, lag p99 3 ms)"};
  const auto findings = Triage(m);
  ASSERT_GE(findings.size(), 2u);
  EXPECT_EQ(findings[0].rule_id, "client-bound");
  EXPECT_EQ(findings[0].severity, Severity::kCritical);
  EXPECT_EQ(findings[0].owner, Owner::kHarness);
  EXPECT_THAT(findings[0].evidence[0].text, HasSubstr("busy 97 %"));
}

TEST(TriageTest, AdmissionPressureCountsRefusals) {
  ReportModel m = Healthy();
  m.points[1].requests.http_429 = 7;
  m.points[1].requests.errored = 7;
  const auto findings = Triage(m);
  const Finding* f = FindRule(findings, "admission-pressure");
  ASSERT_NE(f, nullptr);
  EXPECT_THAT(f->evidence[0].text, HasSubstr("7 of 100 requests refused (7.0 %): 7 HTTP 429"));
}

TEST(TriageTest, QueueFullMessagesAreAdmissionPressureToo) {
  ReportModel m = Healthy();
  m.points[0].requests.queue_full = 1;
  EXPECT_NE(FindRule(Triage(m), "admission-pressure"), nullptr);
}

TEST(TriageTest, OtherErrorsAreNotAdmissionPressure) {
  ReportModel m = Healthy();
  m.points[0].requests.errored = 5;
  EXPECT_EQ(FindRule(Triage(m), "admission-pressure"), nullptr);
}

TEST(TriageTest, PrefixContaminationDependsOnTheCacheBustMode) {
  ReportModel m = Healthy();
  m.points[1].metrics["prefix_cache_hit_rate"] = E(0.3);
  EXPECT_EQ(FindRule(Triage(m), "prefix-cache-contamination"), nullptr);  // per-replicate: ≤ 50 %
  m.run.cache_bust = "per-request";
  const auto findings = Triage(m);
  const Finding* f = FindRule(findings, "prefix-cache-contamination");
  ASSERT_NE(f, nullptr);
  EXPECT_THAT(f->evidence[0].text, HasSubstr("prefix_cache_hit_rate = 30.0 % > 10 %"));
  m.run.cache_bust = "none";  // warm runs expect hits
  EXPECT_EQ(FindRule(Triage(m), "prefix-cache-contamination"), nullptr);
}

TEST(TriageTest, WorkloadsThatShareAPrefixByDesignAreNotContaminated) {
  ReportModel m = Healthy();
  m.points[1].metrics["prefix_cache_hit_rate"] = E(0.8);
  ASSERT_NE(FindRule(Triage(m), "prefix-cache-contamination"), nullptr);  // synthetic: fires
  for (const char* dataset : {"shared-prefix", "conversations", "trace"}) {
    m.run.dataset = dataset;
    EXPECT_EQ(FindRule(Triage(m), "prefix-cache-contamination"), nullptr) << dataset;
  }
  m.run.cache_bust = "per-request";  // per-request promises cold prompts whatever the dataset
  EXPECT_NE(FindRule(Triage(m), "prefix-cache-contamination"), nullptr);
}

TEST(TriageTest, ShortOutputsWithIgnoreEosMeanTheServerIgnoredThePolicy) {
  ReportModel m = Healthy();
  m.points[1].metrics["output_tokens.mean"] = E(90);
  const auto findings = Triage(m);
  const Finding* f = FindRule(findings, "output-length-ignored");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::kCritical);
  EXPECT_EQ(f->owner, Owner::kEngine);
  EXPECT_THAT(f->evidence[0].text, HasSubstr("achieved output_tokens.mean = 90.00 vs requested 128.0"));
}

TEST(TriageTest, AShortOutputCountAloneFires) {
  ReportModel m = Healthy();
  m.points[0].metrics["short_output_count"] = E(3);
  EXPECT_NE(FindRule(Triage(m), "output-length-ignored"), nullptr);
}

TEST(TriageTest, ShortOutputsWithoutIgnoreEosAreNatural) {
  ReportModel m = Healthy();
  m.run.ignore_eos = false;
  m.points[1].metrics["output_tokens.mean"] = E(90);
  EXPECT_EQ(FindRule(Triage(m), "output-length-ignored"), nullptr);
}

TEST(TriageTest, EveryRuleIsListedWithItsThresholds) {
  std::vector<std::string> ids;
  for (const TriageRule& r : AllRules()) {
    ids.push_back(std::string(r.id));
    EXPECT_FALSE(r.description.empty());
  }
  EXPECT_THAT(ids, ::testing::ElementsAre("client-bound", "output-length-ignored",
                                          "admission-pressure", "kv-capacity",
                                          "tail-amplification", "prefix-cache-contamination"));
}

}  // namespace
}  // namespace inferbench::report
