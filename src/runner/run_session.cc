#include "runner/run_session.h"

#include <fmt/format.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>

#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/clock.h"
#include "core/duration.h"
#include "core/home.h"
#include "evidence/environment.h"
#include "evidence/signing.h"
#include "gate/ctrf.h"
#include "gate/evaluate.h"
#include "gate/gate_table.h"
#include "net/client_connection.h"
#include "runner/bench_session.h"
#include "runner/judge.h"
#include "runner/persist.h"
#include "runner/readiness.h"
#include "runner/sim_child.h"
#include "runner/capacity_search.h"
#include "runner/spec_config.h"
#include "spec/digest.h"
#include "spec/parse.h"
#include "telemetry/point_telemetry.h"
#include "telemetry/sampler.h"

namespace inferbench::runner {
namespace {

std::atomic<bool> g_interrupted{false};

int64_t SystemNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void OnSigint(int) { g_interrupted = true; }

// SIGINT sets a flag while installed (readiness, before the load's own signal handling).
class SigintFlag {
 public:
  SigintFlag() {
    g_interrupted = false;
    struct sigaction action {};
    action.sa_handler = OnSigint;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, &previous_int_);
    sigaction(SIGTERM, &action, &previous_term_);
  }
  ~SigintFlag() {
    sigaction(SIGINT, &previous_int_, nullptr);
    sigaction(SIGTERM, &previous_term_, nullptr);
  }

 private:
  struct sigaction previous_int_ {};
  struct sigaction previous_term_ {};
};

// `inferbench sim` flags from target.sim: the profile, the served model name (the spec's model)
// and every args entry as --key value.
std::vector<std::string> SimArgs(const spec::BenchmarkRun& spec) {
  std::vector<std::string> args;
  const spec::SimTarget sim = spec.target.sim.value_or(spec::SimTarget{});
  args.push_back("--profile");
  args.push_back(sim.profile);
  bool model_given = false;
  for (const auto& [key, value] : sim.args) {
    args.push_back("--" + key);
    if (!value.empty()) args.push_back(value);
    model_given |= key == "served-model-name";
  }
  if (!model_given && !spec.target.model.empty()) {
    args.push_back("--served-model-name");
    args.push_back(spec.target.model);
  }
  return args;
}

// The parsed spec with defaults, for the run directory: header values that are not a
// "${VAR}" reference are written as "<redacted>" (a header may carry a credential).
nlohmann::json EffectiveSpecJson(const spec::BenchmarkRun& spec) {
  nlohmann::json json = spec::ToJson(spec);
  nlohmann::json* headers = nullptr;
  if (json.contains("spec") && json["spec"].contains("target") && json["spec"]["target"].contains("headers")) {
    headers = &json["spec"]["target"]["headers"];
  }
  if (headers && headers->is_object()) {
    for (auto& [name, value] : headers->items()) {
      const bool reference = value.is_string() && value.get<std::string>().rfind("${", 0) == 0;
      if (!reference) value = "<redacted>";
    }
  }
  return json;
}

// Appends one line per scrape to telemetry.jsonl: {point, replicate, phase, url, t_s, ok, text}.
class TelemetryLog {
 public:
  TelemetryLog(std::string path, int64_t anchor_ns) : path_(std::move(path)), anchor_ns_(anchor_ns) {}

  void SetPoint(const std::string& point, int replicate, const std::string& phase) {
    std::lock_guard<std::mutex> lock(mutex_);
    point_ = point;
    replicate_ = replicate;
    phase_ = phase;
  }

  void Append(const telemetry::TimedScrape& scrape, std::string_view raw) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!out_.is_open()) out_.open(path_, std::ios::app | std::ios::binary);
    nlohmann::json line = {{"point", point_},
                           {"replicate", replicate_},
                           {"phase", phase_},
                           {"url", scrape.url},
                           {"t_s", static_cast<double>(scrape.steady_ns - anchor_ns_) / 1e9},
                           {"text", std::string(raw)}};
    out_ << line.dump() << '\n';
    out_.flush();
  }

 private:
  std::string path_;
  int64_t anchor_ns_;
  std::mutex mutex_;
  std::ofstream out_;
  std::string point_ = "";
  int replicate_ = -1;
  std::string phase_ = "setup";
};

}  // namespace

