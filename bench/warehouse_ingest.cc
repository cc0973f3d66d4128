// Ingest benchmark (DESIGN.md §11, issue 6): one run of N request records (default 1,000,000)
// into a fresh warehouse file, timed end to end (read requests.jsonl, parse, append, commit).
// The run directory is generated first (not timed); nothing goes through the evidence store: the
// manifest is built by hand and the artifacts are read from the directory.
//
//   warehouse_ingest [--records N] [--dir DIR] [--keep] [--reuse]
// --reuse ingests the run directory a previous --keep left in DIR instead of generating one.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "evidence/manifest.h"
#include "results/request_record.h"
#include "results/run_result.h"
#include "warehouse/database.h"
#include "warehouse/ingest.h"

namespace {

using inferbench::results::RequestRecord;

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

// A deterministic, realistic mix: four concurrency points, three replicates, ~2 % errors.
void WriteRun(const std::string& dir, int64_t records) {
  std::filesystem::create_directories(dir);
  const char* points[] = {"concurrency=1", "concurrency=8", "concurrency=32", "concurrency=64"};
  inferbench::results::RunResult run;
  run.run_id = "bench-ingest-000001";
  run.name = "warehouse-ingest-bench";
  run.tier = "VERDICT";
  run.mode = "realism";
  run.workload_spec_digest = std::string(64, 'a');
  for (int p = 0; p < 4; ++p) {
    inferbench::results::PointResult point;
    point.point = points[p];
    point.benchmark_case_id = std::string(63, 'b') + std::to_string(p);
    point.replicates = 3;
    for (const char* metric : {"ttft_ms.p99", "tpot_ms.p50", "output_throughput_tok_s"}) {
      inferbench::results::MetricAggregate m;
      m.mean = 10.0 + p;
      m.ci_low = 9.0 + p;
      m.ci_high = 11.0 + p;
      m.n = 3;
      m.ci_method = "t";
      m.replicates = {9.5 + p, 10.0 + p, 10.5 + p};
      point.metrics[metric] = m;
    }
    run.points.push_back(point);
  }
  std::ofstream(dir + "/run.json") << run.ToJson().dump(2);
  nlohmann::json summary = {
      {"schema", "inferbench.summary/v1"},
      {"run_id", run.run_id},
      {"anchor", {{"steady_ns", 1}, {"system_ns", 1'767'225'600'000'000'000}}},
      {"points", nlohmann::json::array()}};
  std::ofstream(dir + "/summary.json") << summary.dump(2);

  std::ofstream out(dir + "/requests.jsonl", std::ios::binary);
  uint64_t state = 0x9e3779b97f4a7c15ULL;
  auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  int64_t t = 1'000'000'000;
  for (int64_t i = 0; i < records; ++i) {
    RequestRecord r;
    r.request_id = "req-" + std::to_string(i);
    r.point = points[(i / 1000) % 4];
    r.replicate = (i / 4000) % 3;
    r.warmup = i % 250 == 0;
    t += 50'000 + static_cast<int64_t>(next() % 100'000);
    r.t_sched_ns = t;
    r.t_send_ns = t + 20'000;
    r.input_tokens_requested = 1024;
    r.input_tokens = 1024;
    r.output_tokens_requested = 256;
    r.output_tokens_source = inferbench::results::TokenCountSource::kUsage;
    r.http_status = 200;
    if (next() % 50 == 0) {
      r.error_class = inferbench::results::ErrorClass::kHttp5xx;
      r.http_status = 503;
      r.error_message = "HTTP 503: server overloaded";
      r.t_done_ns = r.t_send_ns + 2'000'000;
    } else {
      r.t_first_ns = r.t_send_ns + 20'000'000 + static_cast<int64_t>(next() % 30'000'000);
      r.t_second_ns = r.t_first_ns + 9'000'000;
      r.output_tokens = 256;
      r.token_events = 256;
      r.same_read_gaps = static_cast<int64_t>(next() % 4);
      r.t_last_ns = r.t_first_ns + int64_t{255} * 9'500'000;
      r.t_done_ns = r.t_last_ns + 100'000;
      r.finish_reason = "length";
      r.cached_tokens = static_cast<int64_t>(next() % 2) * 512;
    }
    r.salt = "s" + std::to_string(r.replicate);
    out << r.ToJsonLine() << '\n';
  }
}

}  // namespace

