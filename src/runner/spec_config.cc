#include "runner/spec_config.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <thread>
#include <filesystem>

#include "core/prng.h"
#include "load/load_plan.h"
#include "net/client_connection.h"
#include "results/point.h"
#include "spec/plan.h"
#include "workload/dataset.h"
#include "spec/requests_expr.h"

namespace inferbench::runner {
namespace {

// "${VAR}" → the variable's value; anything else as written.
Result<std::string> ResolveHeaderValue(const std::string& name, const std::string& value) {
  if (value.size() < 4 || value.rfind("${", 0) != 0 || value.back() != '}') return value;
  const std::string var = value.substr(2, value.size() - 3);
  const char* resolved = std::getenv(var.c_str());
  if (!resolved || !*resolved) {
    return Status::Error(fmt::format("spec.target.headers.{}: the environment variable {} is not set or "
                                     "empty (export it, or write the value in the spec)",
                                     name, var));
  }
  return std::string(resolved);
}

// "promptsPerGroup" → "prompts_per_group".
std::string SnakeCase(std::string_view camel) {
  std::string out;
  for (char c : camel) {
    if (c >= 'A' && c <= 'Z') {
      out += '_';
      out += static_cast<char>(c - 'A' + 'a');
    } else {
      out += c;
    }
  }
  return out;
}

std::string Number(double v) { return fmt::format("{}", v); }

}  // namespace

std::string SpecRelativePath(const spec::BenchmarkRun& spec, const std::string& path) {
  const std::filesystem::path p(path);
  if (p.is_absolute() || spec.source.empty()) return path;
  const std::filesystem::path dir = std::filesystem::path(spec.source).parent_path();
  return dir.empty() ? path : (dir / p).lexically_normal().string();
}

workload::DatasetSpec DatasetSpecOf(const spec::BenchmarkRun& spec) {
  const spec::Dataset& d = spec.workload.dataset;
  workload::DatasetSpec out;
  for (workload::DatasetKind kind :
       {workload::DatasetKind::kJsonl, workload::DatasetKind::kShareGpt,
        workload::DatasetKind::kTrace, workload::DatasetKind::kConversations,
        workload::DatasetKind::kSharedPrefix}) {
    if (workload::DatasetKindName(kind) == d.type) out.kind = kind;
  }
  if (!d.path.empty()) out.path = SpecRelativePath(spec, d.path);
  auto put = [&](std::string_view key, const std::string& value) {
    out.options[SnakeCase(key)] = value;
  };
  if (d.speedup) put("speedup", Number(*d.speedup));
  if (d.history) put("history", *d.history);
  if (d.sessions) put("sessions", std::to_string(*d.sessions));
  if (d.multi_turn) put("multiTurn", *d.multi_turn ? "true" : "false");
  if (d.groups) put("groups", std::to_string(*d.groups));
  if (d.prompts_per_group) put("promptsPerGroup", std::to_string(*d.prompts_per_group));
  if (d.prefix_tokens) put("prefixTokens", std::to_string(*d.prefix_tokens));
  if (d.suffix_tokens) put("suffixTokens", std::to_string(*d.suffix_tokens));
  if (d.output_tokens_set) put("outputTokens", Number(std::round(d.output_tokens.mean)));
  if (d.allow_repeat) put("allowRepeat", *d.allow_repeat ? "true" : "false");
  if (d.limit) put("limit", std::to_string(*d.limit));
  return out;
}

Result<WorkloadFiles> ResolveWorkloadFiles(spec::BenchmarkRun& spec) {
  WorkloadFiles files;
  spec::Workload& w = spec.workload;
  if (!w.tokenizer.empty()) {
    auto tokenizer = workload::Tokenizer::Load(SpecRelativePath(spec, w.tokenizer));
    if (!tokenizer.ok()) return Status::Error("spec.workload.tokenizer: " + tokenizer.status().message());
    files.tokenizer = tokenizer.value();
    w.tokenizer_digest = files.tokenizer->digest();
  }
  if (w.dataset.synthetic()) {
    w.dataset_digest = nullptr;
    w.dataset_items = -1;
    return files;
  }
  workload::DatasetLoadOptions options;
  options.prompt_seed = w.seeds.prompts;
  options.length_seed = w.seeds.lengths;
  options.tokenizer = files.tokenizer;
  auto dataset = workload::LoadDataset(DatasetSpecOf(spec), options);
  if (!dataset.ok()) return Status::Error("spec.workload.dataset: " + dataset.status().message());
  files.dataset = dataset.value();
  nlohmann::json digest = files.dataset->DigestJson();
  // sessions=N is a load level (it is in the point string), not the workload.
  if (digest.contains("options") && digest["options"].is_object()) digest["options"].erase("sessions");
  w.dataset_digest = std::move(digest);
  w.dataset_items = static_cast<int64_t>(files.dataset->size());
  return files;
}

Status FillDatasetPlan(const workload::Dataset& dataset, int64_t count, load::LoadPlan& plan) {
  const int64_t held = static_cast<int64_t>(dataset.size());
  const int64_t n = count < 0 ? held : count;
  if (Status ok = dataset.CheckCount(static_cast<uint64_t>(n)); !ok.ok()) return ok;
  plan.requests = n;
  if (plan.mode == load::LoadPlan::Mode::kTrace) {
    auto offsets = std::make_shared<std::vector<int64_t>>();
    offsets->reserve(static_cast<size_t>(n));
    const int64_t last = held > 0 ? std::max<int64_t>(0, dataset.requests.back().offset_ns) : 0;
    const int64_t gap = held > 1 ? last / (held - 1) : 1'000'000'000;
    for (int64_t i = 0; i < n; ++i) {
      const int64_t pass = i / std::max<int64_t>(1, held);
      const int64_t base = std::max<int64_t>(0, dataset.Request(static_cast<uint64_t>(i)).offset_ns);
      offsets->push_back(base + pass * (last + gap));
    }
    plan.trace_offsets_ns = std::move(offsets);
  } else {
    auto turns = std::make_shared<std::vector<int>>();
    auto delays = std::make_shared<std::vector<std::vector<int64_t>>>();
    turns->reserve(static_cast<size_t>(n));
    delays->reserve(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) {
      const workload::Conversation& conversation =
          dataset.conversations[static_cast<size_t>(i % std::max<int64_t>(1, held))];
      turns->push_back(static_cast<int>(conversation.turns.size()));
      std::vector<int64_t>& row = delays->emplace_back();
      row.reserve(conversation.turns.size());
      for (const workload::ConversationTurn& turn : conversation.turns) row.push_back(turn.delay_ns);
    }
    plan.session_turns = std::move(turns);
    plan.session_delays_ns = std::move(delays);
  }
  return Status::Ok();
}

bool ExpectsColdCache(load::CacheBust cache_bust, const workload::Dataset* dataset) {
  if (cache_bust == load::CacheBust::kPerRequest) return true;
  if (cache_bust == load::CacheBust::kNone) return false;
  if (!dataset) return true;
  if (dataset->multi_turn() || dataset->kind == workload::DatasetKind::kSharedPrefix) return false;
  return std::none_of(dataset->requests.begin(), dataset->requests.end(),
                      [](const workload::DatasetRequest& r) { return r.shared_prefix_tokens > 0; });
}

Result<load::LoadPlan> LevelPlanFromSpec(const spec::BenchmarkRun& spec, bool open_loop,
                                         double level, const workload::Dataset* dataset) {
  const spec::Load& load = spec.workload.load;
  load::ArrivalProcess arrival;
  if (open_loop) {
    auto parsed = load::ParseArrival(load.arrival);
    if (!parsed.ok()) return Status::Error("spec.workload.load.arrival: " + parsed.status().message());
    arrival = parsed.value();
  }
  load::LoadPlan plan =
      load::LevelPlan(open_loop, level, arrival, open_loop ? static_cast<int>(load.max_inflight) : 0);
  if (load.duration_ns > 0) {
    plan.duration_ns = load.duration_ns;
    plan.grace_ns = 30'000'000'000;
  } else {
    auto requests = spec::EvaluateRequestsPerLevel(load.requests_per_level, level);
    if (!requests.ok()) return Status::Error("spec.workload.load.requestsPerLevel: " + requests.status().message());
    plan.requests = requests.value();
    if (dataset) {
      if (Status ok = dataset->CheckCount(static_cast<uint64_t>(plan.requests)); !ok.ok()) {
        return Status::Error(fmt::format("spec.workload.dataset: {} ({} needs {} requests)", ok.message(),
                                         plan.point, plan.requests));
      }
    }
  }
  plan.ramp_up_ns = load.ramp_up_ns;
  plan.warmup_requests = static_cast<int>(spec.workload.warmup.requests);
  plan.schedule_seed = DeriveSeed(spec.workload.seeds.schedule, plan.point);
  if (Status ok = plan.Validate(); !ok.ok()) return Status::Error("spec.workload.load: " + ok.message());
  return plan;
}

namespace {

// The trace and sessions points of a dataset spec.
Result<std::vector<load::LoadPlan>> DatasetPlans(const spec::BenchmarkRun& spec,
                                                  const workload::Dataset& dataset) {
  const spec::Load& load = spec.workload.load;
  std::vector<load::LoadPlan> plans;
  std::vector<double> levels = {0};
  if (load.type == "sessions") {
    levels = load.levels;
    if (levels.empty()) levels.push_back(static_cast<double>(spec.workload.dataset.sessions.value_or(dataset.sessions)));
  }
  for (double level : levels) {
    load::LoadPlan plan;
    if (load.type == "trace") {
      plan.mode = load::LoadPlan::Mode::kTrace;
      plan.point = results::Point::Trace().Format();
      plan.max_inflight = static_cast<int>(load.max_inflight);
    } else {
      plan.mode = load::LoadPlan::Mode::kSessions;
      plan.concurrency = static_cast<int>(std::lround(level));
      plan.point = results::Point::Sessions(plan.concurrency).Format();
      plan.ramp_up_ns = load.ramp_up_ns;
    }
    if (Status ok = FillDatasetPlan(dataset, load.requests.value_or(-1), plan); !ok.ok()) {
      return Status::Error(fmt::format("spec.workload.{}: {}", load.requests ? "load.requests" : "dataset",
                                       ok.message()));
    }
    if (load.duration_ns > 0) {
      plan.duration_ns = load.duration_ns;
      plan.grace_ns = 30'000'000'000;
    }
    plan.warmup_requests = static_cast<int>(spec.workload.warmup.requests);
    plan.schedule_seed = DeriveSeed(spec.workload.seeds.schedule, plan.point);
    if (Status ok = plan.Validate(); !ok.ok()) return Status::Error("spec.workload.load: " + ok.message());
    plans.push_back(std::move(plan));
  }
  return plans;
}

}  // namespace

Result<BenchConfig> BenchConfigFromSpec(const spec::BenchmarkRun& spec, const std::string& run_id,
                                        const WorkloadFiles& files) {
  BenchConfig config;
  config.run_id = run_id;
  config.base_url = spec.target.url;
  config.metrics_urls = spec.target.metrics_urls;
  config.slo = spec.slo;
  config.replicates = spec.measurement.replicates;
  config.stop_when_target_lost = true;

  auto url = net::ParseUrl(spec.target.url);
  if (!url.ok()) return Status::Error("spec.target.url: " + url.status().message());
  config.workers = DefaultWorkerCount(url.value());

  load::HttpSenderOptions& s = config.sender;
  s.target.url = url.value();
  if (!spec.target.api_key_env.empty()) {
    const char* key = std::getenv(spec.target.api_key_env.c_str());
    if (!key || !*key) {
      return Status::Error("spec.target.apiKeyEnv: the environment variable " + spec.target.api_key_env +
                           " is not set or empty (export the API key there)");
    }
    s.target.headers.emplace_back("Authorization", std::string("Bearer ") + key);
  }
  for (const auto& [name, value] : spec.target.headers) {
    auto resolved = ResolveHeaderValue(name, value);
    if (!resolved.ok()) return resolved.status();
    s.target.headers.emplace_back(name, resolved.value());
  }
  if (Status ok = client::ValidateHttpTarget(s.target); !ok.ok()) {
    return Status::Error("spec.target.headers: " + ok.message());
  }

  s.request.endpoint = spec.target.endpoint == "completions" ? client::ApiEndpoint::kCompletions
                                                             : client::ApiEndpoint::kChat;
  s.request.model = spec.target.model;
  s.request.stream = true;
  s.request.ignore_eos = spec.workload.sampling.ignore_eos;
  s.request.temperature = spec.workload.sampling.temperature;
  if (spec.workload.sampling.seed) s.request.seed = static_cast<int64_t>(*spec.workload.sampling.seed);
  if (spec.workload.sampling.min_tokens) s.request.min_tokens = static_cast<int>(*spec.workload.sampling.min_tokens);
  nlohmann::json extra = spec.target.extra_body.is_object() ? spec.target.extra_body : nlohmann::json::object();
  if (spec.workload.sampling.top_p && !extra.contains("top_p")) extra["top_p"] = *spec.workload.sampling.top_p;
  if (!extra.empty()) s.request.extra_body_json = extra.dump();

  const spec::Dataset& dataset = spec.workload.dataset;
  s.workload.prompt_seed = spec.workload.seeds.prompts;
  s.workload.length_seed = spec.workload.seeds.lengths;
  s.tokenizer = files.tokenizer;
  if (!spec.workload.tokenizer.empty() && !files.tokenizer) {
    return Status::Error("internal: spec.workload.tokenizer was not read (ResolveWorkloadFiles)");
  }
  if (dataset.synthetic()) {
    s.workload.isl_mean = static_cast<int>(std::lround(dataset.input_tokens.mean));
    s.workload.isl_stddev = static_cast<int>(std::lround(dataset.input_tokens.stddev));
    s.workload.osl_mean = static_cast<int>(std::lround(dataset.output_tokens.mean));
    s.workload.osl_stddev = static_cast<int>(std::lround(dataset.output_tokens.stddev));
    s.workload.token_ids = dataset.prompt_format == "ids";
    s.workload.entries = dataset.entries;
    if (Status ok = s.workload.Validate(); !ok.ok()) return Status::Error("spec.workload.dataset: " + ok.message());
    s.request.max_tokens = std::max(1, s.workload.osl_mean);
  } else {
    if (!files.dataset) {
      return Status::Error("internal: spec.workload.dataset was not read (ResolveWorkloadFiles)");
    }
    s.dataset = files.dataset;
    s.request.max_tokens = std::max(1, static_cast<int>(std::lround(files.dataset->MeanOutputTokens())));
  }
  {
    client::Prompt probe;
    if (s.workload.token_ids) probe.ids = {1};
    if (Status ok = client::ValidateRequestOptions(s.request, probe); !ok.ok()) {
      return Status::Error("spec: " + ok.message());
    }
  }
  auto cache_bust = load::ParseCacheBust(spec.workload.cache_bust);
  if (!cache_bust.ok()) return Status::Error("spec.workload.cacheBust: " + cache_bust.status().message());
  s.cache_bust = cache_bust.value();
  config.expect_cold = ExpectsColdCache(s.cache_bust, files.dataset.get());
  s.salt_seed = DeriveSeed(DeriveSeed(spec.workload.seed, "salt"), run_id);
  s.request_timeout_ns = spec.workload.load.request_timeout_ns;

  const spec::Load& load = spec.workload.load;
  if (load.type == "search") {
    // The search's bounds are the run's SLO: slo_attainment (what a level is judged by) and
    // goodput use them (validation keeps spec.slo empty).
    auto bounds = spec::ParseSearchSlo(load.slo);
    if (!bounds.ok()) return Status::Error("spec.workload.load.slo: " + bounds.status().message());
    config.slo.clear();
    for (const spec::SearchBound& b : bounds.value()) config.slo[b.metric] = b.value;
  }
  if (load.type == "sweep" || load.type == "search") return config;  // CapacityDriverFromSpec
  if (load.type == "trace" || load.type == "sessions") {
    auto plans = DatasetPlans(spec, *files.dataset);
    if (!plans.ok()) return plans.status();
    config.points = std::move(plans.value());
  } else {
    for (double level : load.levels) {
      auto plan = LevelPlanFromSpec(spec, load.type == "rate", level, files.dataset.get());
      if (!plan.ok()) return plan.status();
      config.points.push_back(std::move(plan.value()));
    }
  }

  auto planned = spec::BuildPlan(spec, spec.measurement.replicates);
  if (!planned.ok()) return planned.status();
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < config.points.size(); ++i) index[config.points[i].point] = i;
  for (const spec::PlannedRun& run : planned.value()) {
    auto it = index.find(run.point);
    if (it == index.end()) return Status::Error("internal: the plan names an unknown point " + run.point);
    config.schedule.push_back({it->second, run.replicate, std::nullopt});
  }
  return config;
}

