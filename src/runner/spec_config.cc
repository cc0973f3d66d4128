#include "runner/spec_config.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <thread>

#include "core/prng.h"
#include "load/load_plan.h"
#include "net/client_connection.h"
#include "results/point.h"
#include "spec/plan.h"
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

}  // namespace

Result<BenchConfig> BenchConfigFromSpec(const spec::BenchmarkRun& spec, const std::string& run_id) {
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
  if (dataset.type != "synthetic") {
    return Status::Error("spec.workload.dataset.type: \"" + dataset.type +
                         "\" is not supported by this version (use synthetic)");
  }
  s.workload.isl_mean = static_cast<int>(std::lround(dataset.input_tokens.mean));
  s.workload.isl_stddev = static_cast<int>(std::lround(dataset.input_tokens.stddev));
  s.workload.osl_mean = static_cast<int>(std::lround(dataset.output_tokens.mean));
  s.workload.osl_stddev = static_cast<int>(std::lround(dataset.output_tokens.stddev));
  s.workload.token_ids = dataset.prompt_format == "ids";
  s.workload.prompt_seed = spec.workload.seeds.prompts;
  s.workload.length_seed = spec.workload.seeds.lengths;
  s.workload.entries = dataset.entries;
  if (Status ok = s.workload.Validate(); !ok.ok()) return Status::Error("spec.workload.dataset: " + ok.message());
  s.request.max_tokens = std::max(1, s.workload.osl_mean);
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
  s.salt_seed = DeriveSeed(DeriveSeed(spec.workload.seed, "salt"), run_id);
  s.request_timeout_ns = spec.workload.load.request_timeout_ns;

  const spec::Load& load = spec.workload.load;
  const bool rate_mode = load.type == "rate";
  load::ArrivalProcess arrival;
  if (rate_mode) {
    auto parsed = load::ParseArrival(load.arrival);
    if (!parsed.ok()) return Status::Error("spec.workload.load.arrival: " + parsed.status().message());
    arrival = parsed.value();
  }
  for (double level : load.levels) {
    load::LoadPlan plan = load::LevelPlan(rate_mode, level, arrival, static_cast<int>(load.max_inflight));
    if (load.duration_ns > 0) {
      plan.duration_ns = load.duration_ns;
      plan.grace_ns = 30'000'000'000;
    } else {
      auto requests = spec::EvaluateRequestsPerLevel(load.requests_per_level, level);
      if (!requests.ok()) return Status::Error("spec.workload.load.requestsPerLevel: " + requests.status().message());
      plan.requests = requests.value();
    }
    plan.ramp_up_ns = load.ramp_up_ns;
    plan.warmup_requests = static_cast<int>(spec.workload.warmup.requests);
    plan.schedule_seed = DeriveSeed(spec.workload.seeds.schedule, plan.point);
    if (Status ok = plan.Validate(); !ok.ok()) return Status::Error("spec.workload.load: " + ok.message());
    config.points.push_back(plan);
  }

  auto planned = spec::BuildPlan(spec, spec.measurement.replicates);
  if (!planned.ok()) return planned.status();
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < config.points.size(); ++i) index[config.points[i].point] = i;
  for (const spec::PlannedRun& run : planned.value()) {
    auto it = index.find(run.point);
    if (it == index.end()) return Status::Error("internal: the plan names an unknown point " + run.point);
    config.schedule.push_back({it->second, run.replicate});
  }
  return config;
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
    runs.push_back({i, replicates_done[i]});
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
