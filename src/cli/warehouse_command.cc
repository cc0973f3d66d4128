// `inferbench warehouse query|ingest|rebuild` (DESIGN.md §7, §9); retention, export, publish and
// import-training attach to the same subcommand (RegisterWarehouseAdminCommands).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/store_flags.h"
#include "core/duration.h"
#include "evidence/manifest.h"
#include "evidence/store_run.h"
#include "warehouse/database.h"
#include "warehouse/ingest.h"

namespace inferbench::cli {
namespace {

struct WarehouseFlags {
  StoreFlags store;
  bool json = false;
  std::string sql;
  std::string run_dir;
  std::string wait = "10s";
};

int Fail(const char* command, const std::string& message) {
  std::fprintf(stderr, "inferbench warehouse %s: %s\n", command, message.c_str());
  return kExitError;
}

int RunQuery(const WarehouseFlags& f) {
  auto db = OpenWarehouseReader(f.store);
  if (!db.ok()) return Fail("query", db.status().message());
  auto table = (*db)->Query(f.sql);
  if (!table.ok()) return Fail("query", table.status().message());
  if (f.json) {
    std::printf(
        "%s\n",
        table->ToJson().dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  } else {
    std::fputs(table->Format().c_str(), stdout);
  }
  return kExitOk;
}

// The run_id a run directory's run.json records.
Result<std::string> RunIdOf(const std::string& run_dir) {
  const std::string path = run_dir + "/run.json";
  std::error_code ec;
  if (!std::filesystem::is_directory(run_dir, ec))
    return Status::Error(run_dir + " is not a directory");
  FILE* in = std::fopen(path.c_str(), "rb");
  if (!in) {
    return Status::Error("the run directory " + run_dir +
                         " has no run.json: the run did not finish, so it cannot be ingested");
  }
  std::string bytes;
  char buffer[65536];
  for (size_t n; (n = std::fread(buffer, 1, sizeof buffer, in)) > 0;) bytes.append(buffer, n);
  std::fclose(in);
  nlohmann::json json = nlohmann::json::parse(bytes, nullptr, false);
  if (json.is_discarded() || !json.is_object() || !json.contains("run_id") ||
      !json["run_id"].is_string()) {
    return Status::Error(path + " is not a valid run.json (no run_id)");
  }
  return json["run_id"].get<std::string>();
}

int RunIngest(const WarehouseFlags& f) {
  auto wait_ns = ParseDurationNs(f.wait);
  if (!wait_ns.ok()) return Fail("ingest", "--wait: " + wait_ns.status().message());
  auto run_id = RunIdOf(f.run_dir);
  if (!run_id.ok()) return Fail("ingest", run_id.status().message());
  const std::string evidence_root = f.store.EvidenceRoot();
  std::error_code ec;
  if (!std::filesystem::exists(evidence::ManifestPath(evidence_root, *run_id), ec)) {
    evidence::StoreOptions options;
    options.evidence_root = evidence_root;
    options.harness_version = INFERBENCH_VERSION;
    auto stored = evidence::StoreRunEvidence(f.run_dir, *run_id, options);
    if (!stored.ok()) return Fail("ingest", stored.status().message());
    std::fprintf(stderr, "stored the evidence of run %s in %s (%zu artifacts)\n", run_id->c_str(),
                 evidence_root.c_str(), stored->artifacts.size());
  }
  auto db = OpenWarehouseWriter(f.store, *wait_ns);
  if (!db.ok()) return Fail("ingest", db.status().message());
  auto stats = warehouse::IngestRunDirectory(**db, f.run_dir, evidence_root);
  if (!stats.ok()) return Fail("ingest", stats.status().message());
  if (f.json) {
    nlohmann::json out = {{"run_id", stats->run_id},
                          {"skipped", stats->skipped},
                          {"requests", stats->requests},
                          {"outcome_rows", stats->outcome_rows},
                          {"replicate_rows", stats->replicate_rows},
                          {"telemetry_rows", stats->telemetry_rows},
                          {"warehouse", f.store.WarehousePath()}};
    std::printf("%s\n", out.dump(2).c_str());
  } else if (stats->skipped) {
    std::printf("run %s already ingested in %s (same manifest digest); nothing to do\n",
                stats->run_id.c_str(), f.store.WarehousePath().c_str());
  } else {
    std::printf(
        "ingested run %s into %s: %lld requests, %lld outcome rows, %lld replicate rows, %lld "
        "telemetry rows\n",
        stats->run_id.c_str(), f.store.WarehousePath().c_str(),
        static_cast<long long>(stats->requests), static_cast<long long>(stats->outcome_rows),
        static_cast<long long>(stats->replicate_rows),
        static_cast<long long>(stats->telemetry_rows));
  }
  return kExitOk;
}

int RunRebuild(const WarehouseFlags& f) {
  auto runs = warehouse::RebuildWarehouse(f.store.WarehousePath(), f.store.EvidenceRoot());
  if (!runs.ok()) return Fail("rebuild", runs.status().message());
  if (f.json) {
    std::printf(
        "%s\n",
        nlohmann::json({{"runs", *runs}, {"warehouse", f.store.WarehousePath()}}).dump(2).c_str());
  } else {
    std::printf("rebuilt %s from %s: %lld run%s\n", f.store.WarehousePath().c_str(),
                f.store.EvidenceRoot().c_str(), static_cast<long long>(*runs),
                *runs == 1 ? "" : "s");
  }
  return kExitOk;
}

}  // namespace

void RegisterWarehouseCommand(CLI::App& app, int* exit_code) {
  auto f = std::make_shared<WarehouseFlags>();
  CLI::App* warehouse = app.add_subcommand("warehouse", "Query and maintain the DuckDB warehouse");
  warehouse->require_subcommand(1);

  CLI::App* query = warehouse->add_subcommand("query", "Run SQL on a read-only connection");
  AddStoreFlags(query, &f->store);
  query->add_option("SQL", f->sql, "The SQL to run (the tables of docs/FORMATS.md)")->required();
  query->add_flag("--json", f->json, "Print the rows as a JSON array");
  query->callback([f, exit_code] { *exit_code = RunQuery(*f); });

  CLI::App* ingest = warehouse->add_subcommand(
      "ingest", "Ingest a finished run directory (storing its evidence first if needed)");
  AddStoreFlags(ingest, &f->store);
  ingest->add_option("RUN_DIR", f->run_dir, "The run directory (holds run.json)")->required();
  ingest->add_option("--wait", f->wait, "How long to wait for another writer to finish")
      ->capture_default_str();
  ingest->add_flag("--json", f->json, "Print what was ingested as JSON");
  ingest->callback([f, exit_code] { *exit_code = RunIngest(*f); });

  CLI::App* rebuild = warehouse->add_subcommand("rebuild",
                                                "Recreate every curated table from the evidence "
                                                "store (keeps baselines and published rollups)");
  AddStoreFlags(rebuild, &f->store);
  rebuild->add_flag("--json", f->json, "Print the result as JSON");
  rebuild->callback([f, exit_code] { *exit_code = RunRebuild(*f); });

  RegisterWarehouseAdminCommands(warehouse, exit_code);
}

}  // namespace inferbench::cli