Result<CapacityDriver> CapacityDriverFromSpec(const spec::BenchmarkRun& spec,
                                              const WorkloadFiles& files) {
  const spec::Load& load = spec.workload.load;
  const workload::Dataset* dataset = files.dataset.get();
  CapacityDriver::PlanFactory factory = [&spec, dataset](bool open_loop, double level) {
    return LevelPlanFromSpec(spec, open_loop, level, dataset);
  };
  const int replicates = spec.measurement.replicates;
  if (load.type == "sweep") {
    const int64_t c = spec::SweepThroughputConcurrency(load);
    if (c < 1) return Status::Error("spec.workload.load.requestsPerLevel does not evaluate at maxConcurrency");
    return CapacityDriver::Sweep(static_cast<int>(load.points), c, replicates, std::move(factory));
  }
  if (load.type != "search") return Status::Error("internal: load.type " + load.type + " is not a sweep or search");
  auto bounds = spec::ParseSearchSlo(load.slo);
  if (!bounds.ok()) return Status::Error("spec.workload.load.slo: " + bounds.status().message());
  SearchOptions options;
  options.start = load.start;
  options.low = load.low;
  options.high = load.high;
  options.resolution = load.resolution;
  options.max_points = static_cast<int>(load.max_points);
  options.attainment_target = spec::SearchAttainmentTarget(load.attainment, bounds.value());
  const bool over_rate = load.over == "rate";
  if (!over_rate) {
    options.min_level = 1;
    options.max_level = static_cast<double>(load.max_concurrency);
  }
  return CapacityDriver::Search(options, over_rate, spec::FormatSearchSlo(bounds.value()), replicates,
                                std::move(factory));
}

std::vector<ScheduledPoint> ExtraRound(const spec::BenchmarkRun& spec, const BenchConfig& config,
                                       const std::vector<std::string>& unstable_points,
                                       const std::vector<int>& replicates_done, int round) {
  std::vector<ScheduledPoint> runs;
  for (size_t i = 0; i < config.points.size(); ++i) {
    if (std::find(unstable_points.begin(), unstable_points.end(), config.points[i].point) ==
        unstable_points.end()) {
      continue;
    }
    if (replicates_done[i] >= spec.measurement.max_replicates) continue;
    runs.push_back({i, replicates_done[i], std::nullopt});
  }
  if (spec.measurement.order == "shuffled" && runs.size() > 1) {
    Prng prng(DeriveSeed(spec.workload.seeds.order, "extra-round/" + std::to_string(round)));
    for (size_t i = runs.size() - 1; i > 0; --i) {
      std::swap(runs[i], runs[prng.NextBelow(i + 1)]);
    }
  }
  return runs;
}

}  // namespace inferbench::runner
