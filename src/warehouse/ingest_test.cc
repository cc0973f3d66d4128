#include "warehouse/ingest.h"

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "evidence/environment.h"
#include "evidence/manifest.h"
#include "evidence/store_run.h"
#include "results/request_record.h"
#include "results/run_result.h"
#include "spec/benchmark_run.h"
#include "spec/benchmark_run_json.h"
#include "spec/digest.h"
#include "warehouse/database.h"
#include "warehouse/schema.h"

namespace inferbench::warehouse {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kAnchorNs = 1'767'225'600'000'000'000;  // 2026-01-01T00:00:00Z

spec::BenchmarkRun TestSpec() {
  spec::BenchmarkRun spec;
  spec.metadata.name = "ingest-test";
  spec.metadata.labels = {{"team", "perf"}};
  spec.intent.kpis = {"ttft_ms.p99", "output_throughput_tok_s"};
  spec.intent.variable_under_test = "system.engine.version";
  spec.target.url = "http://127.0.0.1:8000";
  spec.target.model = "llama";
  spec.system.serving.max_num_seqs = 64;
  spec.system.cluster.name = "lab";
  spec.workload.load.levels = {1, 4};
  return spec;
}

results::RequestRecord Request(const std::string& id, const std::string& point, int64_t replicate) {
  results::RequestRecord r;
  r.request_id = id;
  r.point = point;
  r.replicate = replicate;
  r.t_sched_ns = 1'000'000;
  r.t_send_ns = 2'000'000;
  r.t_first_ns = 12'000'000;  // ttft 10 ms
  r.t_second_ns = 13'000'000;
  r.t_last_ns = 32'000'000;  // e2e 30 ms; tpot (32-12)/(5-1) = 5 ms
  r.t_done_ns = 33'000'000;
  r.input_tokens_requested = 100;
  r.input_tokens = 100;
  r.output_tokens_requested = 5;
  r.output_tokens = 5;
  r.output_tokens_source = results::TokenCountSource::kUsage;
  r.token_events = 5;
  r.finish_reason = "length";
  r.http_status = 200;
  return r;
}

class IngestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/ib-ingest-test-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    root_ = pattern;
    evidence_ = root_ + "/evidence";
    warehouse_ = root_ + "/warehouse.duckdb";
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  static void Write(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
  }

