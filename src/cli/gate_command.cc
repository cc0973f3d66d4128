// `inferbench gate`: evaluate a spec's constraints against a finished run directory (DESIGN.md
// §6, §9). Results from RUN_DIR/run.json; constraints from SPEC.yaml, --constraints FILE, or the
// run's own RUN_DIR/spec.yaml. The run directory is only read: the gate's verdict goes to stdout,
// --json/--sentinel and --ctrf, never back into run.json.
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
#include "gate/gate.h"
#include "results/run_result.h"
#include "spec/parse.h"

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
};

int Fail(const std::string& message) {
  std::fprintf(stderr, "inferbench gate: %s\n", message.c_str());
  return kExitError;
}

Result<results::RunResult> LoadRun(const std::string& run_dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(run_dir, ec)) {
    return Result<results::RunResult>::Error(
        "--run " + run_dir + ": no such directory; give a run directory written by `inferbench run`");
  }
  const std::string path = (fs::path(run_dir) / "run.json").string();
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Result<results::RunResult>::Error(
        path + ": cannot read it; is " + run_dir +
        " a finished run directory? `inferbench run` writes run.json when the run ends");
  }
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(text.str());
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
Result<std::vector<spec::Constraint>> LoadConstraints(const GateFlags& f) {
  using Out = Result<std::vector<spec::Constraint>>;
  if (!f.constraints_path.empty()) {
    // Its errors already name the file and line of every problem.
    return spec::ParseConstraintsFile(f.constraints_path);
  }
  std::string source = f.spec_path;
  if (source.empty()) {
    source = (std::filesystem::path(f.run_dir) / "spec.yaml").string();
    std::error_code ec;
    if (!std::filesystem::exists(source, ec)) {
      return Out::Error("no constraints to evaluate: give SPEC.yaml or --constraints FILE (" + source +
                        " does not exist)");
    }
  }
  spec::ParseOutcome parsed = spec::LoadBenchmarkRun(source);
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
  if (f.run_dir.empty()) {
    if (!f.spec_path.empty()) {
      return Fail("gate " + f.spec_path +
                  " needs --run RUN_DIR: finding a spec's latest run needs the warehouse, which "
                  "does not exist yet (`inferbench run " + f.spec_path + "` gates automatically)");
    }
    return Fail("give --run RUN_DIR, with SPEC.yaml or --constraints FILE for the constraints "
                "(default: RUN_DIR/spec.yaml)");
  }
  if (!f.spec_path.empty() && !f.constraints_path.empty()) {
    return Fail("give the constraints once: SPEC.yaml or --constraints FILE, not both");
  }
  auto run = LoadRun(f.run_dir);
  if (!run.ok()) return Fail(run.status().message());
  auto constraints = LoadConstraints(f);
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
  cmd->add_option("--run", f->run_dir, "Run directory holding run.json (written by `inferbench run`)");
  cmd->add_option("--constraints", f->constraints_path,
                   "YAML file with a list of constraints (instead of SPEC.yaml)");
  cmd->add_option("--ctrf", f->ctrf, "Write the results as a CTRF JSON report to this file");
  cmd->add_flag("--json", f->json, "Print the inferbench.gate/v1 JSON on stdout (the table goes to stderr)");
  cmd->add_flag("--sentinel", f->sentinel, "Print the JSON between ===INFERBENCH-RESULT-BEGIN/END=== lines");
  cmd->add_flag("--quiet", f->quiet, "No table, no warnings");
  cmd->callback([f, exit_code] { *exit_code = RunGateCommand(*f); });
}

}  // namespace inferbench::cli
