// Tests only (header-only): a small stored run built row by row in the shared in-memory test
// warehouse, with its evidence (run.json, effective_spec.json, spec.yaml, token_times) in a
// scratch evidence store, so report tests are fast and deterministic.
//
//   run-a "golden": concurrency=1 and concurrency=8, 3 replicates, vLLM-like telemetry. At
//   concurrency=8 the client was saturated, the KV cache reached 97 % with requests waiting,
//   TTFT p99 is 4× p50 with the queue rising, and one request got HTTP 429.
//   run-b: the same workload with a faster engine version (for --vs).
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "evidence/manifest.h"
#include "evidence/object_store.h"
#include "evidence/test_evidence.h"
#include "warehouse/database.h"
#include "warehouse/test_warehouse.h"

namespace inferbench::report::testing {

class ReportFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = &warehouse::testing::EmptyTestWarehouse();
    evidence_root_ = evidence::testing::MakeScratchDir("report-test-");
  }
  void TearDown() override { evidence::testing::RemoveScratchDir(evidence_root_); }

  void Exec(const std::string& sql, const std::vector<warehouse::Value>& params = {}) {
    Status s = db_->ExecuteParams(sql, params);
    ASSERT_TRUE(s.ok()) << s.message() << "\n" << sql;
  }

  // One serving_outcome_fact row plus its three replicate rows (mean − d, mean, mean + d),
  // collected and inserted by Flush() in one statement per table (DuckDB statements are the slow
  // part of these tests).
  void Metric(const std::string& run, const std::string& point, const std::string& metric,
              double mean, double half = 0, bool low_n = false) {
    const double d = half / 2.48;
    outcome_rows_.push_back(fmt::format(
        "('{}', '{}', 'case-{}', '{}', {:.17g}, {:.17g}, {:.17g}, {:.17g}, 0.95, 't', 3, {}, '{}')",
        run, point, point, metric, mean, d, mean - half, mean + half, low_n ? "true" : "false",
        point == "concurrency=8" ? "DRAFT" : "VERDICT"));
    for (int r = 0; r < 3; ++r) {
      replicate_rows_.push_back(fmt::format("('{}', '{}', 'case-{}', {}, '{}', {:.17g}, NULL)", run,
                                            point, point, r, metric, mean + (r - 1) * d));
    }
  }

  void Flush() {
    auto insert = [this](const std::string& head, std::vector<std::string>& rows) {
      if (rows.empty()) return;
      std::string sql = head;
      for (size_t i = 0; i < rows.size(); ++i) sql += (i ? ", " : "") + rows[i];
      rows.clear();
      Status s = db_->Execute(sql);
      ASSERT_TRUE(s.ok()) << s.message();
    };
    insert("INSERT INTO serving_outcome_fact (run_id, point, benchmark_case_id, metric, mean, std, "
           "ci_low, ci_high, confidence, ci_method, n, low_n, tier) VALUES ",
           outcome_rows_);
    insert("INSERT INTO serving_replicate_fact VALUES ", replicate_rows_);
    insert("INSERT INTO telemetry_slice_fact VALUES ", telemetry_rows_);
  }

  void Dimensions() {
    Exec("INSERT INTO software_version_dim (software_key, engine, engine_version) VALUES "
         "('sw1', 'vllm', '0.11.0'), ('sw2', 'vllm', '0.11.1')");
    Exec("INSERT INTO hardware_topology_dim (hardware_key, gpu_model, gpu_count) VALUES "
         "('hw1', 'H100-SXM', 1)");
    Exec("INSERT INTO cluster_region_dim (cluster_key, cluster) VALUES ('cl1', 'lab')");
    Exec("INSERT INTO workload_dim VALUES ('wd1', 'llama-3.1-8b', 'bf16', 512, 0, 128, 0, "
         "'concurrency', 'chat', 'synthetic', ?)",
         {std::string(R"({"digestVersion":1,"workload":{"cacheBust":"per-replicate",)"
                      R"("sampling":{"ignoreEos":true,"temperature":0}}})")});
  }

  void RunFact(const std::string& run, const std::string& software, const std::string& started) {
    Exec("INSERT INTO benchmark_run_fact (run_id, name, started_at, mode, intent_kpis, "
         "variable_under_test, status, tier, reasons, gate_status, workload_spec_digest, "
         "artifact_manifest_digest, software_key, hardware_key, cluster_key, serving_config, "
         "target_version, labels, harness_version, point_count, replicate_count, request_count, "
         "cold_start_s) VALUES (?, 'golden', CAST(? AS TIMESTAMP), 'realism', "
         "'[\"output_throughput_tok_s\",\"ttft_ms.p50\"]', 'engine.version', 'ok', 'DRAFT', ?, "
         "'passed', 'wd1', ?, ?, 'hw1', 'cl1', '{\"maxNumSeqs\":8}', '{\"engine\":\"vllm\"}', "
         "'{}', '0.1.0', 2, 3, 24, 1.5)",
         {run, started,
          std::string(R"x(["concurrency=8: client saturated in replicate 1 (busy 95 %, lag p99 2.1 ms)"])x"),
          "manifest-" + run, software});
  }

  // The metrics of one run; `speed` scales throughput (run-b is faster).
  void Metrics(const std::string& run, double speed) {
    for (const std::string point : {"concurrency=1", "concurrency=8"}) {
      const bool heavy = point == "concurrency=8";
      Metric(run, point, "output_throughput_tok_s", speed * (heavy ? 800 : 120), heavy ? 20 : 2);
      Metric(run, point, "steady_output_throughput_tok_s", speed * (heavy ? 820 : 121), 3);
      Metric(run, point, "ttft_ms.mean", heavy ? 90 : 21, 1);
      Metric(run, point, "ttft_ms.p50", heavy ? 60 : 20, 0.5);
      Metric(run, point, "ttft_ms.p90", heavy ? 150 : 22, 2);
      Metric(run, point, "ttft_ms.p99", heavy ? 240 : 25, 10, true);
      Metric(run, point, "ttft_ms.max", heavy ? 260 : 26, 12);
      Metric(run, point, "tpot_ms.p50", heavy ? 9.5 : 8.0, 0.1);
      Metric(run, point, "tpot_ms.p99", heavy ? 14 : 8.4, 0.3, true);
      Metric(run, point, "chunk_gap_ms.p50", heavy ? 9.4 : 8.0, 0.1);
      Metric(run, point, "e2e_latency_ms.p50", heavy ? 1300 : 1040, 5);
      Metric(run, point, "per_user_tok_s.p50", heavy ? 105 : 125, 1);
      Metric(run, point, "error_rate", heavy ? 0.04 : 0, heavy ? 0.01 : 0);
      Metric(run, point, "sol_pct", heavy ? 30 : 5, 1);
      Metric(run, point, "cost_per_mtok_usd", heavy ? 0.87 : 5.8, 0.05);
      Metric(run, point, "server_running_mean", heavy ? 6.5 : 1, 0.2);
      Metric(run, point, "server_waiting_mean", heavy ? 1.5 : 0, 0.2);
      Metric(run, point, "server_waiting_max", heavy ? 4 : 0, 0);
      Metric(run, point, "kv_cache_usage_mean", heavy ? 0.8 : 0.1, 0.01);
      Metric(run, point, "kv_cache_usage_max", heavy ? 0.97 : 0.12, 0.01);
      Metric(run, point, "preemptions", 0, 0);
      Metric(run, point, "prefix_cache_hit_rate", 0.02, 0.01);
      Metric(run, point, "output_tokens.mean", 128, 0);
      Metric(run, point, "requested_output_tokens.mean", 128, 0);
    }
  }

  // Four requests per point and replicate; at concurrency=8 replicate 0 one got HTTP 429.
  void Requests(const std::string& run) {
    std::string sql =
        "INSERT INTO request_fact (run_id, request_id, point, replicate, warmup, t_sched_ns, "
        "t_send_ns, t_first_ns, t_last_ns, t_done_ns, output_tokens, output_tokens_requested, "
        "http_status, error_class, error_message, ttft_ms, tpot_ms) VALUES ";
    bool first = true;
    for (const std::string point : {"concurrency=1", "concurrency=8"}) {
      for (int r = 0; r < 3; ++r) {
        for (int i = 0; i < 4; ++i) {
          const bool refused = point == "concurrency=8" && r == 0 && i == 3;
          const int64_t send = 1'000'000'000LL * (10 * r + 1) + i * 100'000'000LL;
          const double ttft = (point == "concurrency=8" ? 50.0 : 20.0) + 10 * i;
          const std::string t_first =
              refused ? "NULL" : std::to_string(send + static_cast<int64_t>(ttft * 1e6));
          const std::string t_last = refused ? "NULL" : std::to_string(send + 1'100'000'000LL);
          sql += fmt::format(
              "{}('{}', '{}/{}/{}', '{}', {}, false, {}, {}, {}, {}, {}, {}, 128, {}, '{}', '{}', "
              "{}, 8.0)",
              first ? "" : ", ", run, point, r, i, point, r, send, send, t_first, t_last,
              send + 1'100'000'000LL, refused ? 0 : 128, refused ? 429 : 200,
              refused ? "http_4xx" : "none", refused ? "queue full: 8 requests waiting" : "",
              refused ? std::string("NULL") : fmt::format("{:.17g}", ttft));
          first = false;
        }
      }
      sql += fmt::format(", ('{}', '{}/0/w0', '{}', 0, true, NULL, NULL, NULL, NULL, NULL, NULL, "
                         "NULL, NULL, NULL, NULL, 999, NULL)",
                         run, point, point);
    }
    Status s = db_->Execute(sql);
    ASSERT_TRUE(s.ok()) << s.message();
  }

  void Telemetry(const std::string& run) {
    for (int i = 0; i < 6; ++i) {
      const std::string point = i < 3 ? "concurrency=1" : "concurrency=8";
      const double t = 1.0 + i;
      auto row = [&](const std::string& metric, double value) {
        telemetry_rows_.push_back(fmt::format(
            "('{}', '{}', 0, 'during', 'node', 'http://127.0.0.1:8000/metrics', {:.17g}, '{}', "
            "'{{\"model_name\":\"m\"}}', {:.17g})",
            run, point, t, metric, value));
      };
      row("vllm:num_requests_running", i < 3 ? 1 : 7);
      row("vllm:num_requests_waiting", i < 3 ? 0 : i - 2);
      row("vllm:kv_cache_usage_perc", i < 3 ? 0.1 : 0.9 + 0.02 * i);
      row("vllm:prefix_cache_queries_total", 100.0 * i);
      row("vllm:prefix_cache_hits_total", 2.0 * i);
      // queue time: 4 requests per point, 0.4 ms each at c=1 and 20 ms each at c=8
      row("vllm:request_queue_time_seconds_count", 2.0 * i);
      row("vllm:request_queue_time_seconds_sum", i < 3 ? 0.0004 * 2 * i : 0.0016 + 0.04 * (i - 2));
    }
  }

  // The run's evidence: run.json, effective_spec.json, spec.yaml and token_times.
  void Evidence(const std::string& run, bool with_token_times = true) {
    evidence::ObjectStore store(evidence_root_);
    evidence::Manifest manifest;
    manifest.run_id = run;
    manifest.created_utc = "2026-01-02T03:04:05Z";
    manifest.harness_version = "0.1.0";
    auto put = [&](const std::string& name, const std::string& bytes) {
      auto digest = store.Put(bytes);
      ASSERT_TRUE(digest.ok()) << digest.status().message();
      manifest.artifacts.push_back(
          {name, evidence::MediaTypeFor(name), static_cast<int64_t>(bytes.size()), *digest});
    };
    nlohmann::json run_json = {
        {"schema", "inferbench.run/v1"},
        {"run_id", run},
        {"outputs", {{"spec", "runs/" + run + "/spec.yaml"}}},
        {"points",
         {{{"point", "concurrency=1"}, {"reasons", nlohmann::json::array()}, {"replicates", 3},
           {"outlier_policy", "not applied, n < 5"}},
          {{"point", "concurrency=8"},
           {"reasons", {"client saturated in replicate 1 (busy 95 %, lag p99 2.1 ms)"}},
           {"replicates", 3},
           {"outlier_policy", "not applied, n < 5"}}}}};
    put("run.json", run_json.dump());
    nlohmann::json effective = {
        {"spec",
         {{"target", {{"url", "http://10.0.0.5:8000"}, {"model", "llama-3.1-8b"}, {"endpoint", "chat"}}},
          {"workload",
           {{"dataset",
             {{"type", "synthetic"},
              {"inputTokens", {{"mean", 512}, {"stddev", 0}}},
              {"outputTokens", {{"mean", 128}, {"stddev", 0}}}}},
            {"load", {{"type", "concurrency"}, {"levels", {1, 8}}, {"requestsPerLevel", "max(4, 2x)"},
                      {"duration", "0s"}}},
            {"warmup", {{"requests", 1}}},
            {"seed", 42},
            {"cacheBust", "per-replicate"},
            {"sampling", {{"ignoreEos", true}, {"temperature", 0}}}}},
          {"measurement", {{"replicates", 3}}}}}};
    put("effective_spec.json", effective.dump());
    put("spec.yaml", "apiVersion: inferbench.dev/v1alpha1\nkind: BenchmarkRun\n");
    if (with_token_times) {
      std::string lines;
      for (const std::string point : {"concurrency=1", "concurrency=8"}) {
        for (int r = 0; r < 3; ++r) {
          for (int i = 0; i < 3; ++i) {  // request 3 of c=8/0 was refused: no token times
            const int gap = point == "concurrency=1" ? 8000 : 9000 + 500 * i;
            lines += fmt::format(R"({{"request_id":"{}/{}/{}","first_ns":1,"delta_us":[{},{},0]}})",
                                 point, r, i, gap, gap + 1000);
            lines += "\n";
          }
        }
      }
      put("token_times", lines);
    }
    std::sort(manifest.artifacts.begin(), manifest.artifacts.end(),
              [](const auto& a, const auto& b) { return a.name < b.name; });
    Exec("INSERT INTO artifact_lineage_dim VALUES (?, ?, ?, false, ?, ?, '[]')",
         {run, evidence_root_, "manifest-" + run, static_cast<int64_t>(manifest.artifacts.size()),
          manifest.ToJson().dump()});
  }

  // run-a (and run-b when `second`).
  void MakeRuns(bool second = false) {
    Dimensions();
    RunFact("run-a", "sw1", "2026-01-02 03:04:05");
    Metrics("run-a", 1.0);
    Requests("run-a");
    Telemetry("run-a");
    Evidence("run-a");
    Flush();
    if (second) {
      RunFact("run-b", "sw2", "2026-01-03 03:04:05");
      Metrics("run-b", 1.25);
      Evidence("run-b", false);
      Flush();
    }
  }

  warehouse::Database* db_ = nullptr;
  std::string evidence_root_;
  std::vector<std::string> outcome_rows_, replicate_rows_, telemetry_rows_;
};

}  // namespace inferbench::report::testing