  // A finished run directory with every artifact; `full` = false leaves out the optional ones.
  std::string MakeRun(const std::string& run_id, bool full = true) {
    const std::string dir = root_ + "/runs/" + run_id;
    std::filesystem::create_directories(dir);
    spec::BenchmarkRun spec = TestSpec();
    const std::string digest = spec::WorkloadSpecDigest(spec);
    results::RunResult run;
    run.run_id = run_id;
    run.name = spec.metadata.name;
    run.tier = "VERDICT";
    run.workload_spec_digest = digest;
    run.mode = "realism";
    run.cold_start_s = 1.5;
    for (const std::string point : {"concurrency=1", "concurrency=4"}) {
      results::PointResult p;
      p.point = point;
      p.benchmark_case_id = spec::BenchmarkCaseId(digest, point);
      p.tier = "VERDICT";
      p.replicates = 3;
      for (const std::string metric : {"ttft_ms.p99", "output_throughput_tok_s"}) {
        results::MetricAggregate m;
        m.mean = 10;
        m.stddev = 1;
        m.ci_low = 9;
        m.ci_high = 11;
        m.ci_method = "t";
        m.n = 2;
        m.relative_ci_half_width = 0.1;
        m.replicates = {9.5, 10.5, std::nan("")};
        m.outliers = {{1, 10.5, 4.0, "flag"}};
        p.metrics[metric] = m;
      }
      run.points.push_back(p);
    }
    Write(dir + "/run.json", run.ToJson().dump(2));
    nlohmann::json summary = {{"schema", "inferbench.summary/v1"},
                              {"run_id", run_id},
                              {"status", "ok"},
                              {"anchor", {{"steady_ns", 1}, {"system_ns", kAnchorNs}}},
                              {"points",
                               {{{"point", "concurrency=1"},
                                 {"replicate", 0},
                                 {"window", {{"start_s", 0.5}, {"end_s", 10.0}}}},
                                {{"point", "concurrency=4"},
                                 {"replicate", 0},
                                 {"window", {{"start_s", 11.0}, {"end_s", 20.25}}}}}}};
    Write(dir + "/summary.json", summary.dump(2));
    std::string requests = Request("r1", "concurrency=1", 0).ToJsonLine() + "\n";
    results::RequestRecord failed = Request("r2", "concurrency=4", 1);
    failed.t_first_ns = -1;
    failed.t_second_ns = -1;
    failed.t_last_ns = -1;
    failed.output_tokens = 0;
    failed.error_class = results::ErrorClass::kHttp5xx;
    failed.error_message = "boom";
    failed.http_status = 503;
    requests += failed.ToJsonLine() + "\n";
    requests += Request("r3", "concurrency=4", 2).ToJsonLine() + "\n";
    Write(dir + "/requests.jsonl", requests);
    if (full) {
      Write(dir + "/effective_spec.json", spec::ToJson(spec).dump(2));
      evidence::Environment env;
      env.host.hostname = "bench-1";
      env.host.cpu_model = "Test CPU";
      env.host.cpu_logical_cores = 8;
      env.host.memory_bytes = int64_t{16} << 30;
      env.gpu_count = 0;
      env.harness.version = "0.9.0";
      env.harness.build_id = "gcc-test";
      Write(dir + "/environment.json", env.ToJson().dump(2));
      Write(dir + "/target_version.json",
            nlohmann::json({{"url", "http://x/version"},
                            {"status", 200},
                            {"body", {{"version", "0.1.0"}, {"itl_ms", 10}}}})
                .dump());
      const std::string text =
          "# HELP vllm:num_requests_running Running.\n# TYPE vllm:num_requests_running gauge\n"
          "vllm:num_requests_running{model_name=\"llama\"} 3.0\n"
          "# TYPE vllm:e2e_request_latency_seconds histogram\n"
          "vllm:e2e_request_latency_seconds_bucket{le=\"0.1\",model_name=\"llama\"} 1.0\n"
          "vllm:e2e_request_latency_seconds_bucket{le=\"+Inf\",model_name=\"llama\"} 2.0\n"
          "vllm:e2e_request_latency_seconds_count{model_name=\"llama\"} 2.0\n"
          "vllm:e2e_request_latency_seconds_sum{model_name=\"llama\"} 0.5\n"
          "this line is not a sample\n";
      std::string telemetry;
      telemetry += nlohmann::json({{"point", "concurrency=1"},
                                   {"replicate", 0},
                                   {"phase", "before"},
                                   {"url", "http://x/metrics"},
                                   {"t_s", 0.1},
                                   {"text", text}})
                       .dump() +
                   "\n";
      telemetry += nlohmann::json({{"point", ""},
                                   {"replicate", -1},
                                   {"phase", "between"},
                                   {"url", "http://x/metrics"},
                                   {"t_s", 10.5},
                                   {"text", text}})
                       .dump() +
                   "\n";
      Write(dir + "/telemetry.jsonl", telemetry);
    }
    return dir;
  }

  evidence::Manifest Store(const std::string& dir, const std::string& run_id,
                           bool replace = false) {
    evidence::StoreOptions options;
    options.evidence_root = evidence_;
    options.harness_version = "0.9.0";
    options.replace = replace;
    auto manifest = evidence::StoreRunEvidence(dir, run_id, options);
    EXPECT_TRUE(manifest.ok()) << manifest.status().message();
    return manifest.ok() ? *manifest : evidence::Manifest{};
  }

  // An in-memory warehouse: the ingest logic is the same and the tests stay fast (a file's
  // checkpoint is slow under the sanitizers); the file paths are covered by the rebuild test.
  static std::unique_ptr<Database> Memory() {
    auto db = Database::OpenInMemory();
    EXPECT_TRUE(db.ok()) << db.status().message();
    if (!db.ok()) return nullptr;
    Status migrated = Migrate(**db);
    EXPECT_TRUE(migrated.ok()) << migrated.message();
    return std::move(db.value());
  }

  std::unique_ptr<Database> Writer() {
    OpenOptions options;
    options.mode = AccessMode::kReadWrite;
    options.create = true;
    auto db = Database::Open(warehouse_, options);
    EXPECT_TRUE(db.ok()) << db.status().message();
    return db.ok() ? std::move(db.value()) : nullptr;
  }

  static int64_t Count(Database& db, const std::string& sql,
                       const std::vector<Value>& params = {}) {
    auto table = db.Query(sql, params);
    EXPECT_TRUE(table.ok()) << table.status().message();
    if (!table.ok() || table->rows.empty()) return -1;
    return table->rows[0][0].get<int64_t>();
  }