int main(int argc, char** argv) {
  int64_t records = 1'000'000;
  std::string dir;
  bool keep = false;
  bool reuse = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--records" && i + 1 < argc) {
      records = std::atoll(argv[++i]);
    } else if (arg == "--dir" && i + 1 < argc) {
      dir = argv[++i];
    } else if (arg == "--keep") {
      keep = true;
    } else if (arg == "--reuse") {
      reuse = true;
    } else {
      std::fprintf(stderr,
                   "usage: warehouse_ingest [--records N] [--dir DIR] [--keep] [--reuse]\n");
      return 2;
    }
  }
  if (dir.empty())
    dir = (std::filesystem::temp_directory_path() / "inferbench-ingest-bench").string();
  const std::string run_dir = dir + "/run";
  const std::string warehouse_path = dir + "/warehouse.duckdb";
  reuse = reuse && std::filesystem::exists(run_dir + "/run.json");
  if (!reuse) std::filesystem::remove_all(dir);
  std::filesystem::remove(warehouse_path);
  std::filesystem::remove(warehouse_path + ".wal");

  auto start = std::chrono::steady_clock::now();
  if (!reuse) WriteRun(run_dir, records);
  const double generate_s = Seconds(start);

  inferbench::evidence::Manifest manifest;
  manifest.run_id = "bench-ingest-000001";
  manifest.created_utc = "2026-01-01T00:00:00Z";
  manifest.harness_version = "bench";
  for (const auto& entry : std::filesystem::directory_iterator(run_dir)) {
    inferbench::evidence::Artifact artifact;
    artifact.name = entry.path().filename().string();
    artifact.media_type = inferbench::evidence::MediaTypeFor(artifact.name);
    artifact.size = static_cast<int64_t>(entry.file_size());
    artifact.digest = std::string(64, '0');  // not hashed: the evidence store is not measured
    manifest.artifacts.push_back(artifact);
  }
  std::sort(manifest.artifacts.begin(), manifest.artifacts.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });

  inferbench::warehouse::OpenOptions options;
  options.mode = inferbench::warehouse::AccessMode::kReadWrite;
  options.create = true;
  auto db = inferbench::warehouse::Database::Open(warehouse_path, options);
  if (!db.ok()) {
    std::fprintf(stderr, "%s\n", db.status().message().c_str());
    return 2;
  }
  start = std::chrono::steady_clock::now();
  auto stats = inferbench::warehouse::IngestRun(
      **db, manifest, inferbench::warehouse::RunDirectoryReader(run_dir), dir);
  const double ingest_s = Seconds(start);
  if (!stats.ok()) {
    std::fprintf(stderr, "%s\n", stats.status().message().c_str());
    return 2;
  }
  start = std::chrono::steady_clock::now();
  db->reset();
  const double close_s = Seconds(start);

  const double mib =
      static_cast<double>(std::filesystem::file_size(run_dir + "/requests.jsonl")) / (1 << 20);
  std::printf("records %lld (requests.jsonl %.0f MiB, generated in %.1f s)\n",
              static_cast<long long>(stats->requests), mib, generate_s);
  std::printf("ingest %.3f s (%.0f rows/s, %.0f MiB/s), close/checkpoint %.3f s\n", ingest_s,
              static_cast<double>(stats->requests) / ingest_s, mib / ingest_s, close_s);
  if (!keep) std::filesystem::remove_all(dir);
  return 0;
}
