// `inferbench bench`: drive an OpenAI-compatible endpoint through a concurrency or rate sweep
// and measure every request (DESIGN.md §4, §9). Flag parsing and output here; the work is in
// runner/bench_session.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "cli/commands.h"
#include "cli/number_list.h"
#include "client/openai_adapter.h"
#include "core/duration.h"
#include "core/prng.h"
#include "core/run_id.h"
#include "load/http_request_sender.h"
#include "load/load_plan.h"
#include "load/slo.h"
#include "net/client_connection.h"
#include "results/point.h"
#include "core/atomic_file.h"
#include "core/sha256.h"
#include "net/event_loop.h"
#include "runner/bench_session.h"
#include "runner/capacity_search.h"
#include "runner/spec_config.h"
#include "spec/plan.h"
#include "workload/dataset.h"
#include "workload/tokenizer.h"

namespace inferbench::cli {
namespace {

struct BenchFlags {
  std::string url;
  std::string model;
  std::string endpoint = "chat";
  std::string api_key_env;
  std::vector<std::string> headers;
  std::string extra_body;
  std::string concurrency;
  std::string rate;
  std::string arrival = "poisson";
  int max_inflight = 0;
  int isl = 128;
  int isl_stddev = 0;
  int osl = 128;
  int osl_stddev = 0;
  std::string prompt_format = "text";
  std::string cache_bust = "per-replicate";
  int64_t requests = -1;
  std::string duration;
  std::string grace = "30s";
  int warmup = 0;
  std::string ramp_up = "0s";
  int replicates = 1;
  uint64_t seed = 42;
  double temperature = 0;
  bool temperature_set = false;
  bool no_ignore_eos = false;
  bool no_stream = false;
  std::string request_timeout = "10m";
  std::vector<std::string> metrics_urls;
  std::string slo;
  int workers = 0;  // 0: 1 for a loopback target, else the number of cores
  std::string output_dir;
  bool json = false;
  bool sentinel = false;
  bool quiet = false;
  // Issue 5: datasets, tokenizer, capacity runs.
  std::string dataset;
  std::string tokenizer;
  int sweep = 0;
  std::string search_slo;
  double attainment = 0;  // 0: the bounds' quantile (spec::SearchAttainmentTarget)
  std::string search_over = "rate";
  double search_resolution = 0.1;
  int search_max_points = 12;
  double search_start = 1;
  double search_low = 0;   // 0: not given
  double search_high = 0;  // 0: not given
  std::string dump_requests;
  // Which length flags the command line gave (a dataset brings its own lengths).
  std::vector<std::string> length_flags_given;
};

int Fail(const std::string& message) {
  std::fprintf(stderr, "inferbench bench: %s\n", message.c_str());
  return kExitError;
}

std::string Fmt(std::optional<double> v, int precision = 1) {
  if (!v || !std::isfinite(*v)) return "-";
  return fmt::format("{:.{}f}", *v, precision);
}

std::optional<double> Stat(const results::PointSummary& p, const char* metric, results::Stat stat) {
  auto it = p.distributions.find(metric);
  if (it == p.distributions.end()) return std::nullopt;
  return it->second.Get(stat);
}

std::optional<double> Scalar(const results::PointSummary& p, const char* metric) {
  auto it = p.scalars.find(metric);
  if (it == p.scalars.end()) return std::nullopt;
  return it->second;
}

void PrintHeader(std::FILE* out) {
  std::fprintf(out, "%-16s %3s %6s %5s %12s %9s %9s %9s %9s %9s  %s\n", "point", "rep", "n", "err",
               "out tok/s", "TTFT p50", "TTFT p99", "TPOT p50", "TPOT p99", "gap p99", "notes");
}

void PrintRow(std::FILE* out, const results::PointSummary& p) {
  std::vector<std::string> notes;
  if (p.client.saturated) notes.push_back("CLIENT SATURATED");
  auto ttft = p.distributions.find("ttft_ms");
  if (ttft != p.distributions.end() && ttft->second.IsLowN(results::Stat::kP99)) notes.push_back("p99 low_n");
  for (const std::string& w : p.warnings) {
    if (w.rfind("unstable", 0) == 0) notes.push_back("unstable");
  }
  if (!p.warnings.empty()) notes.push_back(fmt::format("{} warning(s)", p.warnings.size()));
  std::fprintf(out, "%-16s %3lld %6lld %5lld %12s %9s %9s %9s %9s %9s  %s\n", p.point.c_str(),
               static_cast<long long>(p.replicate), static_cast<long long>(p.requests.completed),
               static_cast<long long>(p.requests.errored), Fmt(Scalar(p, "output_throughput_tok_s")).c_str(),
               Fmt(Stat(p, "ttft_ms", results::Stat::kP50)).c_str(),
               Fmt(Stat(p, "ttft_ms", results::Stat::kP99)).c_str(),
               Fmt(Stat(p, "tpot_ms", results::Stat::kP50), 2).c_str(),
               Fmt(Stat(p, "tpot_ms", results::Stat::kP99), 2).c_str(),
               Fmt(Stat(p, "chunk_gap_ms", results::Stat::kP99), 2).c_str(),
               fmt::format("{}", fmt::join(notes, ", ")).c_str());
  std::fflush(out);
}

std::string EffectiveSpec(const BenchFlags& f, const runner::BenchConfig& c,
                          const nlohmann::json& capacity) {
  // The effective configuration of this run, secrets excluded (only the variable's name).
  std::string y = "# inferbench bench: effective configuration of this run\n";
  y += fmt::format("runId: {}\n", c.run_id);
  y += fmt::format("target:\n  url: \"{}\"\n  model: \"{}\"\n  endpoint: {}\n", f.url, f.model, f.endpoint);
  if (!f.api_key_env.empty()) y += fmt::format("  apiKeyEnv: {}\n", f.api_key_env);
  if (!f.headers.empty()) {
    y += "  headers:\n";
    for (const auto& h : f.headers) y += fmt::format("    - \"{}: <redacted>\"\n", h.substr(0, h.find(':')));
  }
  if (!f.extra_body.empty()) y += fmt::format("  extraBody: '{}'\n", f.extra_body);
  y += "workload:\n";
  if (const workload::Dataset* d = c.sender.dataset.get()) {
    y += fmt::format("  dataset: {{type: {}, spec: \"{}\", contentDigest: \"{}\", items: {}, meanInputTokens: {:.1f}, meanOutputTokens: {:.1f}}}\n",
                     workload::DatasetKindName(d->kind), workload::FormatDatasetSpec(d->spec),
                     d->content_digest, d->size(), d->MeanInputTokens(), d->MeanOutputTokens());
    y += fmt::format("  datasetDigest: '{}'\n", d->DigestJson().dump());
  } else {
    y += fmt::format("  dataset: {{type: synthetic, inputTokens: {{mean: {}, stddev: {}}}, outputTokens: {{mean: {}, stddev: {}}}, promptFormat: {}}}\n",
                     f.isl, f.isl_stddev, f.osl, f.osl_stddev, f.prompt_format);
  }
  if (c.sender.tokenizer) {
    y += fmt::format("  tokenizer: {{path: \"{}\", digest: \"{}\"}}\n", f.tokenizer, c.sender.tokenizer->digest());
  }
  y += fmt::format("  seed: {}\n", f.seed);
  y += fmt::format("  seeds: {{prompts: {}, lengths: {}, schedule: {}}}\n", c.sender.workload.prompt_seed,
                   c.sender.workload.length_seed,
                   c.points.empty() ? 0 : c.points.front().schedule_seed);
  y += fmt::format("  sampling: {{temperature: {}, ignoreEos: {}, stream: {}}}\n",
                   f.temperature_set ? fmt::format("{}", f.temperature) : "server default",
                   !f.no_ignore_eos, !f.no_stream);
  y += fmt::format("  cacheBust: {}\n", f.cache_bust);
  if (!capacity.is_null()) y += fmt::format("  capacity: '{}'\n", capacity.dump());
  y += "  load:\n";
  std::vector<load::LoadPlan> plans = c.points;
  for (const auto& run : c.schedule) {
    if (run.plan && run.replicate == 0) plans.push_back(*run.plan);
  }
  for (const auto& p : plans) {
    y += fmt::format("    - {{point: \"{}\", requests: {}, duration: \"{}\", warmup: {}, rampUp: \"{}\"",
                     p.point, p.requests, FormatDurationNs(p.duration_ns), p.warmup_requests,
                     FormatDurationNs(p.ramp_up_ns));
    if (p.open_loop()) {
      y += fmt::format(", arrival: \"{}\", maxInflight: {}",
                       load::FormatArrival({p.arrival, p.gamma_shape}), p.max_inflight);
    }
    y += "}\n";
  }
  y += fmt::format("measurement: {{replicates: {}, requestTimeout: \"{}\", workers: {}}}\n", c.replicates, f.request_timeout, c.workers);
  if (!c.slo.empty()) {
    y += "slo:\n";
    for (const auto& [k, v] : c.slo) y += fmt::format("  {}: {}\n", k, v);
  }
  return y;
}

// --dump-requests FILE: renders every measured request of the points known before the run (every
// replicate) without sending anything and writes one JSON line per request: {point, replicate,
// index, session, turn, salt, body_sha256}. The bodies are exactly what the sender would write
// (minus the chat-template adjustment, which needs the server): determinism tests compare them.
int DumpRequests(const runner::BenchConfig& config, const std::string& path) {
  net::EventLoop loop;  // never run: rendering does not touch it
  load::HttpRequestSender sender(loop, config.sender, nullptr);
  std::vector<load::LoadPlan> plans = config.points;
  for (const runner::ScheduledPoint& run : config.schedule) {
    if (run.plan && run.replicate == 0) plans.push_back(*run.plan);
  }
  std::string out;
  auto dump = [&](const load::LoadPlan& plan, int replicate, load::ScheduledRequest request) {
    std::string salt;
    const std::string bytes = sender.RenderRequest(request, &salt, nullptr);
    const size_t body = bytes.find("\r\n\r\n");
    nlohmann::json line = {{"point", plan.point},
                           {"replicate", replicate},
                           {"index", request.index},
                           {"session", request.session},
                           {"turn", request.turn},
                           {"salt", salt},
                           {"body_sha256", Sha256Hex(body == std::string::npos ? bytes : bytes.substr(body + 4))}};
    out += line.dump() + "\n";
  };
  for (const load::LoadPlan& plan : plans) {
    if (plan.requests < 0) return Fail("--dump-requests needs a request count per point (not --duration)");
    for (int replicate = 0; replicate < config.replicates; ++replicate) {
      sender.SetPoint(plan.point, replicate);
      for (int64_t i = 0; i < plan.requests; ++i) {
        load::ScheduledRequest request;
        request.index = static_cast<uint64_t>(i);
        if (plan.mode == load::LoadPlan::Mode::kSessions) {
          request.session = i;
          const int turns = plan.session_turns ? (*plan.session_turns)[static_cast<size_t>(i)] : 1;
          for (int t = 0; t < turns; ++t) {
            request.turn = t;
            dump(plan, replicate, request);
          }
        } else {
          dump(plan, replicate, request);
        }
      }
    }
  }
  if (Status ok = WriteFileAtomically(path, out); !ok.ok()) return Fail("--dump-requests: " + ok.message());
  return kExitOk;
}

int RunBenchCommand(const BenchFlags& f) {
  if (f.url.empty()) return Fail("--url is required (the server's base URL, e.g. http://127.0.0.1:8000)");
  if (f.model.empty()) return Fail("--model is required (the model name the server serves; see GET /v1/models)");
  auto url = net::ParseUrl(f.url);
  if (!url.ok()) return Fail("--url: " + url.status().message());
  const bool capacity_run = f.sweep != 0 || !f.search_slo.empty();
  if (f.sweep != 0 && !f.search_slo.empty()) {
    return Fail("--sweep and --search-slo are two different runs: give one of them");
  }
  if (f.sweep != 0 && f.sweep < 3) {
    return Fail("--sweep " + std::to_string(f.sweep) +
                ": a sweep has at least 3 points (synchronous, throughput and the rates between)");
  }
  if (capacity_run && (!f.concurrency.empty() || !f.rate.empty())) {
    return Fail(std::string(f.sweep ? "--sweep" : "--search-slo") +
                " decides its own levels: remove --concurrency / --rate");
  }
  if (!f.concurrency.empty() && !f.rate.empty()) {
    return Fail("give one of --concurrency LIST (closed loop, e.g. 1,4,16) or --rate LIST (open loop, requests/s), not both");
  }
  if (!f.dataset.empty() && !f.length_flags_given.empty()) {
    return Fail("--dataset and " + fmt::format("{}", fmt::join(f.length_flags_given, ", ")) +
                ": a dataset brings its own prompt and output lengths; remove " +
                fmt::format("{}", fmt::join(f.length_flags_given, ", ")) +
                " (or set output_tokens= in --dataset)");
  }
  if (f.search_over != "rate" && f.search_over != "concurrency") {
    return Fail("--search-over \"" + f.search_over + "\": use rate or concurrency");
  }
  if (!(f.search_resolution > 0)) return Fail("--search-resolution must be > 0 (relative, e.g. 0.1)");
  if (f.attainment != 0 && !(f.attainment > 0 && f.attainment <= 1)) {
    return Fail("--attainment must be in (0, 1], e.g. 0.95");
  }
  if (f.search_max_points < 2) return Fail("--search-max-points must be at least 2");
  if (!(f.search_start > 0) || f.search_low < 0 || f.search_high < 0) {
    return Fail("--search-start, --search-low and --search-high must be > 0");
  }
  if (f.search_low > 0 && f.search_high > 0 && !(f.search_low < f.search_high)) {
    return Fail("--search-low must be below --search-high");
  }
  if (f.workers < 0 || f.workers > 256) return Fail("--workers must be 1..256 (0 or absent: automatic)");
  if (f.replicates < 1) return Fail("--replicates must be at least 1");
  if (f.warmup < 0) return Fail("--warmup must be 0 or more");
  if (f.isl < 1 || f.osl < 1 || f.isl_stddev < 0 || f.osl_stddev < 0) {
    return Fail("--isl and --osl must be at least 1, their stddevs 0 or more");
  }

  runner::BenchConfig config;
  config.run_id = NewRunId();
  config.base_url = f.url;
  config.replicates = f.replicates;
  config.metrics_urls = f.metrics_urls;
  config.progress = !f.quiet && isatty(STDERR_FILENO);
  config.workers = f.workers > 0 ? f.workers : runner::DefaultWorkerCount(url.value());
  config.output_dir = f.output_dir.empty() ? ".inferbench/runs/" + config.run_id : f.output_dir;

  load::HttpSenderOptions& s = config.sender;
  s.target.url = url.value();
  if (!f.api_key_env.empty()) {
    const char* key = std::getenv(f.api_key_env.c_str());
    if (!key || !*key) {
      return Fail("--api-key-env " + f.api_key_env + ": that environment variable is not set or empty");
    }
    s.target.headers.emplace_back("Authorization", std::string("Bearer ") + key);
  }
  for (const std::string& h : f.headers) {
    size_t colon = h.find(':');
    if (colon == std::string::npos || colon == 0) {
      return Fail("--header \"" + h.substr(0, h.find(':')) + "…\": use NAME:VALUE");
    }
    std::string value = h.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    s.target.headers.emplace_back(h.substr(0, colon), value);
  }
  Status target_ok = client::ValidateHttpTarget(s.target);
  if (!target_ok.ok()) return Fail(target_ok.message());

  if (f.endpoint == "chat") {
    s.request.endpoint = client::ApiEndpoint::kChat;
  } else if (f.endpoint == "completions") {
    s.request.endpoint = client::ApiEndpoint::kCompletions;
  } else {
    return Fail("--endpoint \"" + f.endpoint + "\": use chat or completions");
  }
  if (f.prompt_format != "text" && f.prompt_format != "ids") {
    return Fail("--prompt-format \"" + f.prompt_format + "\": use text or ids");
  }
  if (f.prompt_format == "ids" && s.request.endpoint != client::ApiEndpoint::kCompletions) {
    return Fail("--prompt-format ids needs --endpoint completions (chat messages are text)");
  }
  s.request.model = f.model;
  s.request.stream = !f.no_stream;
  s.request.ignore_eos = !f.no_ignore_eos;
  if (f.temperature_set) s.request.temperature = f.temperature;
  s.request.extra_body_json = f.extra_body;
  s.request.max_tokens = f.osl;
  {
    client::Prompt probe;
    if (f.prompt_format == "ids") probe.ids = {1};
    Status ok = client::ValidateRequestOptions(s.request, probe);
    if (!ok.ok()) return Fail(ok.message());
  }
  s.workload.isl_mean = f.isl;
  s.workload.isl_stddev = f.isl_stddev;
  s.workload.osl_mean = f.osl;
  s.workload.osl_stddev = f.osl_stddev;
  s.workload.token_ids = f.prompt_format == "ids";
  s.workload.prompt_seed = DeriveSeed(f.seed, "prompts");
  s.workload.length_seed = DeriveSeed(f.seed, "lengths");
  if (!f.tokenizer.empty()) {
    auto tokenizer = workload::Tokenizer::Load(f.tokenizer);
    if (!tokenizer.ok()) return Fail("--tokenizer: " + tokenizer.status().message());
    s.tokenizer = tokenizer.value();
  }
  if (!f.dataset.empty()) {
    if (s.workload.token_ids) return Fail("--dataset with --prompt-format ids: dataset prompts are text; remove --prompt-format");
    auto spec = workload::ParseDatasetSpec(f.dataset);
    if (!spec.ok()) return Fail("--dataset: " + spec.status().message());
    workload::DatasetLoadOptions options;
    options.prompt_seed = s.workload.prompt_seed;
    options.length_seed = s.workload.length_seed;
    options.tokenizer = s.tokenizer;
    auto dataset = workload::LoadDataset(spec.value(), options);
    if (!dataset.ok()) return Fail("--dataset: " + dataset.status().message());
    s.dataset = dataset.value();
    s.request.max_tokens = std::max(1, static_cast<int>(std::lround(s.dataset->MeanOutputTokens())));
  } else {
    Status workload_ok = s.workload.Validate();
    if (!workload_ok.ok()) return Fail(workload_ok.message());
  }
  const workload::Dataset* dataset = s.dataset.get();
  const bool multi_turn = dataset && dataset->multi_turn();
  const bool trace_mode = dataset && dataset->timed() && f.concurrency.empty() && f.rate.empty() && !capacity_run;
  if (multi_turn && (!f.rate.empty() || capacity_run)) {
    return Fail("--dataset " + std::string(workload::DatasetKindName(dataset->kind)) +
                " is multi-turn: it runs as sessions=N (conversations in flight; sessions=N in --dataset "
                "or --concurrency LIST); --rate, --sweep and --search-slo need single-request datasets");
  }
  if (!dataset || (!multi_turn && !trace_mode)) {
    if (f.concurrency.empty() && f.rate.empty() && !capacity_run) {
      return Fail("give --concurrency LIST (closed loop, e.g. 1,4,16), --rate LIST (open loop, requests/s), "
                  "--sweep N or --search-slo BOUNDS" +
                  std::string(dataset ? "" : " (or --dataset trace:FILE to replay a trace)"));
    }
  }
  auto cache_bust = load::ParseCacheBust(f.cache_bust);
  if (!cache_bust.ok()) return Fail("--cache-bust: " + cache_bust.status().message());
  s.cache_bust = cache_bust.value();
  config.expect_cold = runner::ExpectsColdCache(s.cache_bust, dataset);
  // The run id enters the salt: a re-run with the same seed must not read the prefix cache an
  // earlier run warmed (the salt is recorded per request, so nothing is lost for lineage).
  s.salt_seed = DeriveSeed(DeriveSeed(f.seed, "salt"), config.run_id);
  auto timeout = ParseDurationNs(f.request_timeout);
  if (!timeout.ok()) return Fail("--request-timeout: " + timeout.status().message());
  s.request_timeout_ns = timeout.value();

  if (!f.slo.empty()) {
    auto slo = load::ParseSlo(f.slo);
    if (!slo.ok()) return Fail("--slo: " + slo.status().message());
    config.slo = slo.value();
  }

  int64_t duration_ns = 0;
  if (!f.duration.empty()) {
    auto d = ParseDurationNs(f.duration);
    if (!d.ok()) return Fail("--duration: " + d.status().message());
    duration_ns = d.value();
  }
  auto grace = ParseDurationNs(f.grace);
  if (!grace.ok()) return Fail("--grace: " + grace.status().message());
  auto ramp = ParseDurationNs(f.ramp_up);
  if (!ramp.ok()) return Fail("--ramp-up: " + ramp.status().message());

  const bool rate_mode = !f.rate.empty();
  auto parsed_arrival = load::ParseArrival(f.arrival);
  if (!parsed_arrival.ok()) return Fail("--arrival: " + parsed_arrival.status().message());
  const load::ArrivalProcess arrival = parsed_arrival.value();
  const bool open_loop_levels = rate_mode || f.sweep != 0 || (!f.search_slo.empty() && f.search_over == "rate");
  if (!open_loop_levels && f.arrival != "poisson") {
    return Fail("--arrival applies to open loop (--rate, --sweep, --search-slo over rate) only");
  }
  if (!open_loop_levels && !trace_mode && f.max_inflight != 0) {
    return Fail("--max-inflight applies to open loop (--rate, a trace, --sweep, --search-slo over rate) only");
  }
  // One concurrency or rate level as a plan (also the sweep's and search's levels).
  auto level_plan = [&](bool open_loop, double level) -> Result<load::LoadPlan> {
    load::LoadPlan plan = load::LevelPlan(open_loop, level, arrival, open_loop ? f.max_inflight : 0);
    if (f.requests >= 0) {
      plan.requests = f.requests;
    } else if (duration_ns == 0) {
      plan.requests = static_cast<int64_t>(std::ceil(std::max(64.0, 4.0 * level)));
    }
    plan.duration_ns = duration_ns;
    plan.grace_ns = grace.value();
    plan.ramp_up_ns = ramp.value();
    plan.warmup_requests = f.warmup;
    plan.schedule_seed = DeriveSeed(DeriveSeed(f.seed, "schedule"), plan.point);
    if (Status ok = plan.Validate(); !ok.ok()) return ok;
    if (dataset && plan.requests >= 0) {
      if (Status ok = dataset->CheckCount(static_cast<uint64_t>(plan.requests)); !ok.ok()) {
        return Status::Error(fmt::format("--dataset: {} ({} needs {} requests)", ok.message(), plan.point,
                                         plan.requests));
      }
    }
    return plan;
  };
  // A trace or sessions point from the dataset.
  auto dataset_plan = [&](load::LoadPlan::Mode mode, int sessions) -> Result<load::LoadPlan> {
    load::LoadPlan plan;
    plan.mode = mode;
    if (mode == load::LoadPlan::Mode::kTrace) {
      plan.point = results::Point::Trace().Format();
      plan.max_inflight = f.max_inflight;
    } else {
      plan.concurrency = sessions;
      plan.point = results::Point::Sessions(sessions).Format();
      plan.ramp_up_ns = ramp.value();
    }
    if (Status ok = runner::FillDatasetPlan(*dataset, f.requests, plan); !ok.ok()) {
      return Status::Error("--dataset: " + ok.message() + (f.requests >= 0 ? " (--requests " + std::to_string(f.requests) + ")" : ""));
    }
    if (duration_ns > 0) {
      plan.duration_ns = duration_ns;
      plan.grace_ns = grace.value();
    }
    plan.warmup_requests = f.warmup;
    plan.schedule_seed = DeriveSeed(DeriveSeed(f.seed, "schedule"), plan.point);
    if (Status ok = plan.Validate(); !ok.ok()) return ok;
    return plan;
  };

  std::optional<runner::CapacityDriver> capacity;
  nlohmann::json capacity_config;
  if (trace_mode) {
    auto plan = dataset_plan(load::LoadPlan::Mode::kTrace, 0);
    if (!plan.ok()) return Fail(plan.status().message());
    config.points.push_back(plan.value());
  } else if (multi_turn) {
    std::vector<double> sessions = {static_cast<double>(dataset->sessions)};
    if (!f.concurrency.empty()) {
      auto levels = ParseNumberList(f.concurrency, /*integers=*/true);
      if (!levels.ok()) return Fail("--concurrency (sessions in flight): " + levels.status().message());
      sessions = levels.value();
    }
    for (double n : sessions) {
      auto plan = dataset_plan(load::LoadPlan::Mode::kSessions, static_cast<int>(n));
      if (!plan.ok()) return Fail(plan.status().message());
      config.points.push_back(plan.value());
    }
  } else if (capacity_run) {
    if (f.sweep != 0) {
      // As a spec's sweep with maxConcurrency 256: every request of the point in flight at once,
      // at most 256 (spec::SweepThroughputConcurrency).
      const int64_t throughput = f.requests >= 0 ? std::max<int64_t>(1, std::min<int64_t>(256, f.requests)) : 256;
      capacity.emplace(runner::CapacityDriver::Sweep(f.sweep, throughput, f.replicates, level_plan));
      capacity_config = {{"type", "sweep"}, {"points", f.sweep}, {"throughputConcurrency", throughput}};
    } else {
      auto bounds = spec::ParseSearchSlo(f.search_slo);
      if (!bounds.ok()) return Fail("--search-slo: " + bounds.status().message());
      runner::SearchOptions options;
      options.resolution = f.search_resolution;
      options.max_points = f.search_max_points;
      options.start = f.search_start;
      if (f.search_low > 0) options.low = f.search_low;
      if (f.search_high > 0) options.high = f.search_high;
      options.attainment_target = spec::SearchAttainmentTarget(
          f.attainment > 0 ? std::optional<double>(f.attainment) : std::nullopt, bounds.value());
      const bool over_rate = f.search_over == "rate";
      if (!over_rate) {
        options.min_level = 1;
        options.max_level = 256;
      }
      // The search's bounds are the run's SLO: slo_attainment and goodput judge by them.
      load::SloThresholds thresholds;
      for (const spec::SearchBound& b : bounds.value()) thresholds[b.metric] = b.value;
      if (!f.slo.empty() && thresholds != config.slo) {
        return Fail("--slo and --search-slo: the search judges requests by --search-slo, which is "
                    "also the run's SLO; remove --slo");
      }
      config.slo = thresholds;
      const std::string slo_text = spec::FormatSearchSlo(bounds.value());
      capacity.emplace(runner::CapacityDriver::Search(options, over_rate, slo_text, f.replicates, level_plan));
      capacity_config = {{"type", "search"},
                         {"over", f.search_over},
                         {"slo", slo_text},
                         {"attainment", options.attainment_target},
                         {"resolution", options.resolution},
                         {"maxPoints", options.max_points}};
    }
    auto initial = capacity->Initial();
    if (!initial.ok()) return Fail(initial.status().message());
    config.schedule = std::move(initial.value());
  } else {
    auto levels = ParseNumberList(rate_mode ? f.rate : f.concurrency, /*integers=*/!rate_mode);
    if (!levels.ok()) return Fail((rate_mode ? "--rate: " : "--concurrency: ") + levels.status().message());
    for (double level : levels.value()) {
      auto plan = level_plan(rate_mode, level);
      if (!plan.ok()) return Fail(plan.status().message());
      config.points.push_back(plan.value());
    }
  }
  if (capacity) {
    config.extend = [&capacity](const results::RunSummary& so_far) { return capacity->Extend(so_far); };
  }
  config.effective_spec_yaml = EffectiveSpec(f, config, capacity_config);
  if (!f.dump_requests.empty()) return DumpRequests(config, f.dump_requests);

  std::FILE* table = f.json ? stderr : stdout;
  bool header_printed = false;
  runner::BenchOutcome outcome = runner::RunBench(config, [&](const results::PointSummary& point) {
    if (f.quiet) return;
    if (!header_printed) {
      PrintHeader(table);
      header_printed = true;
    }
    PrintRow(table, point);
  });
  if (outcome.exit_code == kExitError) return Fail(outcome.error);
  nlohmann::json capacity_json;
  if (capacity) {
    capacity_json = capacity->ToJson();
    // summary.json carries the capacity result beside the points it was decided from.
    nlohmann::json summary_json = outcome.summary.ToJson();
    summary_json["capacity"] = capacity_json;
    if (Status ok = WriteFileAtomically(config.output_dir + "/summary.json", summary_json.dump(2) + "\n"); !ok.ok()) {
      return Fail(ok.message());
    }
    if (!f.quiet) std::fprintf(table, "%s\n", capacity->ConsoleLine().c_str());
    if (!capacity->error().empty()) std::fprintf(stderr, "warning: the capacity run stopped early: %s\n", capacity->error().c_str());
  }
  if (!f.quiet) {
    for (const std::string& note : outcome.notes) std::fprintf(stderr, "note: %s\n", note.c_str());
    bool saturated = false;
    for (const auto& p : outcome.summary.points) saturated |= p.client.saturated;
    if (saturated) {
      std::fprintf(stderr, "warning: the client was saturated on some points: their numbers describe "
                           "the client, not the server (DESIGN: busy >= 90%% or timer lag p99 > 1 ms)\n");
    }
    std::fprintf(stderr, "run %s (%s): %s\n", outcome.summary.run_id.c_str(), outcome.summary.status.c_str(),
                 config.output_dir.c_str());
  }
  if (f.json || f.sentinel) {
    nlohmann::json out = outcome.summary.ToJson();
    if (capacity) out["capacity"] = capacity_json;
    out["outputs"] = {{"dir", config.output_dir},
                      {"summary", config.output_dir + "/summary.json"},
                      {"requests", config.output_dir + "/requests.jsonl"},
                      {"token_times", config.output_dir + "/token_times"},
                      {"spec", config.output_dir + "/spec.yaml"}};
    if (f.sentinel) std::printf("===INFERBENCH-RESULT-BEGIN===\n");
    std::printf("%s\n", out.dump(f.sentinel ? -1 : 2).c_str());
    if (f.sentinel) std::printf("===INFERBENCH-RESULT-END===\n");
  }
  return outcome.exit_code;
}

}  // namespace

void RegisterBenchCommand(CLI::App& app, int* exit_code) {
  auto f = std::make_shared<BenchFlags>();
  CLI::App* cmd = app.add_subcommand("bench", "Measure an OpenAI-compatible endpoint over a load sweep");
  cmd->add_option("--url", f->url, "Base URL of the server, e.g. http://127.0.0.1:8000");
  cmd->add_option("--model", f->model, "Model name to request");
  cmd->add_option("--endpoint", f->endpoint, "chat | completions")->capture_default_str();
  cmd->add_option("--api-key-env", f->api_key_env, "Read the API key from this environment variable (never written anywhere)");
  cmd->add_option("--header", f->headers, "Extra request header NAME:VALUE (repeatable)");
  cmd->add_option("--extra-body", f->extra_body, "JSON object merged into every request body");
  cmd->add_option("--concurrency", f->concurrency, "Closed loop: comma-separated in-flight levels, e.g. 1,4,16,64");
  cmd->add_option("--rate", f->rate, "Open loop: comma-separated offered rates in requests/s");
  cmd->add_option("--arrival", f->arrival, "poisson | gamma:K | constant (open loop)")->capture_default_str();
  cmd->add_option("--max-inflight", f->max_inflight, "Open loop: cap on requests in flight (0 = none)");
  cmd->add_option("--isl", f->isl, "Mean input length in tokens")->capture_default_str();
  cmd->add_option("--isl-stddev", f->isl_stddev, "Input length standard deviation")->capture_default_str();
  cmd->add_option("--osl", f->osl, "Mean output length (max_tokens)")->capture_default_str();
  cmd->add_option("--osl-stddev", f->osl_stddev, "Output length standard deviation")->capture_default_str();
  cmd->add_option("--prompt-format", f->prompt_format, "text | ids (token-id prompts, completions only)")->capture_default_str();
  cmd->add_option("--cache-bust", f->cache_bust, "none | per-replicate | per-request")->capture_default_str();
  cmd->add_option("--requests", f->requests, "Measured requests per point (default max(64, 4 x level))");
  cmd->add_option("--duration", f->duration, "Send for this long per point instead, e.g. 60s");
  cmd->add_option("--grace", f->grace, "Duration mode: time in-flight requests get to finish")->capture_default_str();
  cmd->add_option("--warmup", f->warmup, "Warmup requests before each point (never counted)")->capture_default_str();
  cmd->add_option("--ramp-up", f->ramp_up, "Closed loop: spread the first requests over this long")->capture_default_str();
  cmd->add_option("--replicates", f->replicates, "Runs of every point")->capture_default_str();
  cmd->add_option("--seed", f->seed, "Base seed of every random dimension")->capture_default_str();
  cmd->add_option_function<double>("--temperature", [f](double t) { f->temperature = t; f->temperature_set = true; },
                                   "Sampling temperature (default: the server's)");
  cmd->add_flag("--no-ignore-eos", f->no_ignore_eos, "Let the model stop early (ignore_eos is sent by default)");
  cmd->add_flag("--no-stream", f->no_stream, "Non-streaming requests: end-to-end latency only");
  cmd->add_option("--request-timeout", f->request_timeout, "Per-request timeout")->capture_default_str();
  cmd->add_option("--metrics-url", f->metrics_urls, "Prometheus endpoint to scrape per point (default: the target's /metrics)");
  cmd->add_option("--slo", f->slo, "Per-request SLO for goodput, e.g. ttft_ms=2000,tpot_ms=100");
  cmd->add_option("--workers", f->workers, "Event-loop worker threads (default: 1 for a loopback target, else one per core)");
  cmd->add_option("--output-dir", f->output_dir, "Run directory (default .inferbench/runs/RUN_ID)");
  cmd->add_flag("--json", f->json, "Print the summary as JSON on stdout (the table goes to stderr)");
  cmd->add_flag("--sentinel", f->sentinel, "Print the JSON between ===INFERBENCH-RESULT-BEGIN/END=== lines");
  cmd->add_flag("--quiet", f->quiet, "No table, no progress");
  cmd->add_option("--dataset", f->dataset,
                  "Prompts from a dataset: jsonl:FILE, sharegpt:FILE, trace:FILE (replays its timing), "
                  "conversations:FILE (sessions), shared-prefix:groups=G,prompts_per_group=P,…; options "
                  "after commas, e.g. trace:t.jsonl,speedup=2");
  cmd->add_option("--tokenizer", f->tokenizer,
                  "A Hugging Face tokenizer.json: exact prompt lengths, output tokens counted without usage");
  cmd->add_option("--sweep", f->sweep,
                  "Capacity sweep of N points: concurrency=1, every request in flight, then N-2 rates between");
  cmd->add_option("--search-slo", f->search_slo,
                  "Search the highest rate meeting per-request bounds, e.g. 'ttft_ms.p99<=2000,tpot_ms.p99<=100'");
  cmd->add_option("--attainment", f->attainment,
                  "Search: share of requests meeting every bound for a level to pass (default: the bounds' "
                  "quantile, p99 -> 0.99, else 0.95)");
  cmd->add_option("--search-over", f->search_over, "Search: rate | concurrency")->capture_default_str();
  cmd->add_option("--search-resolution", f->search_resolution,
                  "Search: stop when (high - low) / low is at most this")
      ->capture_default_str();
  cmd->add_option("--search-max-points", f->search_max_points, "Search: levels measured at most")
      ->capture_default_str();
  cmd->add_option("--search-start", f->search_start,
                  "Search: the first level, doubled while it passes or halved while it fails")
      ->capture_default_str();
  cmd->add_option("--search-low", f->search_low, "Search: a level expected to pass (measured first)");
  cmd->add_option("--search-high", f->search_high, "Search: a level expected to fail");
  cmd->add_option("--dump-requests", f->dump_requests,
                  "Write the SHA-256 of every request body to FILE and exit without sending (determinism checks)")
      ->group("");
  cmd->callback([f, exit_code, cmd] {
    for (const char* flag : {"--isl", "--isl-stddev", "--osl", "--osl-stddev"}) {
      if (cmd->count(flag) > 0) f->length_flags_given.emplace_back(flag);
    }
    *exit_code = RunBenchCommand(*f);
  });
}

}  // namespace inferbench::cli