  static int64_t RowsOfRun(Database& db, const std::string& run_id) {
    int64_t total = 0;
    for (const char* table :
         {"benchmark_run_fact", "serving_outcome_fact", "serving_replicate_fact", "request_fact",
          "telemetry_slice_fact", "artifact_lineage_dim"}) {
      total +=
          Count(db, std::string("SELECT count(*) FROM ") + table + " WHERE run_id = ?", {run_id});
    }
    return total;
  }

  std::string root_, evidence_, warehouse_;
};

TEST_F(IngestTest, IngestsEveryArtifactIntoItsTable) {
  const std::string dir = MakeRun("run-full-0001");
  evidence::Manifest manifest = Store(dir, "run-full-0001");
  auto db = Memory();
  ASSERT_TRUE(db);
  auto stats = IngestRunDirectory(*db, dir, evidence_);
  ASSERT_TRUE(stats.ok()) << stats.status().message();
  EXPECT_FALSE(stats->skipped);
  EXPECT_EQ(stats->run_id, "run-full-0001");
  EXPECT_EQ(stats->requests, 3);
  EXPECT_EQ(stats->outcome_rows, 4);
  EXPECT_EQ(stats->replicate_rows, 12);
  EXPECT_EQ(stats->telemetry_rows, 6);  // 3 non-bucket samples × 2 scrapes

  auto run = db->Query(
      "SELECT name, started_at, ended_at, mode, intent_kpis, variable_under_test, status, tier, "
      "request_count, point_count, replicate_count, labels, target_version, serving_config, "
      "harness_version, build_id, cold_start_s, artifact_manifest_digest, software_key IS NOT "
      "NULL, "
      "hardware_key IS NOT NULL, cluster_key IS NOT NULL FROM benchmark_run_fact");
  ASSERT_TRUE(run.ok()) << run.status().message();
  ASSERT_EQ(run->rows.size(), 1u);
  const auto& r = run->rows[0];
  EXPECT_EQ(r[0], "ingest-test");
  EXPECT_EQ(r[1], "2026-01-01T00:00:00Z");
  EXPECT_EQ(r[2], "2026-01-01T00:00:20.250000Z");
  EXPECT_EQ(r[3], "realism");
  EXPECT_EQ(nlohmann::json::parse(r[4].get<std::string>()),
            nlohmann::json::array({"ttft_ms.p99", "output_throughput_tok_s"}));
  EXPECT_EQ(r[5], "system.engine.version");
  EXPECT_EQ(r[6], "ok");
  EXPECT_EQ(r[7], "VERDICT");
  EXPECT_EQ(r[8], 3);
  EXPECT_EQ(r[9], 2);
  EXPECT_EQ(r[10], 3);
  EXPECT_EQ(r[11], R"({"team":"perf"})");
  EXPECT_EQ(r[12], R"({"itl_ms":10,"version":"0.1.0"})");
  EXPECT_EQ(r[13], R"({"maxNumSeqs":64})");
  EXPECT_EQ(r[14], "0.9.0");
  EXPECT_EQ(r[15], "gcc-test");
  EXPECT_DOUBLE_EQ(r[16].get<double>(), 1.5);
  EXPECT_EQ(r[17], manifest.Digest());
  EXPECT_EQ(r[18], true);
  EXPECT_EQ(r[19], true);
  EXPECT_EQ(r[20], true);

  EXPECT_EQ(Count(*db, "SELECT count(*) FROM serving_replicate_fact WHERE value IS NULL"), 4);
  EXPECT_EQ(Count(*db,
                  "SELECT count(*) FROM serving_replicate_fact WHERE outlier_action = 'flag' AND "
                  "replicate = 1"),
            4);
  EXPECT_EQ(Count(*db,
                  "SELECT count(*) FROM software_version_dim WHERE server_version = '0.1.0' AND "
                  "harness_version = '0.9.0'"),
            1);
  EXPECT_EQ(Count(*db,
                  "SELECT count(*) FROM hardware_topology_dim WHERE host = 'bench-1' AND gpu_count "
                  "= 0 AND memory_gib = 16"),
            1);
  EXPECT_EQ(Count(*db, "SELECT count(*) FROM cluster_region_dim WHERE cluster = 'lab'"), 1);
  EXPECT_EQ(Count(*db,
                  "SELECT count(*) FROM workload_dim WHERE model = 'llama' AND protocol = 'chat' "
                  "AND isl_mean = 1024"),
            1);

  auto requests = db->Query(
      "SELECT request_id, benchmark_case_id, ttft_ms, tpot_ms, e2e_latency_ms, t_first_ns, "
      "error_class, http_status, cached_tokens FROM request_fact ORDER BY request_id");
  ASSERT_TRUE(requests.ok()) << requests.status().message();
  ASSERT_EQ(requests->rows.size(), 3u);
  const std::string digest = spec::WorkloadSpecDigest(TestSpec());
  EXPECT_EQ(requests->rows[0][1], spec::BenchmarkCaseId(digest, "concurrency=1"));
  EXPECT_DOUBLE_EQ(requests->rows[0][2].get<double>(), 10.0);
  EXPECT_DOUBLE_EQ(requests->rows[0][3].get<double>(), 5.0);
  EXPECT_DOUBLE_EQ(requests->rows[0][4].get<double>(), 30.0);
  EXPECT_TRUE(requests->rows[0][8].is_null());
  EXPECT_EQ(requests->rows[1][1], spec::BenchmarkCaseId(digest, "concurrency=4"));
  EXPECT_TRUE(requests->rows[1][2].is_null());
  EXPECT_TRUE(requests->rows[1][3].is_null());
  EXPECT_TRUE(requests->rows[1][5].is_null());
  EXPECT_EQ(requests->rows[1][6], "http_5xx");
  EXPECT_EQ(requests->rows[1][7], 503);

  auto telemetry = db->Query(
      "SELECT point, replicate, phase, scope, metric, labels, value FROM telemetry_slice_fact "
      "WHERE metric = 'vllm:num_requests_running' ORDER BY t_s");
  ASSERT_TRUE(telemetry.ok()) << telemetry.status().message();
  ASSERT_EQ(telemetry->rows.size(), 2u);
  EXPECT_EQ(telemetry->rows[0][0], "concurrency=1");
  EXPECT_EQ(telemetry->rows[0][1], 0);
  EXPECT_EQ(telemetry->rows[0][2], "before");
  EXPECT_EQ(telemetry->rows[0][3], "node");
  EXPECT_EQ(telemetry->rows[0][5], R"({"model_name":"llama"})");
  EXPECT_DOUBLE_EQ(telemetry->rows[0][6].get<double>(), 3.0);
  EXPECT_TRUE(telemetry->rows[1][0].is_null());
  EXPECT_TRUE(telemetry->rows[1][1].is_null());
  EXPECT_EQ(Count(*db, "SELECT count(*) FROM telemetry_slice_fact WHERE metric LIKE '%_bucket'"),
            0);

  auto lineage =
      db->Query("SELECT evidence_uri, signed, artifact_count, manifest FROM artifact_lineage_dim");
  ASSERT_TRUE(lineage.ok());
  ASSERT_EQ(lineage->rows.size(), 1u);
  EXPECT_EQ(lineage->rows[0][0], std::filesystem::absolute(evidence_).lexically_normal().string());
  EXPECT_EQ(lineage->rows[0][1], false);
  EXPECT_EQ(lineage->rows[0][2], static_cast<int64_t>(manifest.artifacts.size()));
  EXPECT_EQ(nlohmann::json::parse(lineage->rows[0][3].get<std::string>()), manifest.ToJson());
}

