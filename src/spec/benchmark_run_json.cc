#include "spec/benchmark_run_json.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <string_view>

#include "core/canonical_json.h"
#include "core/duration.h"
#include "core/prng.h"
#include "spec/contract.h"
#include "spec/plan.h"

namespace inferbench::spec {
namespace {

using nlohmann::json;

// Whole numbers print as integers ("levels: [1, 4]"), others as doubles.
json Number(double v) {
  if (std::isfinite(v) && v == std::trunc(v) && std::fabs(v) < 9e15) return static_cast<int64_t>(v);
  return v;
}

json Durations(int64_t ns) { return FormatDurationNs(ns); }

std::string_view ModeName(Mode m) { return m == Mode::kPublication ? "publication" : "realism"; }

json LengthJson(const LengthDistribution& d) {
  return {{"mean", Number(d.mean)}, {"stddev", Number(d.stddev)}};
}

// Typed reads of optional keys; a wrong JSON type throws json::type_error, which
// BenchmarkRunFromJson turns into an error naming the key.
class Reader {
 public:
  explicit Reader(const json& object, std::string path) : j_(object), path_(std::move(path)) {}

  bool Has(const char* key) const {
    return j_.is_object() && j_.contains(key) && !j_.at(key).is_null();
  }
  Reader Child(const char* key) const {
    static const json kEmpty = json::object();
    return Reader(Has(key) ? j_.at(key) : kEmpty, Sub(key));
  }
  const json& Raw(const char* key) const { return j_.at(key); }
  std::string Sub(const char* key) const { return path_.empty() ? key : path_ + "." + key; }

  template <typename V>
  void Get(const char* key, V& out) const {
    if (!Has(key)) return;
    current_ = Sub(key);
    out = j_.at(key).get<V>();
  }
  template <typename V>
  void Get(const char* key, std::optional<V>& out) const {
    if (!Has(key)) return;
    current_ = Sub(key);
    out = j_.at(key).get<V>();
  }
  void GetDuration(const char* key, int64_t& out) const {
    if (!Has(key)) return;
    current_ = Sub(key);
    Result<int64_t> ns = ParseDurationNs(j_.at(key).get<std::string>());
    if (!ns.ok()) throw std::invalid_argument(ns.status().message());
    out = ns.value();
  }
  static std::string& current() { return current_; }

