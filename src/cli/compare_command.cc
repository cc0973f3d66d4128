// `inferbench compare RUN_A RUN_B [RUN…] [--exploratory] [--noise 0.02] [--confidence 0.95]
// [--metric PATH]… [--all] [--json]`: the first run is the baseline (DESIGN.md §7, §9;
// warehouse/compare.h). Exit 1 when any metric regressed, 0 otherwise, 2 for bad input or a
// refused comparison (different workloads without --exploratory).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/store_flags.h"
#include "results/metric_names.h"
#include "warehouse/compare.h"
#include "warehouse/run_data.h"
#include "warehouse/runs.h"

namespace inferbench::cli {
namespace {

struct CompareFlags {
  std::vector<std::string> runs;
  bool exploratory = false;
  double noise = 0.02;
  double confidence = 0.95;
  std::vector<std::string> metrics;
  bool all = false;
  bool json = false;
  StoreFlags store;
};

int Fail(const std::string& message) {
  std::fprintf(stderr, "inferbench compare: %s\n", message.c_str());
  return kExitError;
}

int RunCompareCommand(const CompareFlags& f) {
  if (f.runs.size() < 2) {
    return Fail("give at least two runs, the baseline first (`inferbench runs list` shows them)");
  }
  if (!(f.confidence > 0 && f.confidence < 1)) {
    return Fail("--confidence " + std::to_string(f.confidence) + " must be between 0 and 1, e.g. 0.95");
  }
  if (!(f.noise >= 0 && f.noise < 1)) {
    return Fail("--noise " + std::to_string(f.noise) +
                " is a relative change and must be in [0, 1), e.g. 0.02 for ±2 %");
  }
  warehouse::CompareOptions options;
  options.noise = f.noise;
  options.alpha = 1 - f.confidence;
  options.exploratory = f.exploratory;
  for (const std::string& text : f.metrics) {
    auto path = results::ParseMetricPath(text);
    if (!path.ok()) return Fail("--metric " + path.status().message());
    options.metrics.push_back(path->Format());
  }

  auto db = OpenWarehouseReader(f.store);
  if (!db.ok()) return Fail(db.status().message());
  std::vector<std::string> run_ids;
  for (const std::string& text : f.runs) {
    auto id = warehouse::ResolveRunId(**db, text);
    if (!id.ok()) return Fail(id.status().message());
    run_ids.push_back(*id);
  }
  auto runs = warehouse::LoadRunData(**db, run_ids);
  if (!runs.ok()) return Fail(runs.status().message());
  db->reset();  // a short read-only connection: done with the file

  auto comparison = warehouse::CompareRuns(*runs, options);
  if (!comparison.ok()) return Fail(comparison.status().message());
  if (f.json) {
    std::printf("%s\n", comparison->ToJson().dump(2).c_str());
  } else {
    std::fputs(comparison->FormatText(f.all).c_str(), stdout);
  }
  return comparison->any_regressed() ? kExitFailed : kExitOk;
}

}  // namespace

void RegisterCompareCommand(CLI::App& app, int* exit_code) {
  auto f = std::make_shared<CompareFlags>();
  CLI::App* cmd = app.add_subcommand(
      "compare", "Compare stored runs point by point: change with CI and a verdict per metric");
  cmd->add_option("RUNS", f->runs,
                  "Two or more runs (id, unique prefix or run directory); the first is the baseline")
      ->required();
  cmd->add_flag("--exploratory", f->exploratory,
                "Compare runs of different workloads too (the result is labelled exploratory)");
  cmd->add_option("--noise", f->noise,
                  "Relative change regarded as noise: improved/regressed need the whole CI beyond "
                  "±noise (default 0.02)");
  cmd->add_option("--confidence", f->confidence,
                  "Confidence of the intervals; α = 1 − confidence is the Holm family-wise error "
                  "rate (default 0.95)");
  cmd->add_option("--metric", f->metrics, "Compare only this metric path (repeatable)");
  cmd->add_flag("--all", f->all,
                "Show every metric (default: intent KPIs, headline metrics and every change)");
  cmd->add_flag("--json", f->json, "Print the comparison as JSON");
  AddStoreFlags(cmd, &f->store);
  cmd->callback([f, exit_code] { *exit_code = RunCompareCommand(*f); });
}

}  // namespace inferbench::cli
