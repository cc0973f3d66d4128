#include "spec/validate.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

#include "core/duration.h"
#include "results/metric_names.h"
#include "results/point.h"
#include "spec/benchmark_run_json.h"
#include "spec/contract.h"
#include "spec/plan.h"
#include "spec/requests_expr.h"

namespace inferbench::spec {
namespace {

using nlohmann::json;

// "spec.constraints[2].op" → "spec.constraints[2]" → "spec.constraints" → "spec" → "".
std::string ParentPath(const std::string& path) {
  if (!path.empty() && path.back() == ']') return path.substr(0, path.rfind('['));
  size_t dot = path.rfind('.');
  return dot == std::string::npos ? "" : path.substr(0, dot);
}

bool IsWithin(const std::string& path, const std::string& ancestor) {
  if (ancestor.empty()) return true;
  if (!path.starts_with(ancestor)) return false;
  return path.size() == ancestor.size() || path[ancestor.size()] == '.' ||
         path[ancestor.size()] == '[';
}

class Checker {
 public:
  explicit Checker(const BenchmarkRun& run) : run_(run) {}

  std::vector<Problem> Take() { return std::move(problems_); }

  void Error(const std::string& path, std::string message) {
    problems_.push_back({path, LineOf(path), std::move(message), false});
  }
  void Warn(const std::string& path, std::string message) {
    problems_.push_back({path, LineOf(path), std::move(message), true});
  }
  bool Declared(const std::string& path) const { return run_.declared.contains(path); }

  int LineOf(std::string path) const {
    while (!path.empty()) {
      auto it = run_.lines.find(path);
      if (it != run_.lines.end()) return it->second;
      path = ParentPath(path);
    }
    return 0;
  }

  // Ranges, enums and formats of every value under `only` (a concrete path; "" for all), driven
  // by the contract table over the run's JSON form.
  void CheckValues(const json& object, std::string_view table_parent, const std::string& prefix,
                   const std::string& only) {
    for (const ContractField* f : ChildFields(table_parent)) {
      const std::string key(f->key());
      if (!object.is_object() || !object.contains(key)) continue;
      const std::string path = prefix.empty() ? key : prefix + "." + key;
      if (!IsWithin(path, only) && !IsWithin(only, path)) continue;
      const json& v = object.at(key);
      switch (f->type) {
        case FieldType::kObject:
          CheckValues(v, f->path, path, only);
          break;
        case FieldType::kList:
          if (v.size() < f->min_items) {
            Error(path, fmt::format("needs at least {} item(s): {}", f->min_items, f->doc));
          }
          for (size_t i = 0; i < v.size(); ++i) {
            const std::string item = fmt::format("{}[{}]", path, i);
            if (f->item_type == FieldType::kObject) {
              CheckValues(v[i], f->path + "[]", item, only);
            } else {
              CheckScalar(*f, f->item_type, v[i], item);
            }
          }
          break;
        case FieldType::kMap:
        case FieldType::kJson:
          break;
        default:
          CheckScalar(*f, f->type, v, path);
      }
    }
  }

  // `at` of every constraint against the load type and the declared levels.
  void CheckConstraintPoints() {
    const std::vector<std::string> points = PointStrings(run_);
    const std::string& type = run_.workload.load.type;
    // sweep and search decide most of their points during the run: only the kind is checked.
    const bool decided_later = type == "sweep" || type == "search";
    for (size_t i = 0; i < run_.constraints.size(); ++i) {
      const Constraint& c = run_.constraints[i];
      if (!c.at) continue;
      Result<results::Point> point = results::Point::Parse(*c.at);
      if (!point.ok() || (!decided_later && points.empty()))
        continue;  // syntax: reported by CheckValues
      const std::string path = fmt::format("spec.constraints[{}].at", i);
      const std::string kind(results::PointKindName(point->kind()));
      std::vector<std::string> kinds = {type};
      if (type == "sweep") kinds = {"concurrency", "rate"};
      if (type == "search") kinds = {run_.workload.load.over};
      if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end()) {
        Error(path, fmt::format("\"{}\" is a {} point but spec.workload.load.type {} measures {} "
                                "points{}",
                                *c.at, kind, type, fmt::join(kinds, " and "),
                                points.empty() ? ""
                                               : fmt::format("; use one of {}",
                                                             fmt::join(points, ", "))));
      } else if (!decided_later &&
                 std::find(points.begin(), points.end(), point->Format()) == points.end()) {
        Warn(path,
             fmt::format(
                 "\"{}\" is not a declared level (points: {}); the gate will skip this constraint",
                 *c.at, fmt::join(points, ", ")));
      }
    }
  }

