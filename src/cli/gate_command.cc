// `inferbench gate`: evaluate a spec's constraints against a finished run (DESIGN.md §6, §9).
// The run: --run RUN_DIR (its run.json), --run RUN_ID (a stored run: run.json and spec.yaml read
// from the evidence store through the warehouse), or, with SPEC.yaml alone, the newest stored run
// of that spec's workload digest. Constraints from SPEC.yaml, --constraints FILE, or the run's own
// spec.yaml. Runs are only read: the verdict goes to stdout, --json/--sentinel and --ctrf.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/store_flags.h"
#include "evidence/manifest.h"
#include "evidence/object_store.h"
#include "gate/gate.h"
#include "results/run_result.h"
#include "spec/digest.h"
#include "spec/parse.h"
#include "warehouse/runs.h"

namespace inferbench::cli {
namespace {

struct GateFlags {
  std::string spec_path;
  std::string run_dir;
  std::string constraints_path;
  std::string ctrf;
  bool json = false;
  bool sentinel = false;
  bool quiet = false;
  StoreFlags store;
};

// Where a run's files come from: a run directory, or the evidence store (a stored run).
struct RunSource {
  std::string dir;     // set for a run directory
  std::string run_id;  // set for a stored run
  std::string label;   // for messages
  std::string evidence_root;

  Result<std::string> Read(const std::string& name) const {
    if (!dir.empty()) {
      const std::string path = (std::filesystem::path(dir) / name).string();
      std::ifstream in(path, std::ios::binary);
      if (!in) return Result<std::string>::Error(path + ": cannot read it");
      std::stringstream text;
      text << in.rdbuf();
      return text.str();
    }
    auto manifest = evidence::LoadManifest(evidence_root, run_id);
    if (!manifest.ok()) return manifest.status();
    const evidence::Artifact* artifact = manifest->Find(name);
    if (artifact == nullptr) {
      return Result<std::string>::Error("run " + run_id + " has no " + name + " in its evidence");
    }
    return evidence::ObjectStore(evidence_root).Get(artifact->digest);
  }
};

// --run as a directory, else as a stored run id (or prefix) found in the warehouse.
Result<RunSource> FindRun(const std::string& run, const StoreFlags& store) {
  std::error_code ec;
  if (std::filesystem::is_directory(run, ec)) return RunSource{run, "", run, ""};
  auto db = OpenWarehouseReader(store);
  if (!db.ok()) {
    return Result<RunSource>::Error("--run " + run + ": not a run directory, and " + db.status().message());
  }
  auto id = warehouse::ResolveRunId(**db, run);
  if (!id.ok()) return Result<RunSource>::Error("--run " + run + ": " + id.status().message());
  return RunSource{"", *id, "run " + *id, store.EvidenceRoot()};
}

// The newest stored run (status ok) of the spec's workload digest.
Result<RunSource> LatestRunOf(const std::string& spec_path, const StoreFlags& store) {
  spec::ParseOutcome parsed = spec::LoadBenchmarkRun(spec_path);
  if (!parsed.ok()) {
    return Result<RunSource>::Error(spec_path + " has errors; `inferbench spec validate " + spec_path +
                                    "` lists them");
  }
  const std::string digest = spec::WorkloadSpecDigest(parsed.run);
  auto db = OpenWarehouseReader(store);
  if (!db.ok()) return db.status();
  auto rows = (*db)->Query(
      "SELECT run_id FROM benchmark_run_fact WHERE workload_spec_digest = ? AND status = 'ok' "
      "ORDER BY started_at DESC LIMIT 1",
      {digest});
  if (!rows.ok()) return rows.status();
  if (rows->rows.empty()) {
    return Result<RunSource>::Error("no stored run of " + spec_path + " (workload digest " + digest.substr(0, 12) +
                                    "…): run it with `inferbench run " + spec_path + "`, or give --run");
  }
  const std::string id = rows->rows[0][0].get<std::string>();
  return RunSource{"", id, "run " + id, store.EvidenceRoot()};
}

int Fail(const std::string& message) {
  std::fprintf(stderr, "inferbench gate: %s\n", message.c_str());
  return kExitError;
}

Result<results::RunResult> LoadRun(const RunSource& source) {
  const std::string path = source.dir.empty() ? source.label + " run.json"
                                              : (std::filesystem::path(source.dir) / "run.json").string();
  auto text = source.Read("run.json");
  if (!text.ok()) {
    return Result<results::RunResult>::Error(
        text.status().message() + "; is " + source.label +
        " a finished run? `inferbench run` writes run.json when the run ends");
  }
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(*text);
  } catch (const nlohmann::json::parse_error& e) {
    return Result<results::RunResult>::Error(path + ": not valid JSON (" + e.what() + ")");
  }
  auto run = results::RunResult::FromJson(json);
  if (!run.ok()) {
    // FromJson names "run.json"; say which one.
    std::string message = run.status().message();
    if (message.rfind("run.json: ", 0) == 0) message.erase(0, 10);
    return Result<results::RunResult>::Error(path + ": " + message);
  }
  return run;
}

// The constraints from SPEC.yaml, --constraints FILE or RUN_DIR/spec.yaml, in that order of
// preference. Problems of the spec are printed; errors end the command.
Result<std::vector<spec::Constraint>> LoadConstraints(const GateFlags& f, const RunSource& run) {
  using Out = Result<std::vector<spec::Constraint>>;
  if (!f.constraints_path.empty()) {
    // Its errors already name the file and line of every problem.
    return spec::ParseConstraintsFile(f.constraints_path);
  }
  std::string source = f.spec_path;
  spec::ParseOutcome parsed;
  if (source.empty()) {
    source = run.label + " spec.yaml";
    auto text = run.Read("spec.yaml");
    if (!text.ok()) {
      return Out::Error("no constraints to evaluate: give SPEC.yaml or --constraints FILE (" +
                        text.status().message() + ")");
    }
    parsed = spec::ParseBenchmarkRun(*text, source);
  } else {
    parsed = spec::LoadBenchmarkRun(source);
  }
  for (const spec::Problem& p : parsed.problems) {
    if (!p.warning || !f.quiet) std::fprintf(stderr, "%s\n", spec::FormatProblem(p, source).c_str());
  }
  if (!parsed.ok()) {
    return Out::Error(source + " has errors (above); `inferbench spec validate " + source +
                      "` lists them");
  }
  return parsed.run.constraints;
}

int RunGateCommand(const GateFlags& f) {
  if (f.run_dir.empty() && f.spec_path.empty()) {
    return Fail("give --run RUN_DIR|RUN_ID, or SPEC.yaml (its newest stored run), with SPEC.yaml or "
                "--constraints FILE for the constraints (default: the run's own spec.yaml)");
  }
  if (!f.spec_path.empty() && !f.constraints_path.empty()) {
    return Fail("give the constraints once: SPEC.yaml or --constraints FILE, not both");
  }
  auto source = f.run_dir.empty() ? LatestRunOf(f.spec_path, f.store) : FindRun(f.run_dir, f.store);
  if (!source.ok()) return Fail(source.status().message());
  if (f.run_dir.empty() && !f.quiet) {
    std::fprintf(stderr, "gate: %s, the newest stored run of %s\n", source->label.c_str(), f.spec_path.c_str());
  }
  auto run = LoadRun(*source);
  if (!run.ok()) return Fail(run.status().message());
  auto constraints = LoadConstraints(f, *source);
  if (!constraints.ok()) return Fail(constraints.status().message());

  const gate::GateReport report = gate::EvaluateConstraints(constraints.value(), run.value());
  if (!f.quiet) {
    std::FILE* table = (f.json || f.sentinel) ? stderr : stdout;
    std::fprintf(table, "%s", gate::FormatGateTable(report).c_str());
    std::fflush(table);
  }
  bool ctrf_failed = false;
  if (!f.ctrf.empty()) {
    Status written = gate::WriteCtrf(f.ctrf, gate::CtrfReport(report, run.value(), INFERBENCH_VERSION));
    if (!written.ok()) {
      Fail("--ctrf: " + written.message());
      ctrf_failed = true;
    }
  }
  if (f.json || f.sentinel) {
    const nlohmann::json out = gate::GateReportJson(report, run.value());
    if (f.sentinel) std::printf("===INFERBENCH-RESULT-BEGIN===\n");
    std::printf("%s\n", out.dump(f.sentinel ? -1 : 2).c_str());
    if (f.sentinel) std::printf("===INFERBENCH-RESULT-END===\n");
    std::fflush(stdout);
  }
  // A partial (or failed) run is an error whatever its constraints say (DESIGN.md §6).
  const bool incomplete = run->status != "ok";
  if (incomplete && !f.quiet) {
    std::fprintf(stderr, "inferbench gate: run %s is %s; the gate exits 2 on an incomplete run\n",
                 run->run_id.c_str(), run->status.c_str());
  }
  if (ctrf_failed) return kExitError;
  return gate::GateExitCode(report, incomplete);
}

}  // namespace

