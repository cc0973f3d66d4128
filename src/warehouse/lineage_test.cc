#include "warehouse/lineage.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "evidence/manifest.h"
#include "evidence/object_store.h"
#include "evidence/test_evidence.h"
#include "warehouse/database.h"
#include "warehouse/publish.h"
#include "warehouse/test_warehouse.h"

namespace inferbench::warehouse {
namespace {

namespace fs = std::filesystem;

constexpr char kRun[] = "20261101T000000Z-0000abcd";

bool Contains(const std::vector<std::string>& lines, const std::string& needle) {
  for (const std::string& line : lines) {
    if (line.find(needle) != std::string::npos) return true;
  }
  return false;
}

std::string AllLines(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& line : lines) out += line + "\n";
  return out;
}

// A warehouse with one stored run and that run's evidence: run.json (the numbers), requests.jsonl
// and summary.json as objects, and the manifest listing them.
class LineageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = evidence::testing::MakeScratchDir("ib-lineage");
    ASSERT_FALSE(dir_.empty());
    root_ = dir_ + "/evidence";

    db_ = &testing::EmptyTestWarehouse();

    nlohmann::json run_json = {
        {"schema", "inferbench.run/v1"},
        {"run_id", kRun},
        {"status", "ok"},
        {"points",
         {{{"point", "concurrency=16"},
           {"metrics",
            {{"tpot_ms.mean", {{"mean", 20.25}, {"ci_low", 19.5}, {"ci_high", 21.0}, {"n", 5}}},
             {"output_throughput_tok_s",
              {{"mean", 900.0}, {"ci_low", 880.0}, {"ci_high", 920.0}, {"n", 5}}}}}},
          {{"point", "concurrency=4"},
           {"metrics",
            {{"tpot_ms.mean", {{"mean", 12.5}, {"ci_low", 12.0}, {"ci_high", 13.0}, {"n", 5}}},
             {"output_throughput_tok_s",
              {{"mean", 310.0}, {"ci_low", 300.0}, {"ci_high", 320.0}, {"n", 5}}}}}}}}};
    evidence::ObjectStore store(root_);
    manifest_.run_id = kRun;
    manifest_.created_utc = "2026-11-01T00:00:00Z";
    manifest_.harness_version = "test";
    for (const auto& [name, bytes] : std::vector<std::pair<std::string, std::string>>{
             {"requests.jsonl", "{\"request_id\":\"r1\"}\n{\"request_id\":\"r2\"}\n"},
             {"run.json", run_json.dump(2)},
             {"summary.json", "{\"schema\":\"inferbench.summary/v1\"}"}}) {
      auto digest = store.Put(bytes);
      ASSERT_TRUE(digest.ok()) << digest.status().message();
      evidence::Artifact artifact;
      artifact.name = name;
      artifact.media_type = evidence::MediaTypeFor(name);
      artifact.size = static_cast<int64_t>(bytes.size());
      artifact.digest = *digest;
      manifest_.artifacts.push_back(artifact);
      digests_[name] = *digest;
    }
    ASSERT_TRUE(evidence::WriteManifest(root_, manifest_).ok());
    manifest_digest_ = manifest_.Digest();