  void CheckRules();
  void CheckMode();
  void CheckLoad();
  void CheckDataset();

 private:
  void CheckScalar(const ContractField& f, FieldType type, const json& v, const std::string& path) {
    switch (type) {
      case FieldType::kEnum: {
        const std::string s = v.is_string() ? v.get<std::string>() : v.dump();
        if (std::find(f.allowed.begin(), f.allowed.end(), s) != f.allowed.end()) return;
        if (s.empty() && f.required) {
          Error(path, fmt::format("required: one of {}", fmt::join(f.allowed, ", ")));
          return;
        }
        std::string closest = ClosestName(s, f.allowed);
        Error(path,
              fmt::format("\"{}\" is not one of {}{}", s, fmt::join(f.allowed, ", "),
                          closest.empty() ? "" : fmt::format(" (did you mean {}?)", closest)));
        return;
      }
      case FieldType::kInt:
      case FieldType::kUnsigned:
      case FieldType::kNumber: {
        const double d = v.get<double>();
        if (!std::isfinite(d)) {
          Error(path, "must be a finite number");
        } else if (!f.range.Contains(d)) {
          Error(path, fmt::format("must be {}, got {}", f.range.Describe(false), v.dump()));
        }
        return;
      }
      case FieldType::kDuration: {
        Result<int64_t> ns = ParseDurationNs(v.get<std::string>());
        if (!ns.ok()) {
          Error(path, ns.status().message());
        } else if (!f.range.Contains(static_cast<double>(ns.value()))) {
          Error(path,
                fmt::format("must be {}, got {}", f.range.Describe(true), v.get<std::string>()));
        }
        return;
      }
      case FieldType::kPoint: {
        Result<results::Point> p = results::Point::Parse(v.get<std::string>());
        if (!p.ok()) Error(path, p.status().message());
        return;
      }
      case FieldType::kMetricPath: {
        const std::string s = v.get<std::string>();
        if (s.empty()) {
          Error(path, "required: a metric path such as ttft_ms.p99 or output_throughput_tok_s");
          return;
        }
        Result<results::MetricPath> m = results::ParseMetricPath(s);
        if (!m.ok()) Error(path, m.status().message());
        return;
      }
      case FieldType::kRequestsExpr: {
        Status ok = CheckRequestsPerLevel(v.get<std::string>());
        if (!ok.ok()) Error(path, ok.message());
        return;
      }
      case FieldType::kArrival: {
        const std::string s = v.get<std::string>();
        if (s == "poisson" || s == "constant") return;
        if (s.starts_with("gamma:")) {
          const std::string k = s.substr(6);
          char* end = nullptr;
          const double shape = std::strtod(k.c_str(), &end);
          if (!k.empty() && end == k.c_str() + k.size() && std::isfinite(shape) && shape > 0)
            return;
        }
        Error(path,
              fmt::format("\"{}\": use poisson, constant or gamma:K with a shape K > 0 (gamma:0.5)",
                          s));
        return;
      }
      case FieldType::kString:
        if (f.required && v.get<std::string>().empty())
          Error(path, fmt::format("required: {}", f.doc));
        return;
      default:
        return;
    }
  }

  const BenchmarkRun& run_;
  std::vector<Problem> problems_;
};

bool IsEnvName(std::string_view s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s.front()))) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

// Kubernetes object names: DNS-1123 subdomain (lower-case alphanumerics, '-', '.', at most 253).
bool IsKubernetesName(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(s.front()) || !alnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(), [&](char c) { return alnum(c) || c == '-' || c == '.'; });
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

