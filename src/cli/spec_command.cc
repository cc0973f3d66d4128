// `inferbench spec validate|digest|explain SPEC [--json]`: check a BenchmarkRun, print its
// workload_spec_digest, or show the effective spec and plan (DESIGN.md §5, §9). The work is in
// spec/; this file only formats.
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "core/duration.h"
#include "runner/spec_config.h"
#include "spec/spec.h"

namespace inferbench::cli {
namespace {

struct SpecFlags {
  std::string path;
  bool json = false;
};

std::string_view ModeName(spec::Mode mode) {
  return mode == spec::Mode::kPublication ? "publication" : "realism";
}

nlohmann::json ProblemsJson(const std::vector<spec::Problem>& problems) {
  nlohmann::json out = nlohmann::json::array();
  for (const spec::Problem& p : problems) {
    out.push_back({{"path", p.path},
                   {"line", p.line},
                   {"severity", p.warning ? "warning" : "error"},
                   {"message", p.message}});
  }
  return out;
}

void PrintProblems(std::FILE* out, const std::string& path,
                   const std::vector<spec::Problem>& problems) {
  for (const spec::Problem& p : problems) {
    std::fprintf(out, "%s\n", spec::FormatProblem(p, path).c_str());
  }
}

// Reads the dataset and tokenizer files of a valid spec (their content enters the digest); a
// file that cannot be read becomes one more error, at the key that names it.
void ResolveFiles(spec::ParseOutcome& outcome) {
  if (!outcome.ok()) return;
  auto files = runner::ResolveWorkloadFiles(outcome.run);
  if (files.ok()) return;
  std::string message = files.status().message();
  std::string path = "spec.workload.dataset";
  for (const char* key : {"spec.workload.dataset", "spec.workload.tokenizer"}) {
    const std::string prefix = std::string(key) + ": ";
    if (message.rfind(prefix, 0) == 0) {
      path = key;
      message = message.substr(prefix.size());
    }
  }
  auto line = outcome.run.lines.find(path);
  outcome.problems.push_back({path, line == outcome.run.lines.end() ? 0 : line->second, message, false});
}

// Loads and validates; on errors prints them (text on stderr, or the JSON document) and returns
// false.
bool LoadValid(const SpecFlags& f, spec::ParseOutcome& outcome) {
  outcome = spec::LoadAndValidateBenchmarkRun(f.path);
  ResolveFiles(outcome);
  if (outcome.ok()) return true;
  if (f.json) {
    std::printf("%s\n", nlohmann::json({{"spec", f.path},
                                        {"valid", false},
                                        {"problems", ProblemsJson(outcome.problems)}})
                            .dump(2)
                            .c_str());
  } else {
    PrintProblems(stderr, f.path, outcome.problems);
    std::fprintf(stderr, "%s: invalid; `inferbench spec validate %s` explains each problem\n",
                 f.path.c_str(), f.path.c_str());
  }
  return false;
}

int RunValidate(const SpecFlags& f) {
  spec::ParseOutcome outcome = spec::LoadAndValidateBenchmarkRun(f.path);
  ResolveFiles(outcome);
  const size_t warnings = spec::CountWarnings(outcome.problems);
  const size_t errors = outcome.problems.size() - warnings;
  if (f.json) {
    nlohmann::json out = {{"spec", f.path},
                          {"valid", errors == 0},
                          {"errors", errors},
                          {"warnings", warnings},
                          {"problems", ProblemsJson(outcome.problems)}};
    if (outcome.document_read) out["mode"] = ModeName(outcome.run.intent.mode);
    if (errors == 0) out["workload_spec_digest"] = spec::WorkloadSpecDigest(outcome.run);
    std::printf("%s\n", out.dump(2).c_str());
  } else {
    PrintProblems(stdout, f.path, outcome.problems);
    if (errors == 0) {
      std::printf("%s: valid (%s mode, %zu warning%s)\n", f.path.c_str(),
                  std::string(ModeName(outcome.run.intent.mode)).c_str(), warnings,
                  warnings == 1 ? "" : "s");
    } else {
      std::printf("%s: invalid (%zu error%s, %zu warning%s)\n", f.path.c_str(), errors,
                  errors == 1 ? "" : "s", warnings, warnings == 1 ? "" : "s");
    }
  }
  return errors == 0 ? kExitOk : kExitError;
}

int RunDigest(const SpecFlags& f) {
  spec::ParseOutcome outcome;
  if (!LoadValid(f, outcome)) return kExitError;
  const std::string digest = spec::WorkloadSpecDigest(outcome.run);
  if (f.json) {
    nlohmann::json cases = nlohmann::json::object();
    for (const std::string& point : spec::PointStrings(outcome.run)) {
      cases[point] = spec::BenchmarkCaseId(digest, point);
    }
    nlohmann::json out = {{"workload_spec_digest", digest},
                          {"digest_version", spec::kWorkloadDigestVersion},
                          {"input", spec::WorkloadDigestInput(outcome.run)},
                          {"benchmark_case_ids", cases}};
    std::printf("%s\n", out.dump(2).c_str());
  } else {
    std::printf("%s\n", digest.c_str());
  }
  return kExitOk;
}

std::string Indent(const std::string& text, const std::string& prefix) {
  std::string out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    out += prefix + text.substr(start, end - start) + "\n";
    start = end + 1;
  }
  return out;
}

// What a sweep or search will do, in words (its levels are decided during the run); "" for other
// load types.
std::string CapacityPlanText(const spec::BenchmarkRun& run) {
  const spec::Load& load = run.workload.load;
  if (load.type == "sweep") {
    return fmt::format(
        "Sweep of {} points: concurrency=1 (synchronous) and concurrency={} (every request in "
        "flight, at most maxConcurrency {}) first; then {} open-loop rates evenly between their "
        "achieved request rates, decided during the run.",
        load.points, spec::SweepThroughputConcurrency(load), load.max_concurrency, load.points - 2);
  }
  if (load.type == "search") {
    auto bounds = spec::ParseSearchSlo(load.slo);
    const double target =
        bounds.ok() ? spec::SearchAttainmentTarget(load.attainment, bounds.value()) : 0;
    std::string first = load.low ? fmt::format("low {} first", *load.low)
                        : load.high ? fmt::format("high {} first", *load.high)
                                    : fmt::format("start at {}, doubling or halving", load.start);
    return fmt::format(
        "Search over {} for the highest level where at least {} of the requests meet every bound "
        "of {}: {}, then bisection until (high - low) / low <= {} or {} levels are measured{}. "
        "Requests per level: {}.",
        load.over, target, load.slo, first, load.resolution, load.max_points,
        load.over == "concurrency" ? fmt::format(" (levels up to {})", load.max_concurrency) : "",
        load.requests_per_level);
  }
  return "";
}

int RunExplain(const SpecFlags& f) {
  spec::ParseOutcome outcome;
  if (!LoadValid(f, outcome)) return kExitError;
  const spec::BenchmarkRun& run = outcome.run;
  const spec::Measurement& m = run.measurement;
  Result<std::vector<spec::PlannedRun>> planned = spec::BuildPlan(run, m.replicates);
  if (!planned.ok()) {
    std::fprintf(stderr, "%s: %s\n", f.path.c_str(), planned.status().message().c_str());
    return kExitError;
  }
  const std::vector<spec::PlannedRun>& plan = planned.value();
  const std::string digest = spec::WorkloadSpecDigest(run);
  const spec::DurationEstimate estimate = spec::EstimateDuration(run, plan);
  const std::vector<spec::RuleOutcome> rules = spec::EvaluatePublicationRules(run);
  const std::vector<std::string> points = spec::PointStrings(run);

  int64_t total_requests = 0;
  int64_t total_warmup = 0;
  for (const spec::PlannedRun& r : plan) {
    total_requests += r.requests;
    total_warmup += r.warmup_requests;
  }
  // Per point (declared order): the request counts of its runs are all equal.
  struct PointRow {
    std::string point;
    double level;
    int64_t requests;
    int64_t warmup;
  };
  std::vector<PointRow> rows;
  for (const std::string& point : points) {
    for (const spec::PlannedRun& r : plan) {
      if (r.point == point) {
        rows.push_back({point, r.level, r.requests, r.warmup_requests});
        break;
      }
    }
  }

  if (f.json) {
    nlohmann::json point_rows = nlohmann::json::array();
    for (const PointRow& r : rows) {
      point_rows.push_back({{"point", r.point},
                            {"level", r.level},
                            {"requests", r.requests},
                            {"warmup_requests", r.warmup},
                            {"benchmark_case_id", spec::BenchmarkCaseId(digest, r.point)}});
    }
    nlohmann::json runs = nlohmann::json::array();
    for (const spec::PlannedRun& r : plan) {
      runs.push_back({{"round", r.round},
                      {"point", r.point},
                      {"replicate", r.replicate},
                      {"requests", r.requests},
                      {"warmup_requests", r.warmup_requests}});
    }
    nlohmann::json rule_rows = nlohmann::json::array();
    for (const spec::RuleOutcome& r : rules) {
      rule_rows.push_back(
          {{"id", r.id}, {"path", r.path}, {"passed", r.passed}, {"detail", r.detail}});
    }
    nlohmann::json out = {
        {"spec", spec::ToJson(run)},
        {"mode", ModeName(run.intent.mode)},
        {"workload_spec_digest", digest},
        {"plan",
         {{"order", m.order},
          {"replicates", m.replicates},
          {"max_replicates", m.max_replicates},
          {"order_seed", run.workload.seeds.order},
          {"points", point_rows},
          {"runs", runs},
          {"total_requests", total_requests},
          {"total_warmup_requests", total_warmup},
          {"estimated_duration_s",
           estimate.ns ? nlohmann::json(static_cast<double>(*estimate.ns) / 1e9) : nullptr},
          {"estimate_basis", estimate.basis}}},
        {"rules", rule_rows},
        {"problems", ProblemsJson(outcome.problems)}};
    if (!run.workload.dataset.synthetic()) {
      out["dataset"] = {{"digest", run.workload.dataset_digest}, {"items", run.workload.dataset_items}};
    }
    if (!run.workload.tokenizer.empty()) out["tokenizer_digest"] = run.workload.tokenizer_digest;
    const std::string capacity = CapacityPlanText(run);
    if (!capacity.empty()) out["plan"]["capacity"] = capacity;
    std::printf("%s\n", out.dump(2).c_str());
    return kExitOk;
  }

  std::string out = fmt::format("{}: {} \"{}\", {} mode\n", f.path, run.kind, run.metadata.name,
                                ModeName(run.intent.mode));
  out += fmt::format("workload_spec_digest {}\n\n", digest);
  out += "Effective spec (every default filled in):\n";
  out += Indent(spec::EffectiveSpecYaml(run), "  ");
  out += fmt::format(
      "\nPlan: {} point{} x {} replicate{} (up to {} with adaptive replicates), "
      "order {}\n",
      rows.size(), rows.size() == 1 ? "" : "s", m.replicates, m.replicates == 1 ? "" : "s",
      m.max_replicates, m.order);
  out += fmt::format("  {:<20} {:>10} {:>10} {:>8}  {}\n", "point", "level", "requests", "warmup",
                     "benchmark_case_id");
  for (const PointRow& r : rows) {
    out += fmt::format("  {:<20} {:>10} {:>10} {:>8}  {}\n", r.point, r.level, r.requests, r.warmup,
                       spec::BenchmarkCaseId(digest, r.point).substr(0, 16));
  }
  if (!run.workload.dataset.synthetic()) {
    out += fmt::format("  dataset: {} with {} {} (content {})\n", run.workload.dataset.type,
                       run.workload.dataset_items,
                       run.workload.dataset.multi_turn_kind() ? "conversations" : "requests",
                       run.workload.dataset_digest.value("content_digest", std::string("-")));
  }
  if (const std::string capacity = CapacityPlanText(run); !capacity.empty()) {
    out += "  " + capacity + "\n";
  }
  out += "Execution order:\n";
  if (m.order == "sequential") {
    for (const PointRow& r : rows) {
      out += fmt::format("  {} x {} replicates\n", r.point, m.replicates);
    }
  } else {
    for (int round = 0; round < m.replicates; ++round) {
      std::vector<std::string> names;
      for (const spec::PlannedRun& r : plan) {
        if (r.round == round) names.push_back(r.point);
      }
      out += fmt::format("  round {}: {}\n", round, fmt::join(names, ", "));
    }
    if (m.order == "shuffled") {
      out += fmt::format("  (shuffled with seeds.order = {})\n", run.workload.seeds.order);
    }
  }
  out += fmt::format("Total: {} measured + {} warmup requests in {} runs\n", total_requests,
                     total_warmup, plan.size());
  out += estimate.ns ? fmt::format("Estimated duration: {} ({})\n", FormatDurationNs(*estimate.ns),
                                   estimate.basis)
                     : fmt::format("Estimated duration: {}\n", estimate.basis);

  const bool publication = run.intent.mode == spec::Mode::kPublication;
  out += fmt::format("\nPublication rules ({}):\n",
                     publication ? "this spec is in publication mode: each must pass"
                                 : "realism mode: a failed rule is a warning and results are "
                                   "labelled realism");
  for (const spec::RuleOutcome& r : rules) {
    out += fmt::format("  {:<4}  {:<28} {}\n", r.passed ? "ok" : "FAIL", r.id, r.detail);
  }
  std::fputs(out.c_str(), stdout);
  if (!outcome.problems.empty()) {
    std::printf("\n");
    PrintProblems(stdout, f.path, outcome.problems);
  }
  return kExitOk;
}

}  // namespace

void RegisterSpecCommand(CLI::App& app, int* exit_code) {
  CLI::App* cmd = app.add_subcommand("spec", "Check, digest or explain a BenchmarkRun spec");
  cmd->require_subcommand(1);
  struct Sub {
    const char* name;
    const char* help;
    int (*run)(const SpecFlags&);
  };
  const Sub subs[] = {
      {"validate",
       "Print every problem as FILE:LINE: error|warning: PATH: message; exit 2 on any error",
       RunValidate},
      {"digest", "Print the workload_spec_digest (--json: the hashed input and case ids)",
       RunDigest},
      {"explain",
       "Print the effective spec with defaults, the plan (points x replicates, order, requests, "
       "duration estimate) and the publication rules",
       RunExplain},
  };
  for (const Sub& s : subs) {
    auto f = std::make_shared<SpecFlags>();
    CLI::App* sub = cmd->add_subcommand(s.name, s.help);
    sub->add_option("spec", f->path, "The BenchmarkRun YAML file")->required();
    sub->add_flag("--json", f->json, "Print JSON on stdout");
    auto run = s.run;
    sub->callback([f, exit_code, run] { *exit_code = run(*f); });
  }
}

}  // namespace inferbench::cli