    Exec(
        "INSERT INTO benchmark_run_fact (run_id, name, started_at, status, tier, "
        "workload_spec_digest, artifact_manifest_digest, intent_kpis) VALUES "
        "(?, 'demo', TIMESTAMP '2026-11-01 00:00:00', 'ok', 'VERDICT', 'wdigest', ?, ?)",
        {std::string(kRun), manifest_digest_, std::string("[\"tpot_ms.mean\"]")});
    for (const auto& point : run_json["points"]) {
      for (const auto& [metric, m] : point["metrics"].items()) {
        Exec(
            "INSERT INTO serving_outcome_fact (run_id, point, benchmark_case_id, metric, mean, "
            "ci_low, ci_high, n, tier) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'VERDICT')",
            {std::string(kRun), point["point"].get<std::string>(),
             "case-" + point["point"].get<std::string>(), metric, m["mean"].get<double>(),
             m["ci_low"].get<double>(), m["ci_high"].get<double>(), m["n"].get<int64_t>()});
      }
    }
    Exec(
        "INSERT INTO artifact_lineage_dim (run_id, evidence_uri, artifact_manifest_digest, "
        "signed, artifact_count) VALUES (?, ?, ?, false, 3)",
        {std::string(kRun), root_, manifest_digest_});
  }

  void TearDown() override { evidence::testing::RemoveScratchDir(dir_); }

  void Exec(const std::string& sql, const std::vector<Value>& params = {}) {
    Status s = db_->ExecuteParams(sql, params);
    ASSERT_TRUE(s.ok()) << s.message();
  }

  LineageReport Walk(LineageRequest request) {
    auto report = Lineage(*db_, "", kRun, request);
    EXPECT_TRUE(report.ok()) << report.status().message();
    return report.ok() ? *report : LineageReport{};
  }

  // Replaces an object's file with a valid object holding other bytes (one byte changed), so
  // only a re-hash can notice.
  void ChangeOneByte(const std::string& name, const std::string& original) {
    std::string changed = original;
    changed[0] = static_cast<char>(changed[0] ^ 1);
    evidence::ObjectStore other(dir_ + "/other");
    auto other_digest = other.Put(changed);
    ASSERT_TRUE(other_digest.ok());
    evidence::ObjectStore store(root_);
    std::string path = store.ObjectPath(digests_[name]);
    fs::remove(path);
    fs::copy_file(other.ObjectPath(*other_digest), path);
  }

  std::string dir_;
  std::string root_;
  Database* db_ = nullptr;
  evidence::Manifest manifest_;
  std::string manifest_digest_;
  std::map<std::string, std::string> digests_;
};

TEST_F(LineageTest, CleanWalkIsPublicationSafe) {
  LineageReport report = Walk({"tpot_ms.mean", "concurrency=4", false});
  EXPECT_TRUE(report.publication_safe) << AllLines(report.problems);
  EXPECT_TRUE(report.verified);
  EXPECT_TRUE(report.problems.empty());
  ASSERT_TRUE(report.number.found);
  EXPECT_FALSE(report.number.headline);
  EXPECT_DOUBLE_EQ(*report.number.mean, 12.5);
  EXPECT_DOUBLE_EQ(*report.number.ci_low, 12.0);
  EXPECT_EQ(report.number.n, 5);
  EXPECT_EQ(report.number.tier, "VERDICT");
  EXPECT_EQ(report.number.benchmark_case_id, "case-concurrency=4");
  EXPECT_EQ(report.query.rows, 1);
  EXPECT_EQ(report.query.params, nlohmann::json({kRun, "concurrency=4", "tpot_ms.mean"}));
  EXPECT_EQ(report.query.query_spec_digest, QuerySpecDigest(report.query.sql, report.query.params));
  EXPECT_EQ(report.run.workload_spec_digest, "wdigest");
  EXPECT_EQ(report.manifest.computed_digest, manifest_digest_);
  EXPECT_EQ(report.manifest.evidence_root, root_);
  EXPECT_TRUE(report.source.agrees) << report.source.message;
  ASSERT_EQ(report.artifacts.size(), 3u);
  for (const LineageArtifact& a : report.artifacts) {
    EXPECT_EQ(a.status, "present") << a.name;
    EXPECT_GT(a.size, 0) << a.name;
  }
  nlohmann::json json = report.ToJson();
  EXPECT_EQ(json["publication_safe"], true);
  EXPECT_EQ(json["number"]["metric"], "tpot_ms.mean");
  EXPECT_EQ(json["artifacts"].size(), 3u);
  std::string text = report.FormatText();
  EXPECT_NE(text.find("publication-safe: yes"), std::string::npos) << text;
  EXPECT_LT(text.find("number"), text.find("query"));
  EXPECT_LT(text.find("query"), text.find("run "));
  EXPECT_LT(text.find("manifest "), text.find("artifacts"));
}

TEST_F(LineageTest, DeepCleanWalkRehashesEveryArtifact) {
  LineageReport report = Walk({"tpot_ms.mean", "concurrency=16", true});
  EXPECT_TRUE(report.publication_safe) << AllLines(report.problems);
  for (const LineageArtifact& a : report.artifacts) EXPECT_EQ(a.status, "ok") << a.name;
}