TEST_F(IngestTest, SecondIngestIsSkippedAndAChangedRunIsReplaced) {
  const std::string dir = MakeRun("run-idem-0001", /*full=*/false);
  Store(dir, "run-idem-0001");
  auto db = Memory();
  ASSERT_TRUE(db);
  auto first = IngestRunDirectory(*db, dir, evidence_);
  ASSERT_TRUE(first.ok()) << first.status().message();
  const int64_t rows = RowsOfRun(*db, "run-idem-0001");
  EXPECT_EQ(rows, 1 + 4 + 12 + 3 + 0 + 1);
  auto second = IngestRunDirectory(*db, dir, evidence_);
  ASSERT_TRUE(second.ok()) << second.status().message();
  EXPECT_TRUE(second->skipped);
  EXPECT_EQ(RowsOfRun(*db, "run-idem-0001"), rows);

  // A fourth request arrives (the run was re-stored with replace): its rows are replaced.
  std::ofstream(dir + "/requests.jsonl", std::ios::app)
      << Request("r4", "concurrency=1", 1).ToJsonLine() << "\n";
  evidence::Manifest changed = Store(dir, "run-idem-0001", /*replace=*/true);
  auto third = IngestRunDirectory(*db, dir, evidence_);
  ASSERT_TRUE(third.ok()) << third.status().message();
  EXPECT_FALSE(third->skipped);
  EXPECT_EQ(third->requests, 4);
  EXPECT_EQ(Count(*db, "SELECT count(*) FROM request_fact WHERE run_id = 'run-idem-0001'"), 4);
  EXPECT_EQ(Count(*db, "SELECT count(*) FROM benchmark_run_fact"), 1);
  EXPECT_EQ(Count(*db, "SELECT count(*) FROM benchmark_run_fact WHERE artifact_manifest_digest = ?",
                  {changed.Digest()}),
            1);
  // Without the spec and environment there are no dimension keys, but the run is in.
  EXPECT_EQ(Count(*db, "SELECT count(*) FROM benchmark_run_fact WHERE software_key IS NULL"), 1);
}

