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

// Where prompts come from. `synthetic` generates them (inputTokens, outputTokens, entries,
// promptFormat); the other kinds read a file or build groups (workload/dataset.h), configured by
// the keys below, each of which maps to one dataset option (camelCase here, snake_case there:
// promptsPerGroup → prompts_per_group). A key that does not apply to the type is a validation
// error.
struct Dataset {
  std::string type = "synthetic";  // synthetic | jsonl | sharegpt | trace | conversations | shared-prefix
  LengthDistribution input_tokens{1024, 0};   // synthetic only
  LengthDistribution output_tokens{256, 0};   // synthetic; other kinds: output_tokens= (mean)
  bool output_tokens_set = false;             // outputTokens was written (other kinds: an option)
  int64_t entries = 512;                      // synthetic: distinct prompts generated
  std::string prompt_format = "text";         // text | ids (synthetic only)
  // Dataset kinds. path: as written; a relative path is relative to the spec file's directory.
  std::string path;                         // jsonl, sharegpt, trace, conversations: required
  std::optional<double> speedup;            // trace: divides the trace's times
  std::optional<std::string> history;       // multi-turn: synthetic | response
  std::optional<int64_t> sessions;          // multi-turn: conversations in flight
  std::optional<bool> multi_turn;           // sharegpt: keep whole conversations
  std::optional<int64_t> groups;            // shared-prefix
  std::optional<int64_t> prompts_per_group;
  std::optional<int64_t> prefix_tokens;
  std::optional<int64_t> suffix_tokens;
  std::optional<bool> allow_repeat;         // every kind but synthetic: cycle when short
  std::optional<int64_t> limit;             // every kind but synthetic: the first N items

  bool synthetic() const { return type == "synthetic"; }
  // A kind whose items are whole conversations (conversations; sharegpt with multiTurn).
  bool multi_turn_kind() const {
    return type == "conversations" || (type == "sharegpt" && multi_turn.value_or(false));
  }
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
  // concurrency | rate: one point per level. trace: one point, `trace` (a trace dataset).
  // sessions: one point per level, `sessions=N` (a multi-turn dataset; levels default to the
  // dataset's sessions). sweep: a synchronous point, a throughput point and points−2 rates
  // between them, decided during the run. search: bisection for the highest level meeting `slo`.
  std::string type = "concurrency";
  std::vector<double> levels;        // concurrency | rate: required, each > 0 (integers but rate)
  std::string requests_per_level = "max(64, 4x)";  // an expression of the level x
  // trace | sessions: trace entries or conversations per run; unset: all the dataset holds.
  std::optional<int64_t> requests;
  int64_t duration_ns = 0;           // 0: bounded by requestsPerLevel only
  int64_t ramp_up_ns = 0;
  std::string arrival = "poisson";   // open loop: poisson | gamma:K | constant
  int64_t max_inflight = 0;          // open loop: 0 = unbounded
  int64_t request_timeout_ns = 0;    // 0 = none
  // sweep
  int64_t points = 10;               // >= 3: synchronous + throughput + points−2 rates
  int64_t max_concurrency = 256;     // sweep: the throughput point's cap; search (concurrency): the highest level tried
  // search
  std::string over = "rate";         // rate | concurrency
  std::string slo;                   // "ttft_ms.p99<=2000,tpot_ms.p99<=100" (plan.h ParseSearchSlo)
  std::optional<double> attainment;  // target share of requests meeting every bound
  double resolution = 0.1;           // stop when (high − low) / low <= this
  std::optional<double> low;         // a level expected to pass (measured first)
  std::optional<double> high;        // a level expected to fail
  double start = 1;                  // without low/high: the first level; doubled or halved
  int64_t max_points = 12;           // levels measured at most

  bool open_loop_type() const { return type == "rate" || type == "trace"; }
};

struct Warmup {
  int64_t requests = 8;
};

struct Workload {
  Dataset dataset;
  // tokenizer.json of the served model (workload/tokenizer.h): exact prompt lengths and output
  // token counts without usage. "" = none. Relative paths as for dataset.path.
  std::string tokenizer;
  uint64_t seed = 42;
  Seeds seeds;  // each defaults to DeriveSeed(seed, "<dimension>")
  Sampling sampling;
  std::string cache_bust = "per-replicate";  // none | per-replicate | per-request
  Load load;
  Warmup warmup;

  // Filled by runner::ResolveWorkloadFiles once the files are read, never by the parser (they
  // depend on the files' bytes). The digest needs them (digest.h).
  nlohmann::json dataset_digest;  // Dataset::DigestJson() without `sessions`; null for synthetic
  std::string tokenizer_digest;   // "sha256:…" of the tokenizer file; "" without one
  int64_t dataset_items = -1;     // requests or conversations the dataset holds; -1: unknown
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