void Checker::CheckRules() {
  const Target& t = run_.target;
  if (t.url.empty()) {
    if (!t.sim) {
      Error(
          "spec.target.url",
          "required: the server's base URL (http://host:port), unless spec.target.sim is given for "
          "`inferbench run --sim`");
    }
  } else if (!(t.url.starts_with("http://") && t.url.size() > 7) &&
             !(t.url.starts_with("https://") && t.url.size() > 8)) {
    Error("spec.target.url",
          fmt::format("\"{}\": write a base URL starting with http:// or https://", t.url));
  }
  if (!t.api_key_env.empty() && !IsEnvName(t.api_key_env)) {
    Error(
        "spec.target.apiKeyEnv",
        fmt::format(
            "\"{}\" is not an environment variable name (letters, digits, _); write the variable's "
            "name, never the key",
            t.api_key_env));
  }
  for (const auto& [name, value] : t.headers) {
    const std::string lower = Lower(name);
    const bool secretish = lower == "authorization" || lower.find("key") != std::string::npos ||
                           lower.find("token") != std::string::npos;
    if (secretish && value.find("${") == std::string::npos) {
      Warn("spec.target.headers." + name,
           "looks like a literal secret, which would be stored with every run; write ${VARIABLE} "
           "instead");
    }
  }
  for (size_t i = 0; i < t.metrics_urls.size(); ++i) {
    const std::string& u = t.metrics_urls[i];
    if (!u.starts_with("http://") && !u.starts_with("https://")) {
      Error(fmt::format("spec.target.metricsUrls[{}]", i),
            fmt::format("\"{}\": write a URL starting with http://", u));
    }
  }
  if (!run_.metadata.name.empty() && !IsKubernetesName(run_.metadata.name)) {
    Warn(
        "metadata.name",
        fmt::format("\"{}\" is not a valid Kubernetes name (lower-case letters, digits, '-', '.'); "
                    "it could not be applied as a resource",
                    run_.metadata.name));
  }

  const Measurement& m = run_.measurement;
  if (m.replicates >= 1 && m.max_replicates < m.replicates) {
    Error("spec.measurement.maxReplicates",
          fmt::format("is {} but replicates is {}; maxReplicates must be >= replicates",
                      m.max_replicates, m.replicates));
  }

  CheckLoad();
  CheckDataset();
  if (run_.provenance.sign && run_.provenance.key_file.empty()) {
    Error("spec.provenance.keyFile", "required when provenance.sign is true: the signing key file");
  }
  for (const auto& entry : run_.slo) {
    const std::string& name = entry.first;
    const auto names = SloMetricNames();
    // The parser rejects unknown keys; this catches specs built in code (thresholds are
    // range-checked with every other value).
    if (std::find(names.begin(), names.end(), name) == names.end()) {
      Error("spec.slo." + name,
            fmt::format("not an SLO metric; use one of {}", fmt::join(names, ", ")));
    }
  }
}

