#include "warehouse/retention.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "evidence/manifest.h"
#include "evidence/object_store.h"
#include "evidence/test_evidence.h"
#include "warehouse/database.h"
#include "warehouse/test_warehouse.h"

namespace inferbench::warehouse {
namespace {

namespace fs = std::filesystem;

// "now" for every test: 2026-11-26 00:00:00 UTC.
const auto kNow = std::chrono::system_clock::time_point(std::chrono::seconds(1'795'651'200));

// Runs of different ages (days before kNow), each with rows in every fact table, and evidence
// in one store: "expired" and "kept" share an object; "expired" also has one of its own.
class RetentionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = evidence::testing::MakeScratchDir("ib-retention");
    ASSERT_FALSE(dir_.empty());
    root_ = dir_ + "/evidence";
    db_ = &testing::EmptyTestWarehouse();

    AddRun("hot", 10, {"shared"});
    AddRun("warm", 60, {});
    AddRun("cold", 400, {});
    AddRun("expired", 1000, {"shared", "only-expired"});
    AddRun("baselined", 1000, {"baselined-object"});
    AddRun("published", 900, {});
    Exec("INSERT INTO baseline VALUES ('main', 'w', 'baselined', NULL)");
    Exec("INSERT INTO published_rollup (name, run_ids) VALUES ('launch', '[\"published\"]')");
  }

  void TearDown() override { evidence::testing::RemoveScratchDir(dir_); }

  void Exec(const std::string& sql, const std::vector<Value>& params = {}) {
    Status s = db_->ExecuteParams(sql, params);
    ASSERT_TRUE(s.ok()) << s.message();
  }

  void AddRun(const std::string& id, int64_t age_days, const std::vector<std::string>& objects) {
    const int64_t started_us =
        std::chrono::duration_cast<std::chrono::microseconds>(kNow.time_since_epoch()).count() -
        age_days * 86'400'000'000LL;
    Exec(
        "INSERT INTO benchmark_run_fact (run_id, started_at, status) "
        "VALUES (?, make_timestamp(CAST(? AS BIGINT)), 'ok')",
        {id, started_us});
    // Three request rows, two telemetry rows, two replicate rows.
    Exec("INSERT INTO request_fact (run_id, request_id) SELECT ?, 'r' || i FROM range(3) t(i)",
         {id});
    Exec(
        "INSERT INTO telemetry_slice_fact (run_id, metric, t_s) SELECT ?, 'm', i FROM range(2) "
        "t(i)",
        {id});
    Exec(
        "INSERT INTO serving_replicate_fact (run_id, point, benchmark_case_id, replicate, metric, "
        "value) SELECT ?, 'concurrency=1', 'c', i, 'tpot_ms.mean', 1.0 FROM range(2) t(i)",
        {id});
    Exec(
        "INSERT INTO serving_outcome_fact (run_id, point, benchmark_case_id, metric, mean) "
        "VALUES (?, 'concurrency=1', 'c', 'tpot_ms.mean', 1.0)",
        {id});
    Exec("INSERT INTO artifact_lineage_dim (run_id, evidence_uri) VALUES (?, ?)", {id, root_});

    evidence::ObjectStore store(root_);
    evidence::Manifest manifest;
    manifest.run_id = id;
    manifest.created_utc = "2024-01-01T00:00:00Z";
    for (const std::string& name : objects) {
      auto digest = store.Put("bytes of " + name);
      ASSERT_TRUE(digest.ok());
      digests_[name] = *digest;
      evidence::Artifact artifact;
      artifact.name = name + ".txt";
      artifact.media_type = "text/plain";
      artifact.size = static_cast<int64_t>(("bytes of " + name).size());
      artifact.digest = *digest;
      manifest.artifacts.push_back(artifact);
    }
    std::sort(manifest.artifacts.begin(), manifest.artifacts.end(),
              [](const auto& a, const auto& b) { return a.name < b.name; });
    ASSERT_TRUE(evidence::WriteManifest(root_, manifest).ok());
  }

  int64_t Count(const std::string& table, const std::string& run_id) {
    auto t = db_->Query("SELECT count(*) FROM " + table + " WHERE run_id = ?", {run_id});
    EXPECT_TRUE(t.ok()) << t.status().message();
    return t.ok() ? t->rows[0][0].get<int64_t>() : -1;
  }

  RetentionPlan Plan(bool apply) {
    RetentionOptions options;
    options.now = kNow;
    options.apply = apply;
    auto plan = Retention(*db_, options);
    EXPECT_TRUE(plan.ok()) << plan.status().message();
    return plan.ok() ? *plan : RetentionPlan{};
  }

  const RunRetention* Find(const RetentionPlan& plan, const std::string& id) {
    for (const RunRetention& run : plan.runs) {
      if (run.run_id == id) return &run;
    }
    return nullptr;
  }

  std::string dir_;
  std::string root_;
  Database* db_ = nullptr;
  std::map<std::string, std::string> digests_;
};

TEST_F(RetentionTest, DryRunPlansPerTierAndChangesNothing) {
  RetentionPlan plan = Plan(false);
  EXPECT_FALSE(plan.applied);
  EXPECT_EQ(plan.runs_by_tier["hot"], 1);
  EXPECT_EQ(plan.runs_by_tier["warm"], 1);
  EXPECT_EQ(plan.runs_by_tier["cold"], 1);
  EXPECT_EQ(plan.runs_by_tier["expired"], 3);
  EXPECT_EQ(Find(plan, "hot"), nullptr);  // nothing to do

  const RunRetention* warm = Find(plan, "warm");
  ASSERT_NE(warm, nullptr);
  EXPECT_EQ(warm->from, RetentionTier::kHot);
  EXPECT_EQ(warm->to, RetentionTier::kWarm);
  EXPECT_EQ(warm->rows,
            (std::map<std::string, int64_t>{{"request_fact", 3}, {"telemetry_slice_fact", 2}}));

  const RunRetention* cold = Find(plan, "cold");
  ASSERT_NE(cold, nullptr);
  EXPECT_EQ(cold->rows.at("serving_replicate_fact"), 2);
  EXPECT_EQ(cold->rows.count("serving_outcome_fact"), 0u);

  const RunRetention* expired = Find(plan, "expired");
  ASSERT_NE(expired, nullptr);
  EXPECT_EQ(expired->rows.at("benchmark_run_fact"), 1);
  EXPECT_EQ(expired->rows.at("serving_outcome_fact"), 1);
  EXPECT_EQ(expired->rows.at("artifact_lineage_dim"), 1);
  // Its own object and the manifest's object go; the shared one stays (the hot run uses it).
  EXPECT_EQ(expired->objects.size(), 2u);
  EXPECT_NE(std::find(expired->objects.begin(), expired->objects.end(), digests_["only-expired"]),
            expired->objects.end());
  EXPECT_EQ(std::find(expired->objects.begin(), expired->objects.end(), digests_["shared"]),
            expired->objects.end());
  EXPECT_FALSE(expired->manifest_path.empty());

  const RunRetention* baselined = Find(plan, "baselined");
  ASSERT_NE(baselined, nullptr);
  EXPECT_NE(baselined->kept_because.find("baseline 'main'"), std::string::npos);
  EXPECT_TRUE(baselined->rows.empty());
  const RunRetention* published = Find(plan, "published");
  ASSERT_NE(published, nullptr);
  EXPECT_NE(published->kept_because.find("published number 'launch'"), std::string::npos);

  EXPECT_EQ(plan.total_rows["request_fact"], 9);  // warm, cold, expired
  EXPECT_EQ(plan.manifests, 1);
  EXPECT_EQ(plan.objects, 2);
  std::string text = plan.FormatText();
  EXPECT_NE(text.find("dry run"), std::string::npos);
  EXPECT_NE(text.find("never pruned"), std::string::npos);
  EXPECT_EQ(plan.ToJson()["runs"].size(), plan.runs.size());

  EXPECT_EQ(Count("request_fact", "warm"), 3);
  EXPECT_EQ(Count("benchmark_run_fact", "expired"), 1);
  EXPECT_TRUE(fs::exists(evidence::ManifestPath(root_, "expired")));
}

TEST_F(RetentionTest, ApplyDeletesRowsManifestAndUnreferencedObjects) {
  RetentionPlan plan = Plan(true);
  EXPECT_TRUE(plan.applied);
  EXPECT_TRUE(plan.notes.empty()) << plan.notes.front();

  EXPECT_EQ(Count("request_fact", "hot"), 3);
  EXPECT_EQ(Count("request_fact", "warm"), 0);
  EXPECT_EQ(Count("telemetry_slice_fact", "warm"), 0);
  EXPECT_EQ(Count("serving_replicate_fact", "warm"), 2);
  EXPECT_EQ(Count("serving_replicate_fact", "cold"), 0);
  EXPECT_EQ(Count("serving_outcome_fact", "cold"), 1);
  for (const char* table : {"benchmark_run_fact", "serving_outcome_fact", "request_fact",
                            "artifact_lineage_dim", "serving_replicate_fact"}) {
    EXPECT_EQ(Count(table, "expired"), 0) << table;
  }
  // Protected runs keep everything.
  EXPECT_EQ(Count("request_fact", "baselined"), 3);
  EXPECT_EQ(Count("serving_replicate_fact", "baselined"), 2);
  EXPECT_EQ(Count("benchmark_run_fact", "baselined"), 1);
  EXPECT_EQ(Count("request_fact", "published"), 3);

  evidence::ObjectStore store(root_);
  EXPECT_FALSE(fs::exists(evidence::ManifestPath(root_, "expired")));
  EXPECT_FALSE(store.Has(digests_["only-expired"]));
  EXPECT_TRUE(store.Has(digests_["shared"]));  // the hot run's manifest still lists it
  EXPECT_TRUE(store.Has(digests_["baselined-object"]));
  EXPECT_TRUE(fs::exists(evidence::ManifestPath(root_, "baselined")));

  // A second pass finds only what is already gone.
  RetentionPlan again = Plan(false);
  EXPECT_EQ(Find(again, "expired"), nullptr);
  EXPECT_EQ(Find(again, "warm"), nullptr);
}

TEST_F(RetentionTest, DayCountsAreConfigurableAndValidated) {
  RetentionOptions options;
  options.now = kNow;
  options.policy.hot_days = 5;
  options.policy.warm_days = 20;
  options.policy.cold_days = 5000;
  auto plan = Retention(*db_, options);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->runs_by_tier["warm"], 1);  // 10 days
  EXPECT_EQ(plan->runs_by_tier["cold"], 5);
  EXPECT_EQ(plan->runs_by_tier["expired"], 0);

  options.policy.warm_days = 2;
  auto bad = Retention(*db_, options);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("--warm-days"), std::string::npos);
}

TEST_F(RetentionTest, UnreadableManifestKeepsObjects) {
  std::string other = evidence::ManifestPath(root_, "hot");
  fs::permissions(other, fs::perms::owner_write, fs::perm_options::add);
  {
    std::ofstream out(other, std::ios::trunc);
    out << "not json";
  }
  RetentionPlan plan = Plan(true);
  EXPECT_FALSE(plan.notes.empty());
  EXPECT_EQ(Count("benchmark_run_fact", "expired"), 0);  // rows still go
  evidence::ObjectStore store(root_);
  EXPECT_TRUE(store.Has(digests_["only-expired"]));  // objects kept: references unknown
}

}  // namespace
}  // namespace inferbench::warehouse
