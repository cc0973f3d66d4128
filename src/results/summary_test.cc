#include "results/summary.h"

#include <cmath>

#include <gtest/gtest.h>

#include "core/canonical_json.h"

namespace inferbench::results {
namespace {

DistributionSummary Ttft() {
  DistributionSummary d;
  d.mean = 120.5;
  d.stddev = 10.25;
  d.min = 90;
  d.p50 = 118;
  d.p90 = 135;
  d.p95 = 140;
  d.p99 = 160;
  d.p999 = 171;
  d.max = 172;
  d.n = 128;
  d.low_n = {Stat::kP99, Stat::kP999};
  return d;
}

RunSummary Sample() {
  RunSummary run;
  run.run_id = "20250304T050607Z-1a2b3c4d";
  run.anchor = {123456789, 1741064767890000000};
  PointSummary p;
  p.point = "concurrency=4";
  p.replicate = 2;
  p.requests = {128, 1, 8, 0};
  p.window = {0.5, 30.5, 30.0, 2.0, 29.0};
  p.client = {0.12, 41.5, false};
  p.scalars["output_throughput_tok_s"] = 5012.25;
  p.scalars["error_rate"] = 0.0078125;
  p.distributions["ttft_ms"] = Ttft();
  p.timeslices = {{0.5, 0, 0, 4, 0}, {1.5, 3, 612, 4, 1}};
  p.warnings = {"2 requests returned fewer tokens than requested"};
  run.points.push_back(p);
  return run;
}

TEST(SummaryTest, JsonHasTheSchemaShape) {
  const nlohmann::json json = Sample().ToJson();
  EXPECT_EQ(json["schema"], "inferbench.summary/v1");
  EXPECT_EQ(json["run_id"], "20250304T050607Z-1a2b3c4d");
  EXPECT_EQ(json["status"], "ok");
  EXPECT_EQ(json["anchor"]["steady_ns"], 123456789);
  const nlohmann::json& point = json["points"][0];
  EXPECT_EQ(point["point"], "concurrency=4");
  EXPECT_EQ(point["replicate"], 2);
  EXPECT_EQ(point["requests"]["completed"], 128);
  EXPECT_EQ(point["requests"]["warmup"], 8);
  EXPECT_EQ(point["window"]["steady_start_s"], 2.0);
  EXPECT_EQ(point["client"]["saturated"], false);
  EXPECT_EQ(point["metrics"]["output_throughput_tok_s"], 5012.25);
  EXPECT_EQ(point["metrics"]["ttft_ms"]["p99"], 160);
  EXPECT_EQ(point["metrics"]["ttft_ms"]["n"], 128);
  EXPECT_EQ(point["metrics"]["ttft_ms"]["low_n"], nlohmann::json({"p99", "p999"}));
  EXPECT_EQ(point["timeslices"][1]["output_tokens"], 612);
  EXPECT_EQ(point["timeslices"][1]["in_flight"], 4);
  EXPECT_EQ(point["warnings"].size(), 1u);
}

TEST(SummaryTest, RoundTripsThroughJsonText) {
  const RunSummary run = Sample();
  const std::string text = run.ToJson().dump(2);
  Result<RunSummary> back = RunSummary::FromJson(nlohmann::json::parse(text));
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(CanonicalJson(back->ToJson()), CanonicalJson(run.ToJson()));
  EXPECT_EQ(back->points[0].distributions.at("ttft_ms").low_n, Ttft().low_n);
}

TEST(SummaryTest, DegradedIsWrittenOnlyOnDegradedPointsAndReadBack) {
  RunSummary run = Sample();
  const nlohmann::json plain = run.ToJson()["points"][0];
  EXPECT_FALSE(plain.contains("degraded"));
  EXPECT_FALSE(plain.contains("degraded_reason"));
  EXPECT_EQ(plain.size(), 8u);

  run.points[0].point = "trace";
  run.points[0].degraded = true;
  run.points[0].degraded_reason = "schedule lag p99 120 ms > 50 ms";
  const nlohmann::json json = run.ToJson();
  EXPECT_EQ(json["points"][0]["degraded"], true);
  EXPECT_EQ(json["points"][0]["degraded_reason"], "schedule lag p99 120 ms > 50 ms");
  Result<RunSummary> back = RunSummary::FromJson(nlohmann::json::parse(json.dump()));
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_TRUE(back->points[0].degraded);
  EXPECT_EQ(back->points[0].degraded_reason, "schedule lag p99 120 ms > 50 ms");
  EXPECT_EQ(CanonicalJson(back->ToJson()), CanonicalJson(json));
}

TEST(SummaryTest, EmptyDistributionIsNullAndCanonicalisable) {
  DistributionSummary empty;
  EXPECT_EQ(empty.Get(Stat::kMean), std::nullopt);
  const nlohmann::json json = empty.ToJson();
  EXPECT_TRUE(json["p50"].is_null());
  EXPECT_EQ(json["n"], 0);
  EXPECT_NO_THROW(CanonicalJson(json));
  Result<DistributionSummary> back = DistributionSummary::FromJson(json, "test");
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(std::isnan(back->p99));
}

TEST(SummaryTest, GetSetAndLowN) {
  DistributionSummary d;
  d.Set(Stat::kP95, 3.5);
  EXPECT_EQ(d.Get(Stat::kP95), 3.5);
  EXPECT_EQ(d.p95, 3.5);
  EXPECT_FALSE(d.IsLowN(Stat::kP99));
  EXPECT_TRUE(Ttft().IsLowN(Stat::kP99));
}

TEST(SummaryTest, ValueLooksUpMetricPaths) {
  const RunSummary run = Sample();
  const PointSummary* p = run.Find("concurrency=4", 2);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(run.Find("concurrency=4", 0), nullptr);
  EXPECT_EQ(p->Value(*ParseMetricPath("ttft_ms.p99")), 160);
  EXPECT_EQ(p->Value(*ParseMetricPath("output_throughput_tok_s")), 5012.25);
  EXPECT_EQ(p->Value(*ParseMetricPath("tpot_ms.p99")), std::nullopt);
  EXPECT_EQ(p->Value(*ParseMetricPath("goodput_req_s")), std::nullopt);
}

TEST(SummaryTest, BadDocumentsNameTheProblem) {
  nlohmann::json json = Sample().ToJson();
  json["schema"] = "inferbench.summary/v2";
  Result<RunSummary> wrong_schema = RunSummary::FromJson(json);
  ASSERT_FALSE(wrong_schema.ok());
  EXPECT_NE(wrong_schema.status().message().find("inferbench.summary/v1"), std::string::npos);

  json = Sample().ToJson();
  json["points"][0]["metrics"]["ttft_ms"]["n"] = "many";
  Result<RunSummary> bad_n = RunSummary::FromJson(json);
  ASSERT_FALSE(bad_n.ok());
  EXPECT_EQ(bad_n.status().message(),
            "summary.json points[0] metric ttft_ms: field \"n\" must be an integer");

  json = Sample().ToJson();
  json["points"][0]["point"] = "concurrency=zero";
  EXPECT_FALSE(RunSummary::FromJson(json).ok());

  json = Sample().ToJson();
  json["status"] = "great";
  EXPECT_FALSE(RunSummary::FromJson(json).ok());

  json = Sample().ToJson();
  json.erase("anchor");
  Result<RunSummary> no_anchor = RunSummary::FromJson(json);
  ASSERT_FALSE(no_anchor.ok());
  EXPECT_EQ(no_anchor.status().message(), "summary.json: missing field \"anchor\"");
}

}  // namespace
}  // namespace inferbench::results