void Checker::CheckLoad() {
  const Load& load = run_.workload.load;
  const std::string& type = load.type;
  const std::string lp = "spec.workload.load.";
  const bool classic = type == "concurrency" || type == "rate";
  const bool rate = type == "rate";
  const bool open_loop = rate || type == "sweep" || (type == "search" && load.over == "rate");

  // Keys that configure other load types.
  struct KeyUse {
    const char* key;
    std::vector<std::string> types;
    const char* what;
  };
  const std::vector<KeyUse> uses = {
      {"levels", {"concurrency", "rate", "sessions"}, "concurrency, rate and sessions"},
      {"requestsPerLevel",
       {"concurrency", "rate", "sweep", "search"},
       "concurrency, rate, sweep and search (trace and sessions: use requests)"},
      {"requests", {"trace", "sessions"}, "trace and sessions"},
      {"points", {"sweep"}, "sweep"},
      {"maxConcurrency", {"sweep", "search"}, "sweep and search over concurrency"},
      {"over", {"search"}, "search"},
      {"slo", {"search"}, "search"},
      {"attainment", {"search"}, "search"},
      {"resolution", {"search"}, "search"},
      {"low", {"search"}, "search"},
      {"high", {"search"}, "search"},
      {"start", {"search"}, "search"},
      {"maxPoints", {"search"}, "search"},
  };
  for (const KeyUse& use : uses) {
    const std::string path = lp + use.key;
    if (!Declared(path)) continue;
    if (std::find(use.types.begin(), use.types.end(), type) == use.types.end()) {
      Error(path, fmt::format("applies to load.type {} only (this load is {}); remove it",
                              use.what, type));
    }
  }
  if (type == "search" && load.over != "concurrency" && Declared(lp + "maxConcurrency")) {
    Error(lp + "maxConcurrency", "applies to a search over concurrency only; remove it");
  }

  if (classic && load.levels.empty()) {
    Error(lp + "levels",
          Declared(lp + "levels")
              ? fmt::format("needs at least 1 item: load.type {} measures one point per level",
                            type)
              : fmt::format("required key is missing for load.type {}: one point per level, "
                            "e.g. levels: [1, 4, 16]",
                            type));
  }
  std::set<std::string> seen_points;
  bool requests_failed = false;
  const std::vector<std::string> points = PointStrings(run_);
  if (classic || type == "sessions") {
    for (size_t i = 0; i < load.levels.size(); ++i) {
      const double level = load.levels[i];
      const std::string path = fmt::format("{}levels[{}]", lp, i);
      if (!(level > 0)) continue;  // CheckValues reported it
      if (!rate && level != std::trunc(level)) {
        Error(path,
              fmt::format("{} levels are whole numbers of {} in flight, got {}", type,
                          type == "sessions" ? "conversations" : "requests", level));
        continue;
      }
      if (i < points.size() && !seen_points.insert(points[i]).second) {
        Error(path, fmt::format("{} is listed twice; every level is one point", points[i]));
        continue;
      }
      if (classic && !requests_failed && CheckRequestsPerLevel(load.requests_per_level).ok()) {
        Result<int64_t> n = EvaluateRequestsPerLevel(load.requests_per_level, level);
        if (!n.ok()) {
          Error(lp + "requestsPerLevel", n.status().message());
          requests_failed = true;  // once, for the first level it fails at
        }
      }
    }
  }
  if (type == "sweep" && CheckRequestsPerLevel(load.requests_per_level).ok()) {
    for (double x : {1.0, static_cast<double>(load.max_concurrency)}) {
      Result<int64_t> n = EvaluateRequestsPerLevel(load.requests_per_level, x);
      if (!n.ok()) {
        Error(lp + "requestsPerLevel", n.status().message());
        break;
      }
    }
  }
  if (!open_loop && (Declared(lp + "arrival") || load.arrival != "poisson")) {
    Error(lp + "arrival",
          "applies to open-loop load only (rate, sweep, search over rate); remove it or change "
          "load.type");
  }
  if (!open_loop && type != "trace" && (Declared(lp + "maxInflight") || load.max_inflight != 0)) {
    Error(lp + "maxInflight",
          "applies to open-loop load only (rate, trace, sweep, search over rate); remove it or "
          "change load.type");
  }
  if ((rate || type == "trace" || (type == "search" && load.over == "rate")) &&
      load.ramp_up_ns > 0) {
    Warn(lp + "rampUp", "applies to closed-loop load only; open-loop load ignores it");
  }

  if (type == "search") {
    if (load.slo.empty()) {
      Error(lp + "slo",
            "required for load.type search: the per-request bounds a level must meet, e.g. "
            "slo: \"ttft_ms.p99<=2000,tpot_ms.p99<=100\"");
    } else if (Result<std::vector<SearchBound>> bounds = ParseSearchSlo(load.slo); !bounds.ok()) {
      Error(lp + "slo", bounds.status().message());
    }
    if (load.low && load.high && !(*load.low < *load.high)) {
      Error(lp + "high", fmt::format("must be above low ({}), got {}", *load.low, *load.high));
    }
    if (load.over == "concurrency") {
      for (const char* key : {"low", "high", "start"}) {
        const std::optional<double> v =
            std::string(key) == "low" ? load.low
                                      : (std::string(key) == "high" ? load.high
                                                                    : std::optional(load.start));
        if (v && *v != std::trunc(*v)) {
          Error(lp + key, fmt::format("a concurrency search uses whole levels, got {}", *v));
        }
      }
    }
    if (!run_.slo.empty()) {
      Error("spec.slo",
            "a search judges every request by spec.workload.load.slo, which is also the run's SLO "
            "(goodput, slo_attainment); remove spec.slo");
    }
  }
}

