// `inferbench run SPEC [--sim]`: execute a BenchmarkRun (DESIGN.md §5, §6, §9). Flag parsing,
// spec loading and output here; the work is in runner/run_session.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <unistd.h>

#include <climits>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/store_flags.h"
#include "core/duration.h"
#include "core/run_id.h"
#include "evidence/environment.h"
#include "results/run_result.h"
#include "runner/run_session.h"
#include "runner/spec_config.h"
#include "spec/digest.h"
#include "spec/parse.h"
#include "spec/problem.h"
#include "spec/validate.h"
#include "telemetry/hot_metrics.h"

namespace inferbench::cli {
namespace {

struct RunFlags {
  std::string spec_path;
  bool sim = false;
  std::string output_dir;
  std::string ctrf;
  bool json = false;
  bool sentinel = false;
  bool quiet = false;
  int metrics_port = -1;  // -1: no hot metrics server
  std::string metrics_bind = "127.0.0.1";
  std::vector<std::string> metrics_labels;  // KEY=VALUE
  std::string pushgateway;
  StoreFlags store;
  bool no_store = false;
  std::string sign_key;
  std::string ingest_wait = "10s";
};

int Fail(const std::string& message) {
  std::fprintf(stderr, "inferbench run: %s\n", message.c_str());
  return kExitError;
}

std::string SelfExecutable() {
  char buffer[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", buffer, sizeof buffer - 1);
  if (n <= 0) return "inferbench";
  return std::string(buffer, static_cast<size_t>(n));
}

// "1234.5 ±2.1%" — the mean and the CI half-width relative to it; "-" when undefined.
std::string MeanCi(const results::PointResult& point, const std::string& path, int precision) {
  const results::MetricAggregate* m = point.Find(path);
  if (!m || !std::isfinite(m->mean)) return "-";
  if (!std::isfinite(m->relative_ci_half_width)) return fmt::format("{:.{}f}", m->mean, precision);
  return fmt::format("{:.{}f} ±{:.1f}%", m->mean, precision, m->relative_ci_half_width * 100);
}

void PrintJudged(std::FILE* out, const results::RunResult& run, double confidence) {
  std::fprintf(out, "\n%-16s %-7s %4s %18s %16s %16s %16s\n", "point", "tier", "reps", "out tok/s",
               "TTFT p50 ms", "TTFT p99 ms", "TPOT p50 ms");
  for (const results::PointResult& p : run.points) {
    std::fprintf(out, "%-16s %-7s %4lld %18s %16s %16s %16s\n", p.point.c_str(), p.tier.c_str(),
                 static_cast<long long>(p.replicates), MeanCi(p, "output_throughput_tok_s", 1).c_str(),
                 MeanCi(p, "ttft_ms.p50", 1).c_str(), MeanCi(p, "ttft_ms.p99", 1).c_str(),
                 MeanCi(p, "tpot_ms.p50", 2).c_str());
  }
  std::fprintf(out, "(mean across replicates ± relative half-width of the %.0f%% CI; outlier policy: %s)\n",
               confidence * 100, run.points.empty() ? "-" : run.points.front().outlier_policy.c_str());
  std::fprintf(out, "run tier: %s\n", run.tier.c_str());
  for (const std::string& reason : run.reasons) std::fprintf(out, "  DRAFT: %s\n", reason.c_str());
}

// The --metrics-label flags as a map; an error names the flag value that is not KEY=VALUE.
Result<std::map<std::string, std::string>> ParseMetricLabels(const std::vector<std::string>& flags) {
  std::map<std::string, std::string> labels;
  for (const std::string& flag : flags) {
    const size_t eq = flag.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Result<std::map<std::string, std::string>>::Error(
          "--metrics-label " + flag + ": expected KEY=VALUE, e.g. --metrics-label cluster=prod-eu");
    }
    labels[flag.substr(0, eq)] = flag.substr(eq + 1);
  }
  return labels;
}

// The hot metrics' constant labels: the run id and the spec's system description, then the
// --metrics-label ones (which win).
std::map<std::string, std::string> HotMetricLabels(const spec::BenchmarkRun& run, const std::string& run_id,
                                                   const std::map<std::string, std::string>& extra) {
  std::map<std::string, std::string> labels = {
      {"run_id", run_id},
      {"cluster", run.system.cluster.name},
      {"region", run.system.cluster.region},
      {"node_pool", run.system.cluster.node_pool},
      {"scheduler_path", run.system.cluster.scheduler_path},
      {"gpu_model", run.system.hardware.gpu},
  };
  for (auto it = labels.begin(); it != labels.end();) {
    it = it->second.empty() ? labels.erase(it) : std::next(it);
  }
  for (const auto& [key, value] : extra) labels[key] = value;
  return labels;
}

int RunRunCommand(const RunFlags& f) {
  // Hot metrics flags are checked before anything is read or started.
  Result<std::map<std::string, std::string>> extra_labels = ParseMetricLabels(f.metrics_labels);
  if (!extra_labels.ok()) return Fail(extra_labels.status().message());
  if (Status valid = telemetry::ValidateLabels(*extra_labels); !valid.ok()) {
    return Fail("--metrics-label " + valid.message());
  }
  if (f.metrics_port < -1 || f.metrics_port > 65535) {
    return Fail("--metrics-port " + std::to_string(f.metrics_port) + ": expected 0..65535 (0 = any free port)");
  }

  std::string text;
  {
    std::ifstream in(f.spec_path, std::ios::binary);
    if (!in) return Fail("cannot read the spec " + f.spec_path + " (check the path)");
    std::stringstream buffer;
    buffer << in.rdbuf();
    text = buffer.str();
  }
  spec::ParseOutcome parsed = spec::ParseAndValidateBenchmarkRun(text, f.spec_path);
  bool errors = false;
  for (const spec::Problem& p : parsed.problems) {
    errors |= !p.warning;
    if (!p.warning || !f.quiet) std::fprintf(stderr, "%s\n", spec::FormatProblem(p, f.spec_path).c_str());
  }
  if (errors) return Fail(f.spec_path + " has errors (above); `inferbench spec validate " + f.spec_path + "` lists them");
  // The dataset and tokenizer files, read once: their content enters the workload digest (and
  // the hot metrics' case ids below).
  auto files = runner::ResolveWorkloadFiles(parsed.run);
  if (!files.ok()) return Fail(f.spec_path + ": " + files.status().message());
  if (f.sim && !parsed.run.target.sim) {
    if (!f.quiet) std::fprintf(stderr, "note: the spec has no target.sim; using the default simulator profile\n");
  }

  runner::RunOptions options;
  options.run_id = NewRunId();

  telemetry::HotMetrics hot;
  const bool hot_metrics = f.metrics_port >= 0 || !f.pushgateway.empty();
  if (hot_metrics) {
    telemetry::HotMetricsOptions hot_options;
    hot_options.port = f.metrics_port;
    hot_options.bind = f.metrics_bind;
    hot_options.labels = HotMetricLabels(parsed.run, options.run_id, *extra_labels);
    hot_options.pushgateway_url = f.pushgateway;
    hot_options.case_id_for_point = [digest = spec::WorkloadSpecDigest(parsed.run)](std::string_view point) {
      return spec::BenchmarkCaseId(digest, point);
    };
    hot_options.on_note = [quiet = f.quiet](const std::string& note) {
      if (!quiet) std::fprintf(stderr, "note: %s\n", note.c_str());
    };
    if (Status started = hot.Start(std::move(hot_options)); !started.ok()) {
      return Fail(started.message());
    }
    if (!f.quiet && !hot.url().empty()) std::fprintf(stderr, "note: hot metrics on %s\n", hot.url().c_str());
    options.on_record = [&hot](const results::RequestRecord& record) { hot.OnRecord(record); };
  }

  auto ingest_wait = ParseDurationNs(f.ingest_wait);
  if (!ingest_wait.ok()) return Fail("--ingest-wait " + f.ingest_wait + ": " + ingest_wait.status().message());
  options.store = !f.no_store;
  options.evidence_root = f.store.evidence;
  options.warehouse_path = f.store.warehouse;
  options.sign_key_file = f.sign_key;
  options.ingest_wait_ns = *ingest_wait;
  options.spec = parsed.run;
  options.files = files.value();
  options.spec_text = text;
  options.output_dir = f.output_dir;
  options.sim = f.sim;
  options.executable = SelfExecutable();
  options.ctrf_path = f.ctrf;
  options.harness_version = INFERBENCH_VERSION;
  options.build_id = evidence::DescribeBuild();
  options.progress = !f.quiet && isatty(STDERR_FILENO);
  std::FILE* table = f.json ? stderr : stdout;
  bool header = false;
  options.on_point = [&](const results::PointSummary& p) {
    if (hot_metrics) hot.OnPoint(p);
    if (f.quiet) return;
    if (!header) {
      std::fprintf(table, "%-16s %3s %6s %5s %12s %10s %10s %10s\n", "point", "rep", "n", "err",
                   "out tok/s", "TTFT p50", "TTFT p99", "TPOT p50");
      header = true;
    }
    auto scalar = [&](const char* name) {
      auto it = p.scalars.find(name);
      return it == p.scalars.end() ? std::string("-") : fmt::format("{:.1f}", it->second);
    };
    auto stat = [&](const char* name, results::Stat s, int precision) {
      auto it = p.distributions.find(name);
      if (it == p.distributions.end() || !it->second.Get(s)) return std::string("-");
      return fmt::format("{:.{}f}", *it->second.Get(s), precision);
    };
    std::fprintf(table, "%-16s %3lld %6lld %5lld %12s %10s %10s %10s%s\n", p.point.c_str(),
                 static_cast<long long>(p.replicate), static_cast<long long>(p.requests.completed),
                 static_cast<long long>(p.requests.errored), scalar("output_throughput_tok_s").c_str(),
                 stat("ttft_ms", results::Stat::kP50, 1).c_str(), stat("ttft_ms", results::Stat::kP99, 1).c_str(),
                 stat("tpot_ms", results::Stat::kP50, 2).c_str(),
                 p.client.saturated ? "  CLIENT SATURATED" : "");
    std::fflush(table);
  };
  options.on_note = [&](const std::string& text) {
    if (!f.quiet) std::fprintf(stderr, "note: %s\n", text.c_str());
  };

  runner::RunOutcome outcome = runner::ExecuteRun(options);
  hot.Stop();  // the last push, before the summary lines
  const bool judged = !outcome.result.run_id.empty() || !outcome.result.points.empty();
  if (!f.quiet && judged) {
    PrintJudged(table, outcome.result, parsed.run.measurement.confidence_level);
    if (!outcome.capacity_line.empty()) std::fprintf(table, "%s\n", outcome.capacity_line.c_str());
    if (!outcome.gate_table.empty()) std::fprintf(table, "\n%s", outcome.gate_table.c_str());
    if (parsed.run.constraints.empty()) std::fprintf(table, "gate: no constraints declared\n");
  }
  if (!outcome.error.empty()) std::fprintf(stderr, "inferbench run: %s\n", outcome.error.c_str());
  if (!f.quiet && !outcome.output_dir.empty()) {
    std::fprintf(stderr, "run %s (%s): %s\n", options.run_id.c_str(),
                 outcome.summary.status.empty() ? "failed" : outcome.summary.status.c_str(),
                 outcome.output_dir.c_str());
  }
  if ((f.json || f.sentinel) && judged) {
    nlohmann::json out = outcome.result.ToJson();
    if (!outcome.capacity.is_null()) out["capacity"] = outcome.capacity;
    if (f.sentinel) std::printf("===INFERBENCH-RESULT-BEGIN===\n");
    std::printf("%s\n", out.dump(f.sentinel ? -1 : 2).c_str());
    if (f.sentinel) std::printf("===INFERBENCH-RESULT-END===\n");
  }
  return outcome.exit_code;
}

}  // namespace

void RegisterRunCommand(CLI::App& app, int* exit_code) {
  auto f = std::make_shared<RunFlags>();
  CLI::App* cmd = app.add_subcommand("run", "Execute a BenchmarkRun spec: replicates, CIs, tier and gate");
  cmd->add_option("spec", f->spec_path, "The BenchmarkRun YAML file")->required();
  cmd->add_flag("--sim", f->sim, "Start the built-in simulator (target.sim) and run against it");
  cmd->add_option("--output-dir", f->output_dir, "Run directory (default .inferbench/runs/RUN_ID)");
  cmd->add_option("--ctrf", f->ctrf, "Also write the gate's CTRF report to this file");
  cmd->add_flag("--json", f->json, "Print the judged result (inferbench.run/v1) as JSON on stdout");
  cmd->add_flag("--sentinel", f->sentinel, "Print the JSON between ===INFERBENCH-RESULT-BEGIN/END=== lines");
  cmd->add_flag("--quiet", f->quiet, "No tables, notes or progress");
  cmd->add_option("--metrics-port", f->metrics_port,
                  "Serve live Prometheus metrics of the run on this port (0 = any free port)");
  cmd->add_option("--metrics-bind", f->metrics_bind, "Address the --metrics-port server binds (default 127.0.0.1)");
  cmd->add_option("--metrics-label", f->metrics_labels,
                  "KEY=VALUE constant label of the hot metrics (repeatable; allowlisted keys only)")
      ->allow_extra_args(false);
  AddStoreFlags(cmd, &f->store);
  cmd->add_flag("--no-store", f->no_store,
                "Keep only the run directory: no evidence store, no warehouse ingest");
  cmd->add_option("--sign-key", f->sign_key,
                  "Sign the run's manifest with this Ed25519 private key (PEM); overrides spec.provenance");
  cmd->add_option("--ingest-wait", f->ingest_wait,
                  "How long to wait for the warehouse's writer lock before leaving the run for a later "
                  "`warehouse ingest` (default 10s)");
  cmd->add_option("--pushgateway", f->pushgateway,
                  "Also PUT the hot metrics to this Prometheus Pushgateway every 5 s (http://host:port)");
  cmd->callback([f, exit_code] { *exit_code = RunRunCommand(*f); });
}

}  // namespace inferbench::cli
