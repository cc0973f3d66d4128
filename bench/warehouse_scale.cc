// Warehouse scale benchmark (DESIGN.md §11, issue 6): `compare` and `lineage` (without --deep)
// on a warehouse holding 10,000 runs, budget ≤ 200 ms each.
//
//   warehouse_scale TEMPLATE_RUN_DIR WORK_DIR [--runs N] [--repeat K]
//
// The template is a real run directory (e.g. the quick-start's, written by `inferbench run`). It
// is stored in WORK_DIR/evidence and ingested into WORK_DIR/warehouse.duckdb like any run; then
// N−1 clones of its rows (every fact table, new run ids, earlier start times) fill the warehouse
// with SQL, so the tables have the size of N real runs. Timed, each K times on a fresh read-only
// connection (as `inferbench compare` / `lineage` open it): open + LoadRunData(template, clone)
// + CompareRuns, and open + Lineage(template). Prints each time, then min and median.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "evidence/store_run.h"
#include "warehouse/compare.h"
#include "warehouse/database.h"
#include "warehouse/ingest.h"
#include "warehouse/lineage.h"
#include "warehouse/run_data.h"

namespace {

using namespace inferbench;
using Clock = std::chrono::steady_clock;

double Ms(Clock::time_point since) {
  return std::chrono::duration<double, std::milli>(Clock::now() - since).count();
}

int Die(const std::string& message) {
  std::fprintf(stderr, "warehouse_scale: %s\n", message.c_str());
  return 2;
}

std::string Summary(std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  return fmt::format("min {:.1f} ms, median {:.1f} ms, max {:.1f} ms", ms.front(), ms[ms.size() / 2], ms.back());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return Die("usage: warehouse_scale TEMPLATE_RUN_DIR WORK_DIR [--runs N] [--repeat K]");
  const std::string template_dir = argv[1];
  const std::string work = argv[2];
  int64_t runs = 10'000;
  int repeat = 7;
  for (int i = 3; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--runs") runs = std::atoll(argv[i + 1]);
    else if (flag == "--repeat") repeat = std::atoi(argv[i + 1]);
    else return Die("unknown flag " + flag);
  }
  std::ifstream run_json(template_dir + "/run.json");
  if (!run_json) return Die(template_dir + "/run.json: cannot read it; give a run directory written by `inferbench run`");
  const std::string run_id = nlohmann::json::parse(run_json).at("run_id").get<std::string>();

  std::filesystem::remove_all(work);
  std::filesystem::create_directories(work);
  const std::string evidence_root = work + "/evidence";
  const std::string path = work + "/warehouse.duckdb";

  // Fill: the template, then N−1 clones of its rows.
  auto fill_start = Clock::now();
  {
    evidence::StoreOptions store;
    store.evidence_root = evidence_root;
    store.harness_version = "bench";
    auto manifest = evidence::StoreRunEvidence(template_dir, run_id, store);
    if (!manifest.ok()) return Die(manifest.status().message());
    warehouse::OpenOptions open;
    open.mode = warehouse::AccessMode::kReadWrite;
    open.create = true;
    auto db = warehouse::Database::Open(path, open);
    if (!db.ok()) return Die(db.status().message());
    auto ingested = warehouse::IngestRun(**db, *manifest, warehouse::RunDirectoryReader(template_dir), evidence_root);
    if (!ingested.ok()) return Die(ingested.status().message());
    // Clone ids sort before the template's (older runs): "<id>-c00001" … in the same run_id order
    // the warehouse gets from real, time-ordered ids.
    const std::string clone = fmt::format("'{}-c' || lpad(i::VARCHAR, 6, '0')", run_id);
    const std::string where = fmt::format("WHERE t.run_id = '{}'", run_id);
    const std::string range = fmt::format("range(1, {}) r(i)", runs);
    std::vector<std::string> statements = {
        fmt::format("INSERT INTO benchmark_run_fact SELECT t.* REPLACE ({} AS run_id, started_at - to_minutes(i) AS "
                    "started_at, ended_at - to_minutes(i) AS ended_at) FROM benchmark_run_fact t, {} {}",
                    clone, range, where),
        fmt::format("INSERT INTO artifact_lineage_dim SELECT t.* REPLACE ({} AS run_id) FROM artifact_lineage_dim t, {} {}",
                    clone, range, where),
    };
    for (const char* table : {"serving_outcome_fact", "serving_replicate_fact", "request_fact", "telemetry_slice_fact"}) {
      statements.push_back(fmt::format("INSERT INTO {0} SELECT t.* REPLACE ({1} AS run_id) FROM {0} t, {2} {3}",
                                       table, clone, range, where));
    }
    for (const std::string& sql : statements) {
      if (Status ok = (*db)->Execute(sql); !ok.ok()) return Die(ok.message() + "\n  in: " + sql);
    }
  }
  std::printf("filled %lld runs in %.1f s (%s)\n", static_cast<long long>(runs), Ms(fill_start) / 1000, path.c_str());
  {
    auto db = warehouse::Database::Open(path, {});
    if (!db.ok()) return Die(db.status().message());
    for (const char* table : {"benchmark_run_fact", "serving_outcome_fact", "serving_replicate_fact", "request_fact"}) {
      auto rows = (*db)->Query(fmt::format("SELECT count(*) FROM {}", table));
      if (!rows.ok()) return Die(rows.status().message());
      std::printf("  %-24s %s rows\n", table, rows->rows[0][0].dump().c_str());
    }
  }

  const std::string other = fmt::format("{}-c{:06d}", run_id, runs / 2);
  std::vector<double> compare_ms, lineage_ms;
  for (int k = 0; k < repeat; ++k) {
    auto start = Clock::now();
    auto db = warehouse::Database::Open(path, {});
    if (!db.ok()) return Die(db.status().message());
    const double open_ms = Ms(start);
    auto data = warehouse::LoadRunData(**db, {other, run_id});
    if (!data.ok()) return Die(data.status().message());
    const double load_ms = Ms(start) - open_ms;
    auto compared = warehouse::CompareRuns(*data, {});
    if (!compared.ok()) return Die(compared.status().message());
    compare_ms.push_back(Ms(start));
    std::printf("  round %d: compare = open %.1f + load %.1f + judge %.1f ms\n", k + 1, open_ms, load_ms,
                compare_ms.back() - open_ms - load_ms);

    start = Clock::now();
    auto db2 = warehouse::Database::Open(path, {});
    if (!db2.ok()) return Die(db2.status().message());
    auto walk = warehouse::Lineage(**db2, "", run_id, {});
    if (!walk.ok()) return Die(walk.status().message());
    if (!walk->publication_safe) return Die("the template's lineage walk did not verify");
    lineage_ms.push_back(Ms(start));
    std::printf("  round %d: compare %.1f ms, lineage %.1f ms\n", k + 1, compare_ms.back(), lineage_ms.back());
  }
  std::printf("RESULT runs=%lld compare: %s; lineage: %s (budget 200 ms each)\n", static_cast<long long>(runs),
              Summary(compare_ms).c_str(), Summary(lineage_ms).c_str());
  return 0;
}
