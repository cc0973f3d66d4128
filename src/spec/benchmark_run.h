// The BenchmarkRun contract as typed structs (DESIGN.md §5): what `inferbench run` executes,
// `spec validate` checks and `spec digest` hashes. Field names follow the YAML keys (camelCase in
// YAML, snake_case here). Every field holds its effective value after parsing: defaults are filled
// in explicitly, and `declared` records which paths the document actually wrote (publication mode
// requires some to be declared, not merely defaulted).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace inferbench::spec {

inline constexpr std::string_view kApiVersion = "inferbench.dev/v1alpha1";
inline constexpr std::string_view kKind = "BenchmarkRun";

struct Metadata {
  std::string name;                           // required
  std::map<std::string, std::string> labels;
};

enum class Mode { kPublication, kRealism };

struct Intent {
  Mode mode = Mode::kRealism;
  std::string variable_under_test;  // "" when none declared
  std::vector<std::string> kpis;    // metric paths (results/metric_names.h)
};

struct Readiness {
  std::string probe = "completion";        // the only probe: a real one-token completion
  int64_t timeout_ns = 120'000'000'000;    // each probe
  int64_t window_ns = 300'000'000'000;     // all probes together
};

struct SimTarget {
  std::string profile = "h100-llama3-8b";
  // Extra `inferbench sim` flags without the leading dashes ("time-scale" → "0.2"); a flag
  // whose value is "" is passed alone.
  std::map<std::string, std::string> args;
};

struct Target {
  std::string url;                                // required (may be omitted only with sim)
  std::string endpoint = "chat";                  // chat | completions
  std::string model;                              // required
  std::string api_key_env;                        // "" = no key
  std::map<std::string, std::string> headers;     // values may be "${VAR}": resolved at run time
  nlohmann::json extra_body = nlohmann::json::object();
  std::vector<std::string> metrics_urls;          // empty: the target's /metrics if it answers
  Readiness readiness;
  std::optional<SimTarget> sim;                   // used only by `run --sim`
};

struct Hardware {
  std::string gpu = "unknown";  // a key of the ceilings table (case-insensitive) or free text
  int gpu_count = 1;
};

struct Engine {
  std::string name = "unknown";
  std::string version = "unknown";
  std::string image;  // "" when none; publication requires a digest (…@sha256:…)
};

struct ModelShape {
  std::string precision = "unknown";  // bf16 | fp16 | fp8 | int8 | int4 | unknown
  std::optional<double> params;                 // P
  std::optional<double> kv_bytes_per_token;
  std::optional<double> weight_bytes;           // default params × bytes per precision
  int tensor_parallel = 1;
};

struct Serving {
  std::optional<int64_t> max_num_seqs;
  std::optional<int64_t> max_num_batched_tokens;
  std::optional<bool> prefix_caching;
};

struct Cluster {
  std::string name = "unknown";
  std::string region = "unknown";
  std::string node_pool = "unknown";
  std::string scheduler_path = "unknown";
};

struct Cost {
  std::optional<double> gpu_hour_usd;
};

struct System {
  Hardware hardware;
  Engine engine;
  ModelShape model;
  Serving serving;
  Cluster cluster;
  Cost cost;
};

struct LengthDistribution {
  double mean = 0;
  double stddev = 0;
};

struct Dataset {
  std::string type = "synthetic";  // synthetic (datasets of other kinds: a later issue)
  LengthDistribution input_tokens{1024, 0};
  LengthDistribution output_tokens{256, 0};
  int64_t entries = 512;             // distinct prompts generated
  std::string prompt_format = "text";  // text | ids
};

struct Seeds {
  uint64_t prompts = 0;
  uint64_t lengths = 0;
  uint64_t schedule = 0;
  uint64_t sampling = 0;
  uint64_t order = 0;
  uint64_t bootstrap = 0;
};

struct Sampling {
  double temperature = 0;
  std::optional<double> top_p;
  std::optional<uint64_t> seed;        // a sampling seed sent with each request
  bool ignore_eos = true;
  std::optional<int64_t> min_tokens;
};

struct Load {
  std::string type = "concurrency";  // concurrency | rate
  std::vector<double> levels;        // required, each > 0 (concurrency: integers)
  std::string requests_per_level = "max(64, 4x)";  // an expression of the level x
  int64_t duration_ns = 0;           // 0: bounded by requestsPerLevel only
  int64_t ramp_up_ns = 0;
  std::string arrival = "poisson";   // rate: poisson | gamma:K | constant
  int64_t max_inflight = 0;          // rate: 0 = unbounded
  int64_t request_timeout_ns = 0;    // 0 = none
};

struct Warmup {
  int64_t requests = 8;
};

struct Workload {
  Dataset dataset;
  uint64_t seed = 42;
  Seeds seeds;  // each defaults to DeriveSeed(seed, "<dimension>")
  Sampling sampling;
  std::string cache_bust = "per-replicate";  // none | per-replicate | per-request
  Load load;
  Warmup warmup;
};

struct OutlierPolicy {
  std::string method = "mad";  // mad | iqr | none
  double threshold = 3.5;      // mad: modified z-score; iqr: fence multiplier
  std::string action = "flag"; // flag | exclude
};

struct Measurement {
  int replicates = 3;
  int max_replicates = 3;  // default: replicates
  double confidence_level = 0.95;
  OutlierPolicy outlier_policy;
  double max_relative_ci_half_width = 0.05;
  std::string order = "interleaved";  // sequential | interleaved | shuffled
};

struct Constraint {
  std::string metric;            // metric path, validated
  std::string op;                // ">=" | "<="
  double value = 0;
  double tolerance = 0;          // relative, >= 0 and < 1
  std::optional<std::string> at; // point string; absent: every point
  bool strict = false;           // the whole CI must pass
  int line = 0;                  // YAML line of the entry (0 when built in code)
};

struct Sinks {
  std::string evidence = "./.inferbench/evidence";
  std::string warehouse = "./.inferbench/warehouse.duckdb";
};

struct Provenance {
  bool sign = false;
  std::string key_file;
};

struct BenchmarkRun {
  std::string api_version = std::string(kApiVersion);
  std::string kind = std::string(kKind);
  Metadata metadata;
  Intent intent;
  Target target;
  System system;
  Workload workload;
  Measurement measurement;
  std::map<std::string, double> slo;  // per-request SLO thresholds (load/slo.h names)
  std::vector<Constraint> constraints;
  Sinks sinks;
  Provenance provenance;

  std::set<std::string> declared;  // dotted YAML paths the document wrote ("spec.measurement.replicates")
  std::string source;              // file path the spec came from ("" when from a string)
  // 1-based YAML line of every declared path and list element ("spec.workload.load.levels[1]");
  // empty when built in code. Lets the validator point at the line of a value it rejects.
  std::map<std::string, int> lines;
};

}  // namespace inferbench::spec