void RegisterGateCommand(CLI::App& app, int* exit_code) {
  auto f = std::make_shared<GateFlags>();
  CLI::App* cmd = app.add_subcommand(
      "gate", "Evaluate constraints against a finished run (exit 0 passed, 1 failed, 2 error, 3 skipped)");
  cmd->add_option("spec", f->spec_path, "BenchmarkRun spec whose constraints to evaluate");
  cmd->add_option("--run", f->run_dir,
                  "Run directory holding run.json, or a stored run id (default with SPEC.yaml: its newest stored run)");
  AddStoreFlags(cmd, &f->store);
  cmd->add_option("--constraints", f->constraints_path,
                   "YAML file with a list of constraints (instead of SPEC.yaml)");
  cmd->add_option("--ctrf", f->ctrf, "Write the results as a CTRF JSON report to this file");
  cmd->add_flag("--json", f->json, "Print the inferbench.gate/v1 JSON on stdout (the table goes to stderr)");
  cmd->add_flag("--sentinel", f->sentinel, "Print the JSON between ===INFERBENCH-RESULT-BEGIN/END=== lines");
  cmd->add_flag("--quiet", f->quiet, "No table, no warnings");
  cmd->callback([f, exit_code] { *exit_code = RunGateCommand(*f); });
}

}  // namespace inferbench::cli