void Checker::CheckDataset() {
  const Dataset& d = run_.workload.dataset;
  const std::string dp = "spec.workload.dataset.";
  const std::string& type = d.type;
  const std::string& load_type = run_.workload.load.type;
  if (d.synthetic()) {
    for (const char* key : {"path", "speedup", "history", "sessions", "multiTurn", "groups",
                            "promptsPerGroup", "prefixTokens", "suffixTokens", "allowRepeat",
                            "limit"}) {
      if (Declared(dp + key)) {
        Error(dp + key, fmt::format("does not apply to dataset.type synthetic; set type to the "
                                    "dataset kind it configures, or remove it"));
      }
    }
  } else {
    for (const char* key : {"inputTokens", "entries", "promptFormat"}) {
      if (Declared(dp + key)) {
        Error(dp + key,
              fmt::format("applies to dataset.type synthetic only; a {} dataset gives its own "
                          "prompts — remove it",
                          type));
      }
    }
    const bool file_kind = type != "shared-prefix";
    if (file_kind && d.path.empty()) {
      Error(dp + "path", fmt::format("required for dataset.type {}: the dataset file (relative "
                                     "to the spec file's directory)",
                                     type));
    }
    if (!file_kind && Declared(dp + "path")) {
      Error(dp + "path", "shared-prefix datasets are generated: remove path");
    }
    struct KindKey {
      const char* key;
      std::vector<std::string> types;
    };
    const std::vector<KindKey> keys = {
        {"speedup", {"trace"}},
        {"history", {"conversations", "sharegpt"}},
        {"sessions", {"conversations", "sharegpt"}},
        {"multiTurn", {"sharegpt"}},
        {"groups", {"shared-prefix"}},
        {"promptsPerGroup", {"shared-prefix"}},
        {"prefixTokens", {"shared-prefix"}},
        {"suffixTokens", {"shared-prefix"}},
    };
    for (const KindKey& k : keys) {
      if (!Declared(dp + k.key)) continue;
      if (std::find(k.types.begin(), k.types.end(), type) == k.types.end()) {
        Error(dp + k.key, fmt::format("applies to dataset.type {} only; remove it",
                                      fmt::join(k.types, " and ")));
      }
    }
    if (type == "sharegpt" && !d.multi_turn.value_or(false) &&
        (Declared(dp + "history") || Declared(dp + "sessions"))) {
      Error(dp + (Declared(dp + "history") ? "history" : "sessions"),
            "applies to multi-turn sharegpt only: add multiTurn: true, or remove it");
    }
    if (type == "shared-prefix") {
      const std::pair<const char*, bool> needed[] = {
          {"groups", d.groups.has_value()},
          {"promptsPerGroup", d.prompts_per_group.has_value()},
          {"prefixTokens", d.prefix_tokens.has_value()},
          {"suffixTokens", d.suffix_tokens.has_value()},
          {"outputTokens", d.output_tokens_set}};
      for (const auto& [key, given] : needed) {
        if (!given) {
          Error(dp + key, "required for dataset.type shared-prefix: groups, promptsPerGroup, "
                          "prefixTokens, suffixTokens and outputTokens describe the groups");
        }
      }
    }
    if (d.output_tokens_set && d.output_tokens.stddev != 0) {
      Error(dp + "outputTokens.stddev",
            "a dataset's outputTokens is one target for items that give none: remove stddev");
    }
  }

  // The load type and the dataset kind go together.
  const bool multi_turn = d.multi_turn_kind();
  if (load_type == "trace" && type != "trace") {
    Error("spec.workload.load.type",
          fmt::format("trace replays a trace dataset's timing, but dataset.type is {}; set "
                      "dataset: {{type: trace, path: …}} or use another load type",
                      type));
  } else if (load_type == "sessions" && !multi_turn) {
    Error("spec.workload.load.type",
          fmt::format("sessions runs multi-turn conversations, but dataset.type is {}{}; use "
                      "type: conversations (or sharegpt with multiTurn: true)",
                      type, type == "sharegpt" ? " without multiTurn" : ""));
  } else if (load_type != "sessions" && multi_turn) {
    Error("spec.workload.load.type",
          fmt::format("a multi-turn dataset ({}) is run as conversations: set load.type: "
                      "sessions (levels: conversations in flight)",
                      type));
  }
  if (run_.workload.dataset.prompt_format == "ids" && run_.target.endpoint != "completions") {
    Error("spec.workload.dataset.promptFormat",
          "ids (token-id prompts) need spec.target.endpoint: completions; chat messages are text");
  }
}