TEST_F(LineageTest, HeadlineIsTheFirstIntentKpiAtTheLightestPoint) {
  LineageReport report = Walk({});
  ASSERT_TRUE(report.number.found);
  EXPECT_TRUE(report.number.headline);
  EXPECT_EQ(report.number.metric, "tpot_ms.mean");
  // Load order, not string order ("concurrency=16" < "concurrency=4" as text).
  EXPECT_EQ(report.number.point, "concurrency=4");
  EXPECT_TRUE(report.publication_safe) << AllLines(report.problems);

  // Only a point given: the headline metric at that point.
  LineageReport at16 = Walk({"", "concurrency=16", false});
  EXPECT_EQ(at16.number.point, "concurrency=16");
  EXPECT_EQ(at16.number.metric, "tpot_ms.mean");
  EXPECT_DOUBLE_EQ(*at16.number.mean, 20.25);
}

TEST_F(LineageTest, DeletedObjectIsNotSafeAndNamed) {
  evidence::ObjectStore store(root_);
  ASSERT_TRUE(fs::remove(store.ObjectPath(digests_["requests.jsonl"])));
  LineageReport report = Walk({"tpot_ms.mean", "concurrency=4", false});
  EXPECT_FALSE(report.publication_safe);
  EXPECT_TRUE(Contains(report.problems, "requests.jsonl")) << AllLines(report.problems);
  EXPECT_TRUE(Contains(report.problems, "missing")) << AllLines(report.problems);
  EXPECT_NE(report.FormatText().find("publication-safe: NO"), std::string::npos);
}

TEST_F(LineageTest, WarehouseDigestMismatchIsNotSafe) {
  const std::string other(64, 'a');
  Exec("UPDATE artifact_lineage_dim SET artifact_manifest_digest = ? WHERE run_id = ?",
       {other, std::string(kRun)});
  Exec("UPDATE benchmark_run_fact SET artifact_manifest_digest = ? WHERE run_id = ?",
       {other, std::string(kRun)});
  LineageReport report = Walk({"tpot_ms.mean", "concurrency=4", false});
  EXPECT_FALSE(report.publication_safe);
  EXPECT_TRUE(Contains(report.problems, "digest mismatch")) << AllLines(report.problems);
  EXPECT_TRUE(Contains(report.problems, manifest_digest_)) << AllLines(report.problems);
}

TEST_F(LineageTest, EditedManifestFileIsNotSafe) {
  std::string path = evidence::ManifestPath(root_, kRun);
  nlohmann::json json;
  {
    std::ifstream in(path);
    json = nlohmann::json::parse(in);
  }
  json["harness_version"] = "edited";
  fs::permissions(path, fs::perms::owner_write, fs::perm_options::add);
  {
    std::ofstream out(path, std::ios::trunc);
    out << json.dump();
  }
  LineageReport report = Walk({"tpot_ms.mean", "concurrency=4", false});
  EXPECT_FALSE(report.publication_safe);
  EXPECT_NE(report.manifest.computed_digest, manifest_digest_);
  EXPECT_TRUE(Contains(report.problems, "digest mismatch")) << AllLines(report.problems);
}

TEST_F(LineageTest, DeepDetectsAChangedByte) {
  ChangeOneByte("requests.jsonl", "{\"request_id\":\"r1\"}\n{\"request_id\":\"r2\"}\n");
  LineageReport shallow = Walk({"tpot_ms.mean", "concurrency=4", false});
  EXPECT_TRUE(shallow.publication_safe) << "existence alone cannot see a changed byte";
  LineageReport deep = Walk({"tpot_ms.mean", "concurrency=4", true});
  EXPECT_FALSE(deep.publication_safe);
  EXPECT_TRUE(Contains(deep.problems, "requests.jsonl")) << AllLines(deep.problems);
}

TEST_F(LineageTest, WarehouseNumberThatDisagreesWithRunJsonIsNotSafe) {
  Exec(
      "UPDATE serving_outcome_fact SET mean = 11.0 WHERE run_id = ? AND point = 'concurrency=4' "
      "AND metric = 'tpot_ms.mean'",
      {std::string(kRun)});
  LineageReport report = Walk({"tpot_ms.mean", "concurrency=4", false});
  EXPECT_FALSE(report.publication_safe);
  EXPECT_FALSE(report.source.agrees);
  EXPECT_TRUE(Contains(report.problems, "run.json disagrees")) << AllLines(report.problems);
}

TEST_F(LineageTest, PartialRunVerifiesButIsNotSafe) {
  Exec("UPDATE benchmark_run_fact SET status = 'partial' WHERE run_id = ?", {std::string(kRun)});
  LineageReport report = Walk({"tpot_ms.mean", "concurrency=4", false});
  EXPECT_TRUE(report.verified);
  EXPECT_FALSE(report.publication_safe);
  EXPECT_TRUE(Contains(report.problems, "status is partial")) << AllLines(report.problems);
}