RunOutcome ExecuteRun(const RunOptions& options) {
  RunOutcome outcome;
  auto note = [&](const std::string& text) {
    if (options.on_note) options.on_note(text);
  };
  auto fail = [&](std::string message) {
    outcome.exit_code = 2;
    outcome.error = std::move(message);
    return outcome;
  };
  spec::BenchmarkRun spec = options.spec;
  PersistOptions persist;
  persist.evidence_root = EvidenceRootFor(spec, options.evidence_root);
  persist.warehouse_path = WarehousePathFor(spec, options.warehouse_path);
  persist.harness_version = options.harness_version;
  persist.sign = spec.provenance.sign || !options.sign_key_file.empty();
  persist.key_file = options.sign_key_file.empty() ? spec.provenance.key_file : options.sign_key_file;
  persist.lock_wait_ns = options.ingest_wait_ns;
  if (options.store && persist.sign) {
    // A bad key is found before anything is measured, not after.
    const std::string source = options.sign_key_file.empty() ? "spec.provenance.keyFile" : "--sign-key";
    if (persist.key_file.empty()) {
      return fail("spec.provenance.sign is true but no key file is given: set spec.provenance.keyFile "
                  "or pass --sign-key PEM (an Ed25519 private key: `openssl genpkey -algorithm ed25519`)");
    }
    auto key = evidence::PublicKeyHexFromPem(persist.key_file);
    if (!key.ok()) return fail(source + ": " + key.status().message());
  }
  outcome.output_dir = options.output_dir.empty() ? DefaultRunsDirectory() + "/" + options.run_id
                                                  : options.output_dir;
  const std::string dir = outcome.output_dir;
  for (const char* name : {"/requests.jsonl", "/summary.json"}) {
    if (std::filesystem::exists(dir + name)) {
      return fail("output directory " + dir + " already holds a run (" + std::string(name + 1) +
                  "); choose another --output-dir — runs are never overwritten or mixed");
    }
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return fail("cannot create the run directory " + dir + ": " + ec.message());

  SigintFlag sigint;
  std::unique_ptr<SimChild> sim;
  if (options.sim) {
    if (!spec.target.sim) spec.target.sim = spec::SimTarget{};
    auto started = SimChild::Start(options.executable, SimArgs(spec), dir + "/sim.log");
    if (!started.ok()) return fail(started.status().message());
    sim = std::move(started.value());
    spec.target.url = sim->url();
    if (spec.target.metrics_urls.empty()) spec.target.metrics_urls.push_back(sim->url() + "/metrics");
    note("simulator: " + sim->command_line() + " → " + sim->url());
  }
  if (spec.target.url.empty()) {
    return fail("spec.target.url is empty: give the server's URL, or run with --sim to use target.sim");
  }

  // The dataset and tokenizer files: read here (or by the caller) before anything is measured,
  // so a bad file is an error naming it, and the workload digest covers their content.
  WorkloadFiles files;
  if (options.files) {
    files = *options.files;
  } else {
    auto resolved = ResolveWorkloadFiles(spec);
    if (!resolved.ok()) return fail(resolved.status().message());
    files = resolved.value();
  }
  auto config = BenchConfigFromSpec(spec, options.run_id, files);
  if (!config.ok()) return fail(config.status().message());
  std::optional<CapacityDriver> capacity;
  if (spec.workload.load.type == "sweep" || spec.workload.load.type == "search") {
    auto driver = CapacityDriverFromSpec(spec, files);
    if (!driver.ok()) return fail(driver.status().message());
    capacity.emplace(std::move(driver.value()));
    auto initial = capacity->Initial();
    if (!initial.ok()) return fail(initial.status().message());
    config->schedule = std::move(initial.value());
  }

  // Readiness: a real one-token completion until a non-empty answer.
  ReadinessOptions readiness;
  readiness.target = config->sender.target;
  readiness.endpoint = config->sender.request.endpoint;
  readiness.model = spec.target.model;
  readiness.probe_timeout_ns = spec.target.readiness.timeout_ns;
  readiness.window_ns = spec.target.readiness.window_ns;
  readiness.cancelled = [] { return g_interrupted.load(); };
  note(fmt::format("waiting for {} to answer a one-token completion (probe timeout {}, window {})",
                   spec.target.url, FormatDurationNs(readiness.probe_timeout_ns),
                   FormatDurationNs(readiness.window_ns)));
  ReadinessResult ready = WaitUntilReady(readiness);
  if (ready.cancelled) {
    outcome.exit_code = 130;
    outcome.error = "interrupted while waiting for the target to become ready; nothing was measured";
    return outcome;
  }
  if (!ready.ready) {
    return fail(fmt::format("the target {} was not ready within {} ({} probes; last: {}) — raise "
                            "spec.target.readiness.window / timeout if the model loads slowly",
                            spec.target.url, FormatDurationNs(readiness.window_ns), ready.probes,
                            ready.last_problem));
  }
  outcome.cold_start_ns = ready.cold_start_ns;
  note(fmt::format("target ready after {} ({} probe{})", FormatDurationNs(ready.cold_start_ns),
                   ready.probes, ready.probes == 1 ? "" : "s"));

  // The target's software and serving configuration, and the environment.
  std::string version_json = "unknown";
  {
    auto version = net::Fetch("GET", TargetUrl(spec.target.url, "/version"), "", "", 10'000'000'000,
                              config->sender.target.headers);
    if (version.ok() && version->status == 200) {
      auto parsed = nlohmann::json::parse(version->body, nullptr, false);
      nlohmann::json record = {{"url", TargetUrl(spec.target.url, "/version")},
                               {"status", version->status},
                               {"body", parsed.is_discarded() ? nlohmann::json(version->body) : parsed}};
      version_json = version->body;
      if (Status ok = WriteFileAtomically(dir + "/target_version.json", record.dump(2) + "\n"); !ok.ok()) {
        return fail(ok.message());
      }
    } else {
      note("the target has no /version (recorded as unknown)");
    }
  }
  {
    evidence::EnvironmentInputs inputs;
    inputs.harness_version = options.harness_version;
    inputs.build_id = options.build_id;
    inputs.target_version_json = version_json;
    if (spec.system.engine.name != "unknown") inputs.engine_name = spec.system.engine.name;
    if (!spec.system.engine.image.empty()) inputs.images["engine"] = spec.system.engine.image;
    evidence::Environment environment = evidence::CaptureEnvironment(inputs);
    if (Status ok = WriteFileAtomically(dir + "/environment.json", environment.ToJson().dump(2) + "\n"); !ok.ok()) {
      return fail(ok.message());
    }
  }
  if (Status ok = WriteFileAtomically(dir + "/effective_spec.json", EffectiveSpecJson(spec).dump(2) + "\n"); !ok.ok()) {
    return fail(ok.message());
  }

  const std::string digest = spec::WorkloadSpecDigest(spec);
  JudgeOptions judge_options;
  judge_options.workload_digest = digest;
  for (const load::LoadPlan& plan : config->points) judge_options.point_order.push_back(plan.point);

  // Telemetry: every metrics URL scraped before, every interval during, and after each point.
  const ClockAnchor anchor = ClockAnchor::Now();
  TelemetryLog telemetry_log(dir + "/telemetry.jsonl", anchor.steady_ns);
  telemetry::ScrapeSampler sampler(
      [&telemetry_log](const telemetry::TimedScrape& scrape, std::string_view raw) {
        telemetry_log.Append(scrape, raw);
      });
  std::vector<std::string> metrics_urls = spec.target.metrics_urls;
  if (metrics_urls.empty()) {
    const std::string url = TargetUrl(spec.target.url, "/metrics");
    auto probe = net::Fetch("GET", url, "", "", 10'000'000'000, config->sender.target.headers);
    if (probe.ok() && probe->status == 200) metrics_urls.push_back(url);
  }
  // The sampler below takes every scrape of a point (before, during, after) and
  // telemetry::AddToScalars writes prefix_cache_hit_rate from them, so the bench session's own
  // before/after scrapes would only repeat them.
  config->metrics_urls.clear();
  config->metrics_auto = false;
  config->run_id = options.run_id;
  config->output_dir = dir;
  config->progress = options.progress;
  config->effective_spec_yaml = options.spec_text;
  config->on_record = options.on_record;
  std::vector<telemetry::TimedScrape> point_scrapes;
  if (!metrics_urls.empty()) {
    config->before_point = [&](const load::LoadPlan& plan) {
      sampler.TakeAll();  // between points: already logged, not part of any point
      telemetry_log.SetPoint(plan.point, plan.replicate, "before");
      point_scrapes = sampler.ScrapeNow();
      telemetry_log.SetPoint(plan.point, plan.replicate, "during");
      sampler.Start(metrics_urls, options.telemetry_interval_ns);
    };
    config->after_point = [&](const load::LoadPlan& plan, results::PointSummary& point) {
      sampler.Stop();
      for (auto& scrape : sampler.TakeAll()) point_scrapes.push_back(std::move(scrape));
      telemetry_log.SetPoint(plan.point, plan.replicate, "after");
      for (auto& scrape : sampler.ScrapeNow()) point_scrapes.push_back(std::move(scrape));
      telemetry_log.SetPoint("", -1, "between");
      const int64_t start_ns = anchor.steady_ns + static_cast<int64_t>(point.window.start_s * 1e9);
      const int64_t end_ns = anchor.steady_ns + static_cast<int64_t>(point.window.end_s * 1e9);
      double output_tokens = 0;
      if (auto it = point.scalars.find("output_throughput_tok_s"); it != point.scalars.end()) {
        output_tokens = it->second * point.window.duration_s;
      }
      telemetry::PointTelemetry summary =
          telemetry::SummarizePoint(point_scrapes, start_ns, end_ns, output_tokens);
      telemetry::AddToScalars(summary, point.scalars);
      point_scrapes.clear();
    };
  }

  // Adaptive replicates: after the declared ones, one more round for the points whose KPI CIs
  // are still wider than the bound, until maxReplicates.
  int extra_round = 0;
  config->extend = [&](const results::RunSummary& so_far) -> std::vector<ScheduledPoint> {
    // A sweep or search decides its next levels from what it measured; adaptive replicates do
    // not apply to it (its levels are not known in advance).
    if (capacity) return capacity->Extend(so_far);
    if (spec.measurement.max_replicates <= spec.measurement.replicates) return {};
    results::RunResult judged = JudgeRun(spec, so_far, judge_options);
    std::vector<std::string> unstable;
    std::vector<int> done(config->points.size(), 0);
    for (size_t i = 0; i < config->points.size(); ++i) {
      for (const auto& p : so_far.points) done[i] += p.point == config->points[i].point ? 1 : 0;
    }
    for (const results::PointResult& point : judged.points) {
      std::vector<std::string> kpis = UnstableKpis(point, spec);
      if (!kpis.empty()) {
        unstable.push_back(point.point);
        note(fmt::format("{}: {} not within ±{:.0f}% yet after {} replicates; adding one",
                         point.point, fmt::join(kpis, ", "),
                         spec.measurement.max_relative_ci_half_width * 100, point.replicates));
      }
    }
    return ExtraRound(spec, *config, unstable, done, ++extra_round);
  };

  const int64_t measure_start_ms = SystemNowMs();
  BenchOutcome measured = RunBench(*config, [&](const results::PointSummary& point) {
    if (options.on_point) options.on_point(point);
  });
  const int64_t measure_stop_ms = SystemNowMs();
  sampler.Stop();
  for (const std::string& text : measured.notes) note(text);
  outcome.summary = measured.summary;
  if (capacity) {
    outcome.capacity = capacity->ToJson();
    outcome.capacity_line = capacity->ConsoleLine();
    if (!capacity->error().empty()) note("the " + spec.workload.load.type + " stopped early: " + capacity->error());
    if (spec.measurement.max_replicates > spec.measurement.replicates) {
      note("adaptive replicates (maxReplicates) do not apply to a " + spec.workload.load.type);
    }
    // summary.json carries the capacity result beside the points it was decided from.
    nlohmann::json summary_json = measured.summary.ToJson();
    summary_json["capacity"] = outcome.capacity;
    if (Status ok = WriteFileAtomically(dir + "/summary.json", summary_json.dump(2) + "\n"); !ok.ok()) {
      return fail(ok.message());
    }
  }
  if (sim) {
    const bool alive = sim->Running();
    std::string how = sim->Stop();
    if (!alive) note("the simulator had exited (" + how + "); see " + dir + "/sim.log");
  }
  if (measured.exit_code == 2 && !measured.target_lost) return fail(measured.error);

  // Judge, gate, write.
  results::RunResult result = JudgeRun(spec, measured.summary, judge_options);
  result.status = measured.summary.status;
  result.cold_start_s = static_cast<double>(ready.cold_start_ns) / 1e9;
  result.outputs = {{"run_dir", dir},
                    {"summary", dir + "/summary.json"},
                    {"requests", dir + "/requests.jsonl"},
                    {"token_times", dir + "/token_times"},
                    {"spec", dir + "/spec.yaml"},
                    {"effective_spec", dir + "/effective_spec.json"},
                    {"environment", dir + "/environment.json"},
                    {"run", dir + "/run.json"}};
  if (!metrics_urls.empty()) result.outputs["telemetry"] = dir + "/telemetry.jsonl";
  if (std::filesystem::exists(dir + "/target_version.json")) result.outputs["target_version"] = dir + "/target_version.json";
  if (sim) result.outputs["sim_log"] = dir + "/sim.log";

  gate::GateReport report = gate::EvaluateConstraints(spec.constraints, result);
  // CTRF start/stop: the span of the measurement, not of the evaluation.
  report.start_ms = measure_start_ms;
  report.stop_ms = measure_stop_ms;
  gate::RecordGate(report, result);
  for (const std::string& warning : report.warnings) note("gate: " + warning);
  if (!spec.constraints.empty()) {
    outcome.gate_table = gate::FormatGateTable(report);
    nlohmann::json ctrf = gate::CtrfReport(report, result, options.harness_version);
    result.outputs["ctrf"] = dir + "/ctrf.json";
    if (Status ok = gate::WriteCtrf(dir + "/ctrf.json", ctrf); !ok.ok()) return fail(ok.message());
    if (!options.ctrf_path.empty()) {
      if (Status ok = gate::WriteCtrf(options.ctrf_path, ctrf); !ok.ok()) return fail(ok.message());
      result.outputs["ctrf_copy"] = options.ctrf_path;
    }
  }
  nlohmann::json run_json = result.ToJson();
  if (capacity) run_json["capacity"] = outcome.capacity;
  if (Status ok = WriteFileAtomically(dir + "/run.json", run_json.dump(2) + "\n"); !ok.ok()) {
    return fail(ok.message());
  }
  outcome.result = result;

  // Keep it: evidence store + warehouse. A failure here loses nothing (the run directory stays)
  // and does not change the measured outcome; it is reported.
  if (options.store) {
    PersistOutcome kept = PersistRun(dir, options.run_id, persist);
    for (const std::string& line : kept.notes) note(line);
    if (!kept.error.empty()) note(kept.error);
    outcome.manifest_digest = kept.manifest_digest;
    outcome.ingested = kept.ingested;
  }

  if (measured.target_lost) {
    outcome.exit_code = 2;
    outcome.error = measured.error;
    return outcome;
  }
  if (measured.exit_code == 130) {
    outcome.exit_code = 130;
    outcome.error = "interrupted: the run is partial; everything measured so far is in " + dir;
    return outcome;
  }
  outcome.exit_code = gate::GateExitCode(report, result.status == "partial");
  // `run` without constraints succeeds (exit 0), unlike `gate` (3).
  if (spec.constraints.empty()) outcome.exit_code = 0;
  return outcome;
}

}  // namespace inferbench::runner
