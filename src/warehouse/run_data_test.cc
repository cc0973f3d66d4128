#include "warehouse/run_data.h"

#include <memory>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "warehouse/compare.h"
#include "warehouse/database.h"
#include "warehouse/test_warehouse.h"

namespace inferbench::warehouse {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class RunDataTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = &testing::EmptyTestWarehouse();
  }

  void Exec(const std::string& sql, const std::vector<Value>& params = {}) {
    Status s = db_->ExecuteParams(sql, params);
    ASSERT_TRUE(s.ok()) << s.message();
  }

  void AddRun(const std::string& id, const std::string& software_key, const std::string& itl) {
    Exec("INSERT INTO benchmark_run_fact (run_id, name, started_at, status, tier, "
         "workload_spec_digest, software_key, hardware_key, cluster_key, serving_config, "
         "target_version, labels, intent_kpis) VALUES (?, 'demo', TIMESTAMP '2026-01-02 03:04:05', "
         "'ok', 'VERDICT', 'wd1', ?, 'hw1', NULL, '{\"max_num_seqs\":8}', ?, '{\"team\":\"perf\"}', "
         "'[\"tpot_ms.p50\",\"output_throughput_tok_s\"]')",
         {id, software_key, "{\"params\":{\"itl_ms\":" + itl + "}}"});
  }

  void AddReplicate(const std::string& id, const std::string& point, int replicate,
                    const std::string& metric, Value value, Value outlier = nullptr) {
    Exec("INSERT INTO serving_replicate_fact VALUES (?, ?, ?, ?, ?, ?, ?)",
         {id, point, "case-" + point, int64_t{replicate}, metric, value, outlier});
  }

  Database* db_ = nullptr;
};

TEST_F(RunDataTest, LoadsTheRunItsDimensionsAndEveryReplicate) {
  Exec("INSERT INTO software_version_dim (software_key, engine, engine_version) VALUES "
       "('sw1', 'vllm', '0.6.1'), ('sw2', 'vllm', '0.6.2')");
  Exec("INSERT INTO hardware_topology_dim (hardware_key, gpu_model, gpu_count) VALUES "
       "('hw1', 'H100', 8)");
  AddRun("run-a", "sw1", "10");
  AddRun("run-b", "sw2", "11");
  Exec("INSERT INTO serving_outcome_fact (run_id, point, benchmark_case_id, metric, mean, std, "
       "ci_low, ci_high, confidence, ci_method, n) VALUES "
       "('run-a', 'c=8', 'case-c=8', 'tpot_ms.p50', 10.5, 0.5, 9.8, 11.2, 0.95, 't', 3)");
  AddReplicate("run-a", "c=8", 2, "tpot_ms.p50", 11.0);
  AddReplicate("run-a", "c=8", 0, "tpot_ms.p50", 10.0);
  AddReplicate("run-a", "c=8", 1, "tpot_ms.p50", 10.5);
  AddReplicate("run-a", "c=8", 3, "tpot_ms.p50", 99.0, std::string("exclude"));
  AddReplicate("run-a", "c=8", 4, "tpot_ms.p50", 10.2, std::string("flag"));
  AddReplicate("run-a", "c=8", 5, "tpot_ms.p50", nullptr);
  AddReplicate("run-a", "c=1", 0, "ttft_ms.p99", 40.0);
  AddReplicate("run-b", "c=8", 0, "tpot_ms.p50", 12.0);

  auto runs = LoadRunData(*db_, {"run-b", "run-a"});
  ASSERT_TRUE(runs.ok()) << runs.status().message();
  ASSERT_EQ(runs->size(), 2u);
  const RunData& b = (*runs)[0];
  const RunData& a = (*runs)[1];
  EXPECT_EQ(a.run_id, "run-a");
  EXPECT_EQ(b.run_id, "run-b");
  EXPECT_EQ(a.name, "demo");
  EXPECT_THAT(a.started_at, HasSubstr("2026-01-02 03:04:05"));
  EXPECT_EQ(a.status, "ok");
  EXPECT_EQ(a.tier, "VERDICT");
  EXPECT_EQ(a.workload_spec_digest, "wd1");
  EXPECT_EQ(a.software["engine_version"], "0.6.1");
  EXPECT_FALSE(a.software.contains("software_key"));
  EXPECT_EQ(b.software["engine_version"], "0.6.2");
  EXPECT_EQ(a.hardware["gpu_count"], 8);
  EXPECT_TRUE(a.cluster.is_null());
  EXPECT_EQ(a.serving_config["max_num_seqs"], 8);
  EXPECT_EQ(a.target_version["params"]["itl_ms"], 10);
  EXPECT_EQ(a.labels["team"], "perf");
  EXPECT_THAT(a.intent_kpis, ElementsAre("tpot_ms.p50", "output_throughput_tok_s"));

  ASSERT_EQ(a.points.size(), 2u);
  const PointData* p = a.FindPoint("case-c=8");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->point, "c=8");
  const MetricSamples& tpot = p->metrics.at("tpot_ms.p50");
  // Replicate order, without the excluded outlier and the NULL; a flagged value stays.
  EXPECT_THAT(tpot.values, ElementsAre(10.0, 10.5, 11.0, 10.2));
  EXPECT_TRUE(tpot.has_outcome);
  EXPECT_DOUBLE_EQ(tpot.outcome.mean, 10.5);
  EXPECT_DOUBLE_EQ(tpot.outcome.ci_low, 9.8);
  EXPECT_EQ(tpot.outcome.n, 3);
  EXPECT_EQ(tpot.outcome.ci_method, "t");
  EXPECT_FALSE(a.FindPoint("case-c=1")->metrics.at("ttft_ms.p99").has_outcome);
  EXPECT_EQ(b.points.size(), 1u);

  // What compare makes of it: two dimensions moved (software and target).
  const std::vector<DimensionChange> changed = DiffRuns(a, b);
  ASSERT_EQ(changed.size(), 2u);
  EXPECT_EQ(changed[0].details, std::vector<std::string>{"software.engine_version: 0.6.1 → 0.6.2"});
  EXPECT_EQ(changed[1].details, std::vector<std::string>{"target.params.itl_ms: 10 → 11"});
}

TEST_F(RunDataTest, AnUnknownRunIsAnErrorNamingIt) {
  AddRun("run-a", "sw1", "10");
  auto runs = LoadRunData(*db_, {"run-a", "run-zzz"});
  ASSERT_FALSE(runs.ok());
  EXPECT_THAT(runs.status().message(), HasSubstr("run-zzz"));
  EXPECT_THAT(runs.status().message(), HasSubstr("runs list"));
}

TEST_F(RunDataTest, TheSameRunTwiceLoadsTwice) {
  AddRun("run-a", "sw1", "10");
  AddReplicate("run-a", "c=8", 0, "tpot_ms.p50", 10.0);
  auto runs = LoadRunData(*db_, {"run-a", "run-a"});
  ASSERT_TRUE(runs.ok());
  ASSERT_EQ(runs->size(), 2u);
  EXPECT_EQ((*runs)[1].points.size(), 1u);
}

}  // namespace
}  // namespace inferbench::warehouse