TEST_F(IngestTest, AFailureMidIngestLeavesNothingOfTheRun) {
  auto db = Memory();
  ASSERT_TRUE(db);
  // A run already in the warehouse whose new version fails keeps its old rows.
  const std::string good = MakeRun("run-good-0001", false);
  Store(good, "run-good-0001");
  ASSERT_TRUE(IngestRunDirectory(*db, good, evidence_).ok());
  const int64_t good_rows = RowsOfRun(*db, "run-good-0001");

  const std::string bad = MakeRun("run-bad-0001", false);
  std::string lines;
  {
    std::ifstream in(bad + "/requests.jsonl");
    std::string line;
    int n = 0;
    while (std::getline(in, line))
      lines += (++n == 3 ? "{\"request_id\": \"r3\", \"point\": " : line) + "\n";
  }
  Write(bad + "/requests.jsonl", lines);
  Store(bad, "run-bad-0001");
  auto failed = IngestRunDirectory(*db, bad, evidence_);
  ASSERT_FALSE(failed.ok());
  EXPECT_THAT(failed.status().message(), HasSubstr("requests.jsonl line 3"));
  EXPECT_THAT(failed.status().message(), HasSubstr("run-bad-0001"));
  EXPECT_EQ(RowsOfRun(*db, "run-bad-0001"), 0);

  // A value the table cannot hold fails on the appending side (the parser thread is stopped).
  const std::string huge = MakeRun("run-huge-0001", false);
  results::RequestRecord big = Request("r9", "concurrency=1", 0);
  big.replicate = int64_t{1} << 40;  // replicate is an INTEGER column
  std::ofstream(huge + "/requests.jsonl", std::ios::app) << big.ToJsonLine() << "\n";
  Store(huge, "run-huge-0001");
  auto overflow = IngestRunDirectory(*db, huge, evidence_);
  ASSERT_FALSE(overflow.ok());
  EXPECT_THAT(overflow.status().message(), HasSubstr("requests.jsonl line 4"));
  EXPECT_EQ(RowsOfRun(*db, "run-huge-0001"), 0);

  std::ofstream(good + "/requests.jsonl", std::ios::app) << "{\"request_id\": 5}\n";
  Store(good, "run-good-0001", /*replace=*/true);
  auto replaced = IngestRunDirectory(*db, good, evidence_);
  ASSERT_FALSE(replaced.ok());
  EXPECT_THAT(replaced.status().message(), HasSubstr("requests.jsonl line 4"));
  EXPECT_THAT(replaced.status().message(), HasSubstr("request_id"));
  EXPECT_EQ(RowsOfRun(*db, "run-good-0001"), good_rows);
}

TEST_F(IngestTest, ArtifactsMissingFromTheDirectoryAreReadFromTheEvidence) {
  const std::string dir = MakeRun("run-moved-0001", false);
  Store(dir, "run-moved-0001");
  std::filesystem::remove(dir + "/requests.jsonl");
  auto db = Memory();
  ASSERT_TRUE(db);
  auto stats = IngestRunDirectory(*db, dir, evidence_);
  ASSERT_TRUE(stats.ok()) << stats.status().message();
  EXPECT_EQ(stats->requests, 3);

  // A file that changed after it was stored is refused.
  const std::string other = MakeRun("run-changed-01", false);
  Store(other, "run-changed-01");
  std::ofstream(other + "/summary.json", std::ios::app) << "\n\n";
  auto changed = IngestRunDirectory(*db, other, evidence_);
  ASSERT_FALSE(changed.ok());
  EXPECT_THAT(changed.status().message(), HasSubstr(other + "/summary.json"));
  EXPECT_THAT(changed.status().message(), HasSubstr("changed after it was stored"));
}

