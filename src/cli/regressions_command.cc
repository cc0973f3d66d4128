// `inferbench regressions [--case ID] [--metric PATH]… [--window N] [--baseline NAME] [--json]`:
// the newest run of every case × metric against its history, and the change points of the
// history (DESIGN.md §7; warehouse/regressions.h documents the method and its parameters).
// Exit 1 when the newest run of any series regressed, 0 otherwise, 2 for bad input.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/store_flags.h"
#include "results/metric_names.h"
#include "warehouse/regressions.h"

namespace inferbench::cli {
namespace {

struct RegressionsFlags {
  std::string case_prefix;
  std::vector<std::string> metrics;
  int window = 10;
  std::string baseline;
  bool json = false;
  StoreFlags store;
};

int Fail(const std::string& message) {
  std::fprintf(stderr, "inferbench regressions: %s\n", message.c_str());
  return kExitError;
}

int RunRegressionsCommand(const RegressionsFlags& f) {
  warehouse::RegressionOptions options;
  options.case_prefix = f.case_prefix;
  options.window = f.window;
  options.baseline_name = f.baseline;
  if (f.window < 1) return Fail("--window " + std::to_string(f.window) + " must be at least 1");
  for (const std::string& text : f.metrics) {
    auto path = results::ParseMetricPath(text);
    if (!path.ok()) return Fail("--metric " + path.status().message());
    options.metrics.push_back(path->Format());
  }
  auto db = OpenWarehouseReader(f.store);
  if (!db.ok()) return Fail(db.status().message());
  auto report = warehouse::FindRegressions(**db, options);
  if (!report.ok()) return Fail(report.status().message());
  db->reset();
  if (f.json) {
    std::printf("%s\n", report->ToJson().dump(2).c_str());
  } else {
    std::fputs(report->FormatText().c_str(), stdout);
  }
  return report->any_regressed() ? kExitFailed : kExitOk;
}

}  // namespace

void RegisterRegressionsCommand(CLI::App& app, int* exit_code) {
  auto f = std::make_shared<RegressionsFlags>();
  CLI::App* cmd = app.add_subcommand(
      "regressions", "Newest run vs its history per case and metric, and change points");
  cmd->add_option("--case", f->case_prefix, "Only cases whose benchmark_case_id starts with ID");
  cmd->add_option("--metric", f->metrics,
                  "Metric path (repeatable; default: the headline metrics of compare)");
  cmd->add_option("--window", f->window,
                  "Earlier runs in the window when the workload has no baseline (default 10)");
  cmd->add_option("--baseline", f->baseline,
                  "Start the window at this named baseline (default: the workload's newest one)");
  cmd->add_flag("--json", f->json, "Print the report as JSON");
  AddStoreFlags(cmd, &f->store);
  cmd->callback([f, exit_code] { *exit_code = RunRegressionsCommand(*f); });
}

}  // namespace inferbench::cli
