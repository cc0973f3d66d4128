// `inferbench lineage RUN [--metric PATH --point POINT] [--deep] [--json]` and
// `inferbench lineage --published NAME [--deep] [--json]`: walk a number back to its raw evidence
// (DESIGN.md §7, warehouse/lineage.h). Exit 0 when the number is publication-safe, 1 when it is
// not (the reasons are printed), 2 for bad input (unknown run, metric or point; no warehouse).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "cli/store_flags.h"
#include "warehouse/lineage.h"
#include "warehouse/runs.h"

namespace inferbench::cli {
namespace {

struct LineageFlags {
  std::string run;
  std::string metric;
  std::string point;
  std::string published;
  bool deep = false;
  bool json = false;
  StoreFlags store;
};

int Fail(const std::string& message) {
  std::fprintf(stderr, "inferbench lineage: %s\n", message.c_str());
  return kExitError;
}

int RunLineageCommand(const LineageFlags& f) {
  if (f.run.empty() == f.published.empty()) {
    return Fail("give either a RUN or --published NAME (`inferbench runs list` shows runs)");
  }
  if (!f.published.empty() && (!f.metric.empty() || !f.point.empty())) {
    return Fail("--published walks the runs the published number names; drop --metric/--point");
  }
  auto db = OpenWarehouseReader(f.store);
  if (!db.ok()) return Fail(db.status().message());

  if (!f.published.empty()) {
    auto walk = warehouse::LineagePublished(**db, f.store.evidence, f.published, f.deep);
    if (!walk.ok()) return Fail(walk.status().message());
    if (f.json) {
      std::printf("%s\n", walk->ToJson().dump(2).c_str());
    } else {
      std::fputs(walk->FormatText().c_str(), stdout);
    }
    return walk->publication_safe ? kExitOk : kExitFailed;
  }

  auto run_id = warehouse::ResolveRunId(**db, f.run);
  if (!run_id.ok()) return Fail(run_id.status().message());
  warehouse::LineageRequest request;
  request.metric = f.metric;
  request.point = f.point;
  request.deep = f.deep;
  // --evidence overrides the root recorded at ingest (a moved or copied store).
  auto report = warehouse::Lineage(**db, f.store.evidence, *run_id, request);
  if (!report.ok()) return Fail(report.status().message());
  if (f.json) {
    std::printf("%s\n", report->ToJson().dump(2).c_str());
  } else {
    std::fputs(report->FormatText().c_str(), stdout);
  }
  return report->publication_safe ? kExitOk : kExitFailed;
}

}  // namespace

void RegisterLineageCommand(CLI::App& app, int* exit_code) {
  auto f = std::make_shared<LineageFlags>();
  CLI::App* cmd = app.add_subcommand(
      "lineage", "Walk a number back to its query, run, manifest and raw artifacts");
  cmd->add_option("RUN", f->run, "Run id, unique prefix (6+ characters) or run directory");
  cmd->add_option("--metric", f->metric, "Metric path, e.g. tpot_ms.p99 (default: the headline)");
  cmd->add_option("--point", f->point, "Load point, e.g. concurrency=16 (default: the headline)");
  cmd->add_option("--published", f->published,
                  "Walk a published number (warehouse publish NAME) and each of its runs");
  cmd->add_flag("--deep", f->deep, "Re-hash every artifact's bytes (default: existence only)");
  cmd->add_flag("--json", f->json, "Print the walk as JSON");
  AddStoreFlags(cmd, &f->store);
  cmd->callback([f, exit_code] { *exit_code = RunLineageCommand(*f); });
}

}  // namespace inferbench::cli