TEST_F(IngestTest, UnfinishedRunsAndUnstoredRunsAreClearErrors) {
  const std::string dir = MakeRun("run-unfinished-1", false);
  std::filesystem::remove(dir + "/run.json");
  auto db = Database::OpenInMemory();
  ASSERT_TRUE(db.ok());
  auto unfinished = IngestRunDirectory(**db, dir, evidence_);
  ASSERT_FALSE(unfinished.ok());
  EXPECT_THAT(unfinished.status().message(), HasSubstr(dir));
  EXPECT_THAT(unfinished.status().message(), HasSubstr("did not finish"));

  const std::string unstored = MakeRun("run-unstored-1", false);
  auto missing = IngestRunDirectory(**db, unstored, evidence_);
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr("no manifest"));

  // Through IngestRun, a manifest without run.json is refused as unfinished too.
  evidence::Manifest manifest;
  manifest.run_id = "run-unfinished-1";
  auto direct = IngestRun(**db, manifest, RunDirectoryReader(dir), evidence_);
  ASSERT_FALSE(direct.ok());
  EXPECT_THAT(direct.status().message(), HasSubstr("did not finish"));
}

TEST_F(IngestTest, RebuildRecreatesTheRunsFromEvidenceAndKeepsUserTables) {
  const std::string a = MakeRun("run-rebuild-a1");
  const std::string b = MakeRun("run-rebuild-b1", false);
  Store(a, "run-rebuild-a1");
  Store(b, "run-rebuild-b1");
  const std::string checksum_sql =
      "SELECT (SELECT count(*) FROM request_fact) || '/' || (SELECT sum(ttft_ms) FROM "
      "request_fact) "
      "|| '/' || (SELECT count(*) FROM serving_replicate_fact) || '/' || "
      "(SELECT count(*) FROM telemetry_slice_fact) || '/' || (SELECT count(*) FROM workload_dim) "
      "|| '/' || "
      "(SELECT string_agg(run_id || coalesce(software_key, '-') || artifact_manifest_digest, ',' "
      "ORDER BY run_id) FROM benchmark_run_fact)";
  nlohmann::json before;
  {
    auto db = Writer();
    ASSERT_TRUE(db);
    ASSERT_TRUE(IngestRunDirectory(*db, a, evidence_).ok());
    ASSERT_TRUE(IngestRunDirectory(*db, b, evidence_).ok());
    auto sum = db->Query(checksum_sql);
    ASSERT_TRUE(sum.ok()) << sum.status().message();
    before = sum->rows[0][0];
    ASSERT_TRUE(
        db->Execute("INSERT INTO baseline VALUES ('main', 'd', 'run-rebuild-a1', NULL)").ok());
    ASSERT_TRUE(db->Execute("DELETE FROM request_fact WHERE request_id = 'r1'").ok());  // damage
  }
  auto rebuilt = RebuildWarehouse(warehouse_, evidence_);
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.status().message();
  EXPECT_EQ(*rebuilt, 2);
  auto db = Database::Open(warehouse_, OpenOptions{});
  ASSERT_TRUE(db.ok()) << db.status().message();
  // The same query results as before the damage, from the evidence store alone.
  auto after = (*db)->Query(checksum_sql);
  ASSERT_TRUE(after.ok()) << after.status().message();
  EXPECT_EQ(after->rows[0][0], before);
  EXPECT_EQ(Count(**db, "SELECT count(*) FROM request_fact"), 6);
  EXPECT_EQ(Count(**db, "SELECT count(*) FROM baseline WHERE run_id = 'run-rebuild-a1'"), 1);
  EXPECT_EQ(Count(**db, "SELECT count(*) FROM artifact_lineage_dim"), 2);
  EXPECT_FALSE(std::filesystem::exists(warehouse_ + ".rebuild-" + std::to_string(getpid())));
}

}  // namespace
}  // namespace inferbench::warehouse