void Checker::CheckMode() {
  const bool publication = run_.intent.mode == Mode::kPublication;
  for (const RuleOutcome& r : EvaluatePublicationRules(run_)) {
    if (r.passed) continue;
    if (publication) {
      Error(r.path, fmt::format("{} [{}]", r.detail, r.id));
    } else {
      Warn(r.path,
           fmt::format("{} [{}: an error in publication mode; realism mode labels the results]",
                       r.detail, r.id));
    }
  }
}

Checker Validated(const BenchmarkRun& run, const std::string& only) {
  Checker checker(run);
  checker.CheckValues(ToJson(run), "", "", only);
  checker.CheckConstraintPoints();
  return checker;
}

std::vector<Problem> Merge(ParseOutcome& outcome) {
  std::vector<Problem> problems = std::move(outcome.problems);
  if (!outcome.document_read) return problems;
  std::vector<Problem> more = ValidateBenchmarkRun(outcome.run);
  for (Problem& p : more) {
    bool repeated = false;
    for (const Problem& q : problems) {
      if (q.warning || q.path.empty()) continue;
      repeated |= IsWithin(p.path, q.path) || IsWithin(q.path, p.path);
      // A rejected `type` leaves its default in place: the rules that depend on it (every key
      // beside it) would judge the wrong kind.
      if (q.path.ends_with(".type")) repeated |= IsWithin(p.path, ParentPath(q.path));
    }
    if (!repeated) problems.push_back(std::move(p));
  }
  SortProblems(problems);
  return problems;
}

}  // namespace

int64_t SamplesForQuantile(double q) {
  return static_cast<int64_t>(std::ceil(5.0 / (1.0 - q) - 1e-9));
}

