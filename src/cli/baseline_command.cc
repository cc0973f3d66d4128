// `inferbench baseline set NAME RUN` and `inferbench baseline list [--json]`: named baselines,
// one run per name and workload digest (DESIGN.md §7; warehouse/baseline.h). `regressions`
// starts its window at the baseline of each workload.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "cli/store_flags.h"
#include "warehouse/baseline.h"
#include "warehouse/runs.h"

namespace inferbench::cli {
namespace {

struct BaselineFlags {
  std::string name;
  std::string run;
  bool json = false;
  StoreFlags store;
};

int Fail(const std::string& message) {
  std::fprintf(stderr, "inferbench baseline: %s\n", message.c_str());
  return kExitError;
}

int RunBaselineSet(const BaselineFlags& f) {
  auto db = OpenWarehouseWriter(f.store);
  if (!db.ok()) return Fail(db.status().message());
  auto run_id = warehouse::ResolveRunId(**db, f.run);
  if (!run_id.ok()) return Fail(run_id.status().message());
  auto set = warehouse::SetBaseline(**db, f.name, *run_id);
  if (!set.ok()) return Fail(set.status().message());
  if (f.json) {
    std::printf("%s\n", warehouse::BaselinesToJson({*set})[0].dump(2).c_str());
  } else {
    std::printf("baseline %s → run %s for workload %s\n", set->name.c_str(), set->run_id.c_str(),
                set->workload_spec_digest.c_str());
  }
  return kExitOk;
}

int RunBaselineList(const BaselineFlags& f) {
  auto db = OpenWarehouseReader(f.store);
  if (!db.ok()) return Fail(db.status().message());
  auto list = warehouse::ListBaselines(**db);
  if (!list.ok()) return Fail(list.status().message());
  if (f.json) {
    std::printf("%s\n", warehouse::BaselinesToJson(*list).dump(2).c_str());
  } else {
    std::fputs(warehouse::FormatBaselines(*list).c_str(), stdout);
  }
  return kExitOk;
}

}  // namespace

void RegisterBaselineCommand(CLI::App& app, int* exit_code) {
  auto f = std::make_shared<BaselineFlags>();
  CLI::App* cmd = app.add_subcommand("baseline", "Name a run as the baseline of its workload");
  cmd->require_subcommand(1);

  CLI::App* set = cmd->add_subcommand("set", "Point NAME at RUN for RUN's workload digest");
  set->add_option("NAME", f->name, "Baseline name, e.g. main")->required();
  set->add_option("RUN", f->run, "Run id, unique prefix (6+ characters) or run directory")
      ->required();
  set->add_flag("--json", f->json, "Print the baseline written as JSON");
  AddStoreFlags(set, &f->store);
  set->callback([f, exit_code] { *exit_code = RunBaselineSet(*f); });

  CLI::App* list = cmd->add_subcommand("list", "List every baseline (name, workload, run)");
  list->add_flag("--json", f->json, "Print the baselines as JSON");
  AddStoreFlags(list, &f->store);
  list->callback([f, exit_code] { *exit_code = RunBaselineList(*f); });
}

}  // namespace inferbench::cli