TEST_F(LineageTest, EvidenceRootOverrideIsUsed) {
  fs::rename(root_, dir_ + "/moved");
  LineageReport lost = Walk({"tpot_ms.mean", "concurrency=4", false});
  EXPECT_FALSE(lost.publication_safe);
  auto found = Lineage(*db_, dir_ + "/moved", kRun, {"tpot_ms.mean", "concurrency=4", false});
  ASSERT_TRUE(found.ok());
  EXPECT_TRUE(found->publication_safe) << AllLines(found->problems);
}

TEST_F(LineageTest, BadInputIsAnError) {
  auto unknown = Lineage(*db_, "", "20200101T000000Z-ffffffff", {});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("not in the warehouse"), std::string::npos);

  auto no_point = Lineage(*db_, "", kRun, {"tpot_ms.mean", "concurrency=8", false});
  ASSERT_FALSE(no_point.ok());
  EXPECT_NE(no_point.status().message().find("concurrency=4, concurrency=16"), std::string::npos)
      << no_point.status().message();

  auto several = Lineage(*db_, "", kRun, {"tpot_ms.mean", "", false});
  ASSERT_FALSE(several.ok());
  EXPECT_NE(several.status().message().find("--point"), std::string::npos);

  auto typo = Lineage(*db_, "", kRun, {"tpot_ms.mena", "concurrency=4", false});
  ASSERT_FALSE(typo.ok());
  EXPECT_NE(typo.status().message().find("--metric"), std::string::npos);

  auto missing_metric = Lineage(*db_, "", kRun, {"ttft_ms.p99", "concurrency=4", false});
  ASSERT_FALSE(missing_metric.ok());
  EXPECT_NE(missing_metric.status().message().find("tpot_ms.mean"), std::string::npos);
}

TEST_F(LineageTest, PublishedNumberWalksToItsRuns) {
  const std::string sql =
      "SELECT run_id, mean FROM serving_outcome_fact WHERE metric = 'tpot_ms.mean' "
      "AND point = 'concurrency=4'";
  auto published = Publish(*db_, "tpot-c4", sql);
  ASSERT_TRUE(published.ok()) << published.status().message();

  auto walk = LineagePublished(*db_, "", "tpot-c4", false);
  ASSERT_TRUE(walk.ok()) << walk.status().message();
  EXPECT_TRUE(walk->publication_safe) << AllLines(walk->problems);
  EXPECT_TRUE(walk->reproduces);
  EXPECT_EQ(walk->recorded_digest, QuerySpecDigest(sql, nlohmann::json::array()));
  ASSERT_EQ(walk->runs.size(), 1u);
  EXPECT_EQ(walk->runs[0].run.run_id, kRun);
  EXPECT_EQ(walk->ToJson()["runs"].size(), 1u);
  EXPECT_NE(walk->FormatText().find("publication-safe: yes"), std::string::npos);

  // The number changed under the published value, and an object went missing.
  Exec(
      "UPDATE serving_outcome_fact SET mean = 11.0 WHERE run_id = ? AND point = 'concurrency=4' "
      "AND metric = 'tpot_ms.mean'",
      {std::string(kRun)});
  auto changed = LineagePublished(*db_, "", "tpot-c4", false);
  ASSERT_TRUE(changed.ok());
  EXPECT_FALSE(changed->publication_safe);
  EXPECT_FALSE(changed->reproduces);
  EXPECT_TRUE(Contains(changed->problems, "different result")) << AllLines(changed->problems);

  EXPECT_FALSE(LineagePublished(*db_, "", "no-such-name", false).ok());

  // A stored digest that no longer matches its query text.
  ASSERT_TRUE(Publish(*db_, "n", "SELECT run_id FROM benchmark_run_fact").ok());
  Exec("UPDATE published_rollup SET query_spec_digest = 'x' WHERE name = 'n'");
  auto tampered = LineagePublished(*db_, "", "n", false);
  ASSERT_TRUE(tampered.ok());
  EXPECT_FALSE(tampered->publication_safe);
  EXPECT_TRUE(Contains(tampered->problems, "does not match its query text"));
}

}  // namespace
}  // namespace inferbench::warehouse
