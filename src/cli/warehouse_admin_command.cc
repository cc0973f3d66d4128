// `inferbench warehouse retention|export|publish|import-training` (DESIGN.md §7, §9): the
// warehouse's housekeeping and hand-offs. Exit 0 on success, 2 on bad input or a store error.
//   retention [--apply] [--hot-days 30 --warm-days 180 --cold-days 730]   warehouse/retention.h
//   export --parquet DIR warehouse/parquet_export.h publish NAME --query SQL warehouse/publish.h
//   import-training FILE warehouse/training_import.h
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "cli/store_flags.h"
#include "warehouse/parquet_export.h"
#include "warehouse/publish.h"
#include "warehouse/retention.h"
#include "warehouse/training_import.h"

namespace inferbench::cli {
namespace {

int Fail(const char* command, const std::string& message) {
  std::fprintf(stderr, "inferbench warehouse %s: %s\n", command, message.c_str());
  return kExitError;
}

void PrintJson(const nlohmann::json& json) { std::printf("%s\n", json.dump(2).c_str()); }

struct RetentionFlags {
  bool apply = false;
  warehouse::RetentionPolicy policy;
  bool json = false;
  StoreFlags store;
};

int RunRetention(const RetentionFlags& f) {
  if (Status s = f.policy.Validate(); !s.ok()) return Fail("retention", s.message());
  // A dry run only reads; --apply needs the single writer's lock.
  auto db = f.apply ? OpenWarehouseWriter(f.store) : OpenWarehouseReader(f.store);
  if (!db.ok()) return Fail("retention", db.status().message());
  warehouse::RetentionOptions options;
  options.policy = f.policy;
  options.apply = f.apply;
  options.evidence_root_override = f.store.evidence;
  auto plan = warehouse::Retention(**db, options);
  if (!plan.ok()) return Fail("retention", plan.status().message());
  if (f.json) {
    PrintJson(plan->ToJson());
  } else {
    std::fputs(plan->FormatText().c_str(), stdout);
  }
  return kExitOk;
}

struct ExportFlags {
  std::string dir;
  bool json = false;
  StoreFlags store;
};

int RunExport(const ExportFlags& f) {
  auto db = OpenWarehouseReader(f.store);
  if (!db.ok()) return Fail("export", db.status().message());
  auto tables = warehouse::ExportParquet(**db, f.dir);
  if (!tables.ok()) return Fail("export", tables.status().message());
  if (f.json) {
    PrintJson(warehouse::ExportToJson(*tables));
  } else {
    std::fputs(warehouse::FormatExport(*tables).c_str(), stdout);
    std::printf(
        "read back with: SELECT * FROM read_parquet('%s/<table>/**/*.parquet', "
        "hive_partitioning = true)\n",
        f.dir.c_str());
  }
  return kExitOk;
}

struct PublishFlags {
  std::string name;
  std::string query;
  bool json = false;
  StoreFlags store;
};

int RunPublish(const PublishFlags& f) {
  auto db = OpenWarehouseWriter(f.store);
  if (!db.ok()) return Fail("publish", db.status().message());
  auto result = warehouse::Publish(**db, f.name, f.query);
  if (!result.ok()) return Fail("publish", result.status().message());
  if (f.json) {
    PrintJson({{"name", result->name},
               {"query_spec_digest", result->query_spec_digest},
               {"run_ids", result->run_ids},
               {"rows", result->rows},
               {"replaced", result->replaced},
               {"value", result->value}});
  } else {
    std::string runs;
    for (const std::string& id : result->run_ids) runs += (runs.empty() ? "" : ", ") + id;
    std::printf(
        "%s %s: %lld row(s) from %zu run(s): %s\nquery_spec_digest %s\n"
        "trace it with: inferbench lineage --published %s\n",
        result->replaced ? "republished" : "published", result->name.c_str(),
        static_cast<long long>(result->rows), result->run_ids.size(), runs.c_str(),
        result->query_spec_digest.c_str(), result->name.c_str());
  }
  return kExitOk;
}

struct ImportFlags {
  std::string file;
  bool json = false;
  StoreFlags store;
};

int RunImportTraining(const ImportFlags& f) {
  auto db = OpenWarehouseWriter(f.store);
  if (!db.ok()) return Fail("import-training", db.status().message());
  auto stats = warehouse::ImportTraining(**db, f.file);
  if (!stats.ok()) return Fail("import-training", stats.status().message());
  if (f.json) {
    PrintJson({{"run_id", stats->run_id}, {"rows", stats->rows}, {"replaced", stats->replaced}});
  } else {
    std::printf("imported %lld training outcome(s) for %s (%lld replaced)\n",
                static_cast<long long>(stats->rows), stats->run_id.c_str(),
                static_cast<long long>(stats->replaced));
  }
  return kExitOk;
}

}  // namespace

void RegisterWarehouseAdminCommands(CLI::App* warehouse, int* exit_code) {
  auto rf = std::make_shared<RetentionFlags>();
  CLI::App* retention = warehouse->add_subcommand(
      "retention", "Apply hot/warm/cold retention by run age (a dry run unless --apply)");
  retention->add_flag("--apply", rf->apply, "Delete what the plan lists (one transaction)");
  retention->add_option("--hot-days", rf->policy.hot_days, "Runs up to this age keep everything")
      ->capture_default_str();
  retention
      ->add_option("--warm-days", rf->policy.warm_days,
                   "Up to this age: request and telemetry rows go")
      ->capture_default_str();
  retention
      ->add_option("--cold-days", rf->policy.cold_days,
                   "Up to this age: replicate rows go too; older runs go entirely")
      ->capture_default_str();
  retention->add_flag("--json", rf->json, "Print the plan as JSON");
  AddStoreFlags(retention, &rf->store);
  retention->callback([rf, exit_code] { *exit_code = RunRetention(*rf); });

  auto ef = std::make_shared<ExportFlags>();
  CLI::App* exporter = warehouse->add_subcommand(
      "export", "Write every table as Hive-partitioned Parquet (for ClickHouse, Trino, Spark)");
  exporter->add_option("--parquet", ef->dir, "Output folder")->required();
  exporter->add_flag("--json", ef->json, "Print the per-table row counts as JSON");
  AddStoreFlags(exporter, &ef->store);
  exporter->callback([ef, exit_code] { *exit_code = RunExport(*ef); });

  auto pf = std::make_shared<PublishFlags>();
  CLI::App* publish = warehouse->add_subcommand(
      "publish", "Store a query's result as a named, traceable published number");
  publish->add_option("NAME", pf->name, "Name of the published number")->required();
  publish
      ->add_option("--query", pf->query,
                   "One SELECT/WITH statement; its result must have a run_id column")
      ->required();
  publish->add_flag("--json", pf->json, "Print the result as JSON");
  AddStoreFlags(publish, &pf->store);
  publish->callback([pf, exit_code] { *exit_code = RunPublish(*pf); });

  auto tf = std::make_shared<ImportFlags>();
  CLI::App* import = warehouse->add_subcommand(
      "import-training", "Import training outcomes (inferbench.training/v1 JSON)");
  import->add_option("FILE", tf->file, "The training outcomes file")->required();
  import->add_flag("--json", tf->json, "Print the import counts as JSON");
  AddStoreFlags(import, &tf->store);
  import->callback([tf, exit_code] { *exit_code = RunImportTraining(*tf);
});
}  // namespace inferbench::cli

}  // namespace inferbench::cli