bool IsImagePinnedByDigest(std::string_view image) {
  const size_t at = image.find("@sha256:");
  if (at == std::string_view::npos || at == 0) return false;
  std::string_view hex = image.substr(at + 8);
  return hex.size() == 64 && std::all_of(hex.begin(), hex.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

std::vector<RuleOutcome> EvaluatePublicationRules(const BenchmarkRun& run) {
  std::vector<RuleOutcome> out;
  const Measurement& m = run.measurement;
  out.push_back({"publication.replicates", "spec.measurement.replicates", m.replicates >= 3,
                 m.replicates >= 3
                     ? fmt::format("{} replicates", m.replicates)
                     : fmt::format("replicates is {}; publication needs at least 3 per point",
                                   m.replicates)});
  const bool confidence = run.declared.contains("spec.measurement.confidenceLevel");
  out.push_back(
      {"publication.confidenceLevel", "spec.measurement.confidenceLevel", confidence,
       confidence
           ? fmt::format("declared: {}", m.confidence_level)
           : "not declared; write spec.measurement.confidenceLevel (e.g. 0.95) so the interval "
             "level is an explicit choice"});
  const bool outliers = run.declared.contains("spec.measurement.outlierPolicy.method");
  out.push_back(
      {"publication.outlierPolicy", "spec.measurement.outlierPolicy", outliers,
       outliers ? fmt::format("declared: {} {} at {}", m.outlier_policy.method,
                              m.outlier_policy.action, m.outlier_policy.threshold)
                : "not declared; write spec.measurement.outlierPolicy.method (mad, iqr or none)"});
  const std::string& image = run.system.engine.image;
  const bool pinned = image.empty() || IsImagePinnedByDigest(image);
  out.push_back({"publication.image", "spec.system.engine.image", pinned,
                 image.empty() ? "no image given"
                 : pinned      ? "pinned by digest"
                               : fmt::format("\"{}\" is a mutable reference; pin it by digest "
                                                  "(name@sha256:<64 hex>, see `docker inspect --format "
                                                  "'{{{{index .RepoDigests 0}}}}'`)",
                                             image)});
  const Sampling& s = run.workload.sampling;
  const bool deterministic = s.temperature == 0 || s.seed.has_value();
  out.push_back(
      {"publication.sampling", "spec.workload.sampling.temperature", deterministic,
       deterministic
           ? (s.temperature == 0 ? "temperature 0" : "sampling seed set")
           : fmt::format("temperature is {} without a sampling seed; set temperature: 0 or "
                         "spec.workload.sampling.seed",
                         s.temperature)});
  const bool enforced = s.ignore_eos || s.min_tokens.has_value();
  out.push_back(
      {"publication.outputLength", "spec.workload.sampling.ignoreEos", enforced,
       enforced
           ? (s.ignore_eos ? "ignoreEos" : "minTokens")
           : "output length is not enforced; set ignoreEos: true or sampling.minTokens, or the "
             "model decides how much work each request is"});
  const bool kpis = !run.intent.kpis.empty();
  out.push_back(
      {"publication.kpis", "spec.intent.kpis", kpis,
       kpis ? fmt::format("{}", fmt::join(run.intent.kpis, ", "))
            : "no KPIs; list the metric paths that decide the verdict in spec.intent.kpis"});

  const Load& load = run.workload.load;
  const std::vector<std::string> points = PointStrings(run);
  bool any_quantile = false;
  for (size_t k = 0; k < run.intent.kpis.size(); ++k) {
    Result<results::MetricPath> path = results::ParseMetricPath(run.intent.kpis[k]);
    if (!path.ok() || !path->stat) continue;
    std::optional<double> q = results::StatQuantile(*path->stat);
    if (!q) continue;
    any_quantile = true;
    const int64_t needed = SamplesForQuantile(*q);
    // chunk_gap_ms pools every gap between tokens: about (output tokens - 1) per request.
    const bool pooled = path->name == "chunk_gap_ms";
    const double per_request =
        pooled ? std::max(1.0, run.workload.dataset.output_tokens.mean - 1) : 1.0;
    std::vector<std::string> short_levels;
    for (size_t i = 0; i < load.levels.size(); ++i) {
      if (!(load.levels[i] > 0)) continue;  // an invalid level is reported on its own
      Result<int64_t> n = EvaluateRequestsPerLevel(load.requests_per_level, load.levels[i]);
      if (!n.ok()) continue;
      if (static_cast<double>(n.value()) * per_request < static_cast<double>(needed)) {
        short_levels.push_back(fmt::format("{} ({} requests)", points[i], n.value()));
      }
    }
    const int64_t needed_requests =
        static_cast<int64_t>(std::ceil(static_cast<double>(needed) / per_request));
    RuleOutcome r{"publication.lowN", fmt::format("spec.intent.kpis[{}]", k), short_levels.empty(),
                  ""};
    if (r.passed) {
      r.detail = fmt::format("{}: at least {} samples at every level", run.intent.kpis[k], needed);
    } else {
      r.detail = fmt::format(
          "{} would be low_n at {}: {} needs at least {} requests per level (n x (1 - {}) >= 5); "
          "raise "
          "spec.workload.load.requestsPerLevel, e.g. \"max({}, 4x)\", or choose a lower quantile",
          run.intent.kpis[k], fmt::join(short_levels, ", "), results::StatName(*path->stat),
          needed_requests, *q, needed_requests);
    }
    out.push_back(std::move(r));
  }
  if (!any_quantile)
    out.push_back({"publication.lowN", "spec.intent.kpis", true, "no quantile KPIs"});
  return out;
}

std::vector<Problem> ValidateBenchmarkRun(const BenchmarkRun& run) {
  Checker checker = Validated(run, "");
  checker.CheckRules();
  checker.CheckMode();
  std::vector<Problem> problems = checker.Take();
  SortProblems(problems);
  return problems;
}

std::vector<Problem> ValidateConstraints(const BenchmarkRun& run) {
  std::vector<Problem> problems = Validated(run, "spec.constraints").Take();
  SortProblems(problems);
  return problems;
}

ParseOutcome LoadAndValidateBenchmarkRun(const std::string& path) {
  ParseOutcome outcome = LoadBenchmarkRun(path);
  outcome.problems = Merge(outcome);
  return outcome;
}

ParseOutcome ParseAndValidateBenchmarkRun(std::string_view yaml, std::string source_name) {
  ParseOutcome outcome = ParseBenchmarkRun(yaml, std::move(source_name));
  outcome.problems = Merge(outcome);
  return outcome;
}

}  // namespace inferbench::spec