 private:
  const json& j_;
  std::string path_;
  static thread_local std::string current_;
};
thread_local std::string Reader::current_;

void ReadLength(const Reader& r, LengthDistribution& d) {
  r.Get("mean", d.mean);
  r.Get("stddev", d.stddev);
}

}  // namespace

json ToJson(const BenchmarkRun& run) {
  json metadata = {{"name", run.metadata.name}, {"labels", run.metadata.labels}};

  const Target& t = run.target;
  json target = {{"url", t.url},
                 {"endpoint", t.endpoint},
                 {"model", t.model},
                 {"apiKeyEnv", t.api_key_env},
                 {"headers", t.headers},
                 {"extraBody", t.extra_body},
                 {"metricsUrls", t.metrics_urls},
                 {"readiness",
                  {{"probe", t.readiness.probe},
                   {"timeout", Durations(t.readiness.timeout_ns)},
                   {"window", Durations(t.readiness.window_ns)}}}};
  if (t.sim) target["sim"] = {{"profile", t.sim->profile}, {"args", t.sim->args}};

  const System& s = run.system;
  json model = {{"precision", s.model.precision}, {"tensorParallel", s.model.tensor_parallel}};
  if (s.model.params) model["params"] = Number(*s.model.params);
  if (s.model.kv_bytes_per_token) model["kvBytesPerToken"] = Number(*s.model.kv_bytes_per_token);
  if (s.model.weight_bytes) model["weightBytes"] = Number(*s.model.weight_bytes);
  json serving = json::object();
  if (s.serving.max_num_seqs) serving["maxNumSeqs"] = *s.serving.max_num_seqs;
  if (s.serving.max_num_batched_tokens)
    serving["maxNumBatchedTokens"] = *s.serving.max_num_batched_tokens;
  if (s.serving.prefix_caching) serving["prefixCaching"] = *s.serving.prefix_caching;
  json cost = json::object();
  if (s.cost.gpu_hour_usd) cost["gpuHourUsd"] = Number(*s.cost.gpu_hour_usd);
  json system = {
      {"hardware", {{"gpu", s.hardware.gpu}, {"gpuCount", s.hardware.gpu_count}}},
      {"engine",
       {{"name", s.engine.name}, {"version", s.engine.version}, {"image", s.engine.image}}},
      {"model", model},
      {"serving", serving},
      {"cluster",
       {{"name", s.cluster.name},
        {"region", s.cluster.region},
        {"nodePool", s.cluster.node_pool},
        {"schedulerPath", s.cluster.scheduler_path}}},
      {"cost", cost}};

  const Workload& w = run.workload;
  json sampling = {{"temperature", Number(w.sampling.temperature)},
                   {"ignoreEos", w.sampling.ignore_eos}};
  if (w.sampling.top_p) sampling["topP"] = Number(*w.sampling.top_p);
  if (w.sampling.seed) sampling["seed"] = *w.sampling.seed;
  if (w.sampling.min_tokens) sampling["minTokens"] = *w.sampling.min_tokens;
  json levels = json::array();
  for (double l : w.load.levels) levels.push_back(Number(l));
  const Load& l = w.load;
  json load = {{"type", l.type}};
  // Each load type writes the keys that configure it (validation rejects the others).
  const bool classic = l.type == "concurrency" || l.type == "rate";
  const bool open_loop = l.type == "rate" || l.type == "sweep" ||
                         (l.type == "search" && l.over == "rate");
  if ((classic || l.type == "sessions") && !l.levels.empty()) load["levels"] = levels;
  if (l.type == "sweep") {
    load["points"] = l.points;
    load["maxConcurrency"] = l.max_concurrency;
  }
  if (l.type == "search") {
    load["over"] = l.over;
    load["slo"] = l.slo;
    if (l.attainment) load["attainment"] = Number(*l.attainment);
    load["resolution"] = Number(l.resolution);
    if (l.low) load["low"] = Number(*l.low);
    if (l.high) load["high"] = Number(*l.high);
    load["start"] = Number(l.start);
    load["maxPoints"] = l.max_points;
    if (l.over == "concurrency") load["maxConcurrency"] = l.max_concurrency;
  }
  if (l.type == "trace" || l.type == "sessions") {
    if (l.requests) load["requests"] = *l.requests;
  } else {
    load["requestsPerLevel"] = l.requests_per_level;
  }
  load["duration"] = Durations(l.duration_ns);
  if (l.type != "trace") load["rampUp"] = Durations(l.ramp_up_ns);
  load["requestTimeout"] = Durations(l.request_timeout_ns);
  if (open_loop) load["arrival"] = l.arrival;
  if (open_loop || l.type == "trace") load["maxInflight"] = l.max_inflight;

  const Dataset& d = w.dataset;
  json dataset = {{"type", d.type}};
  if (d.synthetic()) {
    dataset["inputTokens"] = LengthJson(d.input_tokens);
    dataset["outputTokens"] = LengthJson(d.output_tokens);
    dataset["entries"] = d.entries;
    dataset["promptFormat"] = d.prompt_format;
  } else {
    if (!d.path.empty()) dataset["path"] = d.path;
    if (d.speedup) dataset["speedup"] = Number(*d.speedup);
    if (d.history) dataset["history"] = *d.history;
    if (d.sessions) dataset["sessions"] = *d.sessions;
    if (d.multi_turn) dataset["multiTurn"] = *d.multi_turn;
    if (d.groups) dataset["groups"] = *d.groups;
    if (d.prompts_per_group) dataset["promptsPerGroup"] = *d.prompts_per_group;
    if (d.prefix_tokens) dataset["prefixTokens"] = *d.prefix_tokens;
    if (d.suffix_tokens) dataset["suffixTokens"] = *d.suffix_tokens;
    if (d.output_tokens_set) dataset["outputTokens"] = LengthJson(d.output_tokens);
    if (d.allow_repeat) dataset["allowRepeat"] = *d.allow_repeat;
    if (d.limit) dataset["limit"] = *d.limit;
  }
  json workload = {{"dataset", dataset},
                   {"tokenizer", w.tokenizer},
                   {"seed", w.seed},
                   {"seeds",
                    {{"prompts", w.seeds.prompts},
                     {"lengths", w.seeds.lengths},
                     {"schedule", w.seeds.schedule},
                     {"sampling", w.seeds.sampling},
                     {"order", w.seeds.order},
                     {"bootstrap", w.seeds.bootstrap}}},
                   {"sampling", sampling},
                   {"cacheBust", w.cache_bust},
                   {"load", load},
                   {"warmup", {{"requests", w.warmup.requests}}}};

  const Measurement& m = run.measurement;
  json measurement = {{"replicates", m.replicates},
                      {"maxReplicates", m.max_replicates},
                      {"confidenceLevel", Number(m.confidence_level)},
                      {"outlierPolicy",
                       {{"method", m.outlier_policy.method},
                        {"threshold", Number(m.outlier_policy.threshold)},
                        {"action", m.outlier_policy.action}}},
                      {"maxRelativeCiHalfWidth", Number(m.max_relative_ci_half_width)},
                      {"order", m.order}};

  json slo = json::object();
  for (const auto& [name, v] : run.slo) slo[name] = Number(v);
  json constraints = json::array();
  for (const Constraint& c : run.constraints) {
    json cj = {{"metric", c.metric},
               {"op", c.op},
               {"value", Number(c.value)},
               {"tolerance", Number(c.tolerance)},
               {"strict", c.strict}};
    if (c.at) cj["at"] = *c.at;
    constraints.push_back(std::move(cj));
  }

  json spec = {
      {"intent",
       {{"mode", ModeName(run.intent.mode)},
        {"variableUnderTest", run.intent.variable_under_test},
        {"kpis", run.intent.kpis}}},
      {"target", target},
      {"system", system},
      {"workload", workload},
      {"measurement", measurement},
      {"slo", slo},
      {"constraints", constraints},
      {"sinks", {{"evidence", run.sinks.evidence}, {"warehouse", run.sinks.warehouse}}},
      {"provenance", {{"sign", run.provenance.sign}, {"keyFile", run.provenance.key_file}}}};
  return {
      {"apiVersion", run.api_version}, {"kind", run.kind}, {"metadata", metadata}, {"spec", spec}};
}

Result<BenchmarkRun> BenchmarkRunFromJson(const json& document) {
  BenchmarkRun run;
  Reader::current().clear();
  try {
    Reader root(document, "");
    root.Get("apiVersion", run.api_version);
    root.Get("kind", run.kind);
    Reader md = root.Child("metadata");
    md.Get("name", run.metadata.name);
    md.Get("labels", run.metadata.labels);

    Reader spec = root.Child("spec");
    Reader intent = spec.Child("intent");
    if (intent.Has("mode")) {
      std::string mode;
      intent.Get("mode", mode);
      if (mode == "publication") {
        run.intent.mode = Mode::kPublication;
      } else if (mode == "realism") {
        run.intent.mode = Mode::kRealism;
      } else {
        throw std::invalid_argument("\"" + mode + "\" is not one of publication, realism");
      }
    }
    intent.Get("variableUnderTest", run.intent.variable_under_test);
    intent.Get("kpis", run.intent.kpis);

    Reader target = spec.Child("target");
    Target& t = run.target;
    target.Get("url", t.url);
    target.Get("endpoint", t.endpoint);
    target.Get("model", t.model);
    target.Get("apiKeyEnv", t.api_key_env);
    target.Get("headers", t.headers);
    if (target.Has("extraBody")) t.extra_body = target.Raw("extraBody");
    target.Get("metricsUrls", t.metrics_urls);
    Reader readiness = target.Child("readiness");
    readiness.Get("probe", t.readiness.probe);
    readiness.GetDuration("timeout", t.readiness.timeout_ns);
    readiness.GetDuration("window", t.readiness.window_ns);
    if (target.Has("sim")) {
      Reader sim = target.Child("sim");
      t.sim.emplace();
      sim.Get("profile", t.sim->profile);
      sim.Get("args", t.sim->args);
    }

    Reader system = spec.Child("system");
    System& s = run.system;
    system.Child("hardware").Get("gpu", s.hardware.gpu);
    system.Child("hardware").Get("gpuCount", s.hardware.gpu_count);
    Reader engine = system.Child("engine");
    engine.Get("name", s.engine.name);
    engine.Get("version", s.engine.version);
    engine.Get("image", s.engine.image);
    Reader model = system.Child("model");
    model.Get("precision", s.model.precision);
    model.Get("params", s.model.params);
    model.Get("kvBytesPerToken", s.model.kv_bytes_per_token);
    model.Get("weightBytes", s.model.weight_bytes);
    model.Get("tensorParallel", s.model.tensor_parallel);
    Reader serving = system.Child("serving");
    serving.Get("maxNumSeqs", s.serving.max_num_seqs);
    serving.Get("maxNumBatchedTokens", s.serving.max_num_batched_tokens);
    serving.Get("prefixCaching", s.serving.prefix_caching);
    Reader cluster = system.Child("cluster");
    cluster.Get("name", s.cluster.name);
    cluster.Get("region", s.cluster.region);
    cluster.Get("nodePool", s.cluster.node_pool);
    cluster.Get("schedulerPath", s.cluster.scheduler_path);
    system.Child("cost").Get("gpuHourUsd", s.cost.gpu_hour_usd);

    Reader workload = spec.Child("workload");
    Workload& w = run.workload;
    Reader dataset = workload.Child("dataset");
    Dataset& d = w.dataset;
    dataset.Get("type", d.type);
    ReadLength(dataset.Child("inputTokens"), d.input_tokens);
    ReadLength(dataset.Child("outputTokens"), d.output_tokens);
    d.output_tokens_set = dataset.Has("outputTokens");
    dataset.Get("entries", d.entries);
    dataset.Get("promptFormat", d.prompt_format);
    dataset.Get("path", d.path);
    dataset.Get("speedup", d.speedup);
    dataset.Get("history", d.history);
    dataset.Get("sessions", d.sessions);
    dataset.Get("multiTurn", d.multi_turn);
    dataset.Get("groups", d.groups);
    dataset.Get("promptsPerGroup", d.prompts_per_group);
    dataset.Get("prefixTokens", d.prefix_tokens);
    dataset.Get("suffixTokens", d.suffix_tokens);
    dataset.Get("allowRepeat", d.allow_repeat);
    dataset.Get("limit", d.limit);
    workload.Get("tokenizer", w.tokenizer);
    workload.Get("seed", w.seed);
    Reader seeds = workload.Child("seeds");
    struct SeedSlot {
      const char* name;
      uint64_t* slot;
    };
    for (SeedSlot seed :
         {SeedSlot{"prompts", &w.seeds.prompts}, SeedSlot{"lengths", &w.seeds.lengths},
          SeedSlot{"schedule", &w.seeds.schedule}, SeedSlot{"sampling", &w.seeds.sampling},
          SeedSlot{"order", &w.seeds.order}, SeedSlot{"bootstrap", &w.seeds.bootstrap}}) {
      *seed.slot = DeriveSeed(w.seed, seed.name);
      seeds.Get(seed.name, *seed.slot);
    }
    Reader sampling = workload.Child("sampling");
    sampling.Get("temperature", w.sampling.temperature);
    sampling.Get("topP", w.sampling.top_p);
    sampling.Get("seed", w.sampling.seed);
    sampling.Get("ignoreEos", w.sampling.ignore_eos);
    sampling.Get("minTokens", w.sampling.min_tokens);
    workload.Get("cacheBust", w.cache_bust);
    Reader load = workload.Child("load");
    load.Get("type", w.load.type);
    load.Get("levels", w.load.levels);
    load.Get("requestsPerLevel", w.load.requests_per_level);
    load.GetDuration("duration", w.load.duration_ns);
    load.GetDuration("rampUp", w.load.ramp_up_ns);
    load.Get("arrival", w.load.arrival);
    load.Get("maxInflight", w.load.max_inflight);
    load.GetDuration("requestTimeout", w.load.request_timeout_ns);
    load.Get("requests", w.load.requests);
    load.Get("points", w.load.points);
    load.Get("maxConcurrency", w.load.max_concurrency);
    load.Get("over", w.load.over);
    if (load.Has("slo")) {
      // A mapping {ttft_ms.p99: 2000} is kept in the string form; validation parses it.
      const json& slo = load.Raw("slo");
      Reader::current() = load.Sub("slo");
      w.load.slo = slo.is_object() ? SearchSloFromMap(slo) : slo.get<std::string>();
    }
    load.Get("attainment", w.load.attainment);
    load.Get("resolution", w.load.resolution);
    load.Get("low", w.load.low);
    load.Get("high", w.load.high);
    load.Get("start", w.load.start);
    load.Get("maxPoints", w.load.max_points);
    workload.Child("warmup").Get("requests", w.warmup.requests);

    Reader measurement = spec.Child("measurement");
    Measurement& m = run.measurement;
    measurement.Get("replicates", m.replicates);
    m.max_replicates = m.replicates;
    measurement.Get("maxReplicates", m.max_replicates);
    measurement.Get("confidenceLevel", m.confidence_level);
    Reader outliers = measurement.Child("outlierPolicy");
    outliers.Get("method", m.outlier_policy.method);
    outliers.Get("threshold", m.outlier_policy.threshold);
    outliers.Get("action", m.outlier_policy.action);
    measurement.Get("maxRelativeCiHalfWidth", m.max_relative_ci_half_width);
    measurement.Get("order", m.order);

    spec.Get("slo", run.slo);
    if (spec.Has("constraints")) {
      const json& list = spec.Raw("constraints");
      Reader::current() = "spec.constraints";
      for (size_t i = 0; i < list.size(); ++i) {
        Reader c(list.at(i), "spec.constraints[" + std::to_string(i) + "]");
        Constraint constraint;
        c.Get("metric", constraint.metric);
        c.Get("op", constraint.op);
        c.Get("value", constraint.value);
        c.Get("tolerance", constraint.tolerance);
        c.Get("at", constraint.at);
        c.Get("strict", constraint.strict);
        run.constraints.push_back(std::move(constraint));
      }
    }
    Reader sinks = spec.Child("sinks");
    sinks.Get("evidence", run.sinks.evidence);
    sinks.Get("warehouse", run.sinks.warehouse);
    Reader provenance = spec.Child("provenance");
    provenance.Get("sign", run.provenance.sign);
    provenance.Get("keyFile", run.provenance.key_file);
  } catch (const std::exception& e) {
    return Result<BenchmarkRun>::Error(
        (Reader::current().empty() ? std::string("document") : Reader::current()) + ": " +
        e.what());
  }
  return run;
}

namespace {

// Plain scalars that YAML would read back as something other than a string.
bool NeedsQuotes(const std::string& s) {
  if (s.empty()) return true;
  static const char* kWords[] = {"true", "false", "True", "False", "TRUE", "FALSE", "null", "Null",
                                 "NULL", "~",     "yes",  "no",    "Yes",  "No",    "on",   "off"};
  for (const char* w : kWords) {
    if (s == w) return true;
  }
  const char c = s.front();
  if ((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.') return true;
  return false;
}

// table_path: where v sits in the contract (contract.h), so objects list their keys in the
// contract's document order; "" with contract_order false (or a free-form map) sorts keys.
void Emit(YAML::Emitter& out, const json& v, const std::string& table_path, bool contract_order) {
  switch (v.type()) {
    case json::value_t::object: {
      if (v.empty()) {
        out << YAML::Flow << YAML::BeginMap << YAML::EndMap;
        return;
      }
      std::vector<std::string> keys;
      if (contract_order) {
        for (const ContractField* f : ChildFields(table_path)) {
          if (v.contains(std::string(f->key()))) keys.emplace_back(f->key());
        }
      }
      for (const auto& [k, item] : v.items()) {
        if (std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(k);
      }
      out << YAML::BeginMap;
      for (const std::string& k : keys) {
        out << YAML::Key << k << YAML::Value;
        const std::string child = table_path.empty() ? k : table_path + "." + k;
        Emit(out, v.at(k), contract_order ? child : "", contract_order);
      }
      out << YAML::EndMap;
      return;
    }
    case json::value_t::array: {
      bool scalars = true;
      for (const json& item : v) scalars &= !item.is_structured();
      if (scalars) out << YAML::Flow;
      out << YAML::BeginSeq;
      for (const json& item : v) Emit(out, item, table_path + "[]", contract_order);
      out << YAML::EndSeq;
      return;
    }
    case json::value_t::string: {
      const std::string& s = v.get_ref<const std::string&>();
      if (NeedsQuotes(s)) out << YAML::DoubleQuoted;
      out << s;
      return;
    }
    case json::value_t::boolean:
      out << (v.get<bool>() ? "true" : "false");
      return;
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      out << v.dump();
      return;
    case json::value_t::number_float:
      out << FormatJsonNumber(v.get<double>());
      return;
    default:
      out << YAML::Null;
      return;
  }
}

}  // namespace

namespace {

std::string ToYaml(const json& value, bool contract_order) {
  YAML::Emitter out;
  out.SetIndent(2);
  Emit(out, value, "", contract_order);
  return std::string(out.c_str()) + "\n";
}

}  // namespace

std::string JsonToYaml(const json& value) { return ToYaml(value, false); }

std::string EffectiveSpecYaml(const BenchmarkRun& run, const std::string& header) {
  return header + ToYaml(ToJson(run), true);
}

}  // namespace inferbench::spec
