#include "spec/contract.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>

#include "core/duration.h"
#include "spec/benchmark_run.h"

namespace inferbench::spec {
namespace {

using T = FieldType;

NumericRange Bounds(std::optional<double> min, bool min_exclusive, std::optional<double> max,
                    bool max_exclusive) {
  NumericRange r;
  r.min = min;
  r.min_exclusive = min_exclusive;
  r.max = max;
  r.max_exclusive = max_exclusive;
  return r;
}
NumericRange AtLeast(double v) { return Bounds(v, false, std::nullopt, false); }
NumericRange Above(double v) { return Bounds(v, true, std::nullopt, false); }
NumericRange OpenUnit() { return Bounds(0, true, 1, true); }

// Builds one table row: Row(path, type, doc).Default("3").Range(AtLeast(1)).Required().
class Row {
 public:
  Row(std::string path, FieldType type, std::string doc) {
    f_.path = std::move(path);
    f_.type = type;
    f_.doc = std::move(doc);
  }
  Row& Items(FieldType type) {
    f_.item_type = type;
    return *this;
  }
  Row& Default(std::string text) {
    f_.default_text = std::move(text);
    return *this;
  }
  Row& Allowed(std::vector<std::string> values) {
    f_.allowed = std::move(values);
    return *this;
  }
  Row& Range(NumericRange range) {
    f_.range = range;
    return *this;
  }
  Row& MinItems(size_t n) {
    f_.min_items = n;
    return *this;
  }
  Row& Required() {
    f_.required = true;
    return *this;
  }
  Row& ScalarKey(std::string key) {
    f_.scalar_key = std::move(key);
    return *this;
  }
  operator ContractField() const { return f_; }  // NOLINT: rows convert into the table

 private:
  ContractField f_;
};

std::vector<ContractField> BuildTable() {
  // Document order; every parent before its children. Defaults are written as a user would write
  // them in YAML; "derived: …" marks defaults computed from other keys.
  return {
      Row("apiVersion", T::kEnum, "Version of this contract")
          .Allowed({std::string(kApiVersion)})
          .Required(),
      Row("kind", T::kEnum, "Resource kind").Allowed({std::string(kKind)}).Required(),
      Row("metadata", T::kObject, "Name and labels of this benchmark").Required(),
      Row("metadata.name", T::kString,
          "Name of the benchmark (lower-case letters, digits, '-' and '.', as Kubernetes names)")
          .Required(),
      Row("metadata.labels", T::kMap, "Free-form string labels recorded with every run")
          .Items(T::kString),
      Row("spec", T::kObject, "What to measure and how").Required(),

      Row("spec.intent", T::kObject, "Why the run exists: mode and key performance indicators"),
      Row("spec.intent.mode", T::kEnum,
          "publication: every methodology rule is an error; realism: the same rules are warnings "
          "and results are labelled")
          .Default("realism")
          .Allowed({"publication", "realism"}),
      Row("spec.intent.variableUnderTest", T::kString,
          "The one thing this benchmark varies (e.g. engine.version), recorded for comparisons")
          .Default("\"\""),
      Row("spec.intent.kpis", T::kList,
          "Metric paths that decide the verdict tier and adaptive replicates (publication: at "
          "least one)")
          .Items(T::kMetricPath)
          .Default("[]"),

      Row("spec.target", T::kObject, "The OpenAI-compatible server under test").Required(),
      Row("spec.target.url", T::kString,
          "Base URL (http:// or https://); required unless spec.target.sim is given (run --sim "
          "fills it in)"),
      Row("spec.target.endpoint", T::kEnum, "API: /v1/chat/completions or /v1/completions")
          .Default("chat")
          .Allowed({"chat", "completions"}),
      Row("spec.target.model", T::kString, "Model name sent in every request").Required(),
      Row("spec.target.apiKeyEnv", T::kString,
          "Environment variable holding the API key; the key itself is never written anywhere")
          .Default("\"\""),
      Row("spec.target.headers", T::kMap,
          "Extra request headers; values may reference ${VAR}, resolved at run time and never "
          "stored")
          .Items(T::kString)
          .Default("{}"),
      Row("spec.target.extraBody", T::kJson, "JSON object merged into every request body")
          .Default("{}"),
      Row("spec.target.metricsUrls", T::kList,
          "Prometheus endpoints scraped around and during every point (engine, DCGM exporter); "
          "empty: the target's /metrics")
          .Items(T::kString)
          .Default("[]"),
      Row("spec.target.readiness", T::kObject, "Readiness probe before measuring"),
      Row("spec.target.readiness.probe", T::kEnum,
          "A real one-token completion that must return a non-empty answer")
          .Default("completion")
          .Allowed({"completion"}),
      Row("spec.target.readiness.timeout", T::kDuration,
          "Timeout of each probe (long enough for a cold start)")
          .Default("120s")
          .Range(Above(0)),
      Row("spec.target.readiness.window", T::kDuration,
          "All probes together; not ready by then is an error (exit 2)")
          .Default("5m")
          .Range(Above(0)),
      Row("spec.target.sim", T::kObject,
          "The simulator `inferbench run --sim` starts in place of the target"),
      Row("spec.target.sim.profile", T::kString,
          "Simulator profile: instant, fixed, a built-in hardware/model profile or a YAML file")
          .Default("h100-llama3-8b"),
      Row("spec.target.sim.args", T::kMap,
          "Extra `inferbench sim` flags without dashes (time-scale: \"0.2\"); an empty value "
          "passes the flag alone")
          .Items(T::kString)
          .Default("{}"),

      Row("spec.system", T::kObject,
          "The full-context descriptor of the system under test; \"unknown\" is allowed and "
          "recorded"),
      Row("spec.system.hardware", T::kObject, "Accelerators"),
      Row("spec.system.hardware.gpu", T::kString,
          "GPU model (a key of the ceilings table such as H100-SXM, or free text)")
          .Default("unknown"),
      Row("spec.system.hardware.gpuCount", T::kInt,
          "GPUs serving the model (cost and per-GPU throughput)")
          .Default("1")
          .Range(AtLeast(1)),
      Row("spec.system.engine", T::kObject, "Inference engine"),
      Row("spec.system.engine.name", T::kString, "vllm, sglang, …").Default("unknown"),
      Row("spec.system.engine.version", T::kString, "Engine version").Default("unknown"),
      Row("spec.system.engine.image", T::kString,
          "Container image; publication requires it pinned by digest (repo@sha256:<64 hex>)")
          .Default("\"\""),
      Row("spec.system.model", T::kObject, "Model shape, for %SoL and memory figures"),
      Row("spec.system.model.precision", T::kEnum, "Weight precision")
          .Default("unknown")
          .Allowed({"bf16", "fp16", "fp8", "int8", "int4", "unknown"}),
      Row("spec.system.model.params", T::kNumber, "Parameter count (8.03e9)").Range(Above(0)),
      Row("spec.system.model.kvBytesPerToken", T::kNumber, "KV-cache bytes per token")
          .Range(Above(0)),
      Row("spec.system.model.weightBytes", T::kNumber, "Bytes of weights read per decode step")
          .Default("derived: params x bytes per precision")
          .Range(Above(0)),
      Row("spec.system.model.tensorParallel", T::kInt, "Tensor-parallel degree")
          .Default("1")
          .Range(AtLeast(1)),
      Row("spec.system.serving", T::kObject, "Engine serving settings, as recorded facts"),
      Row("spec.system.serving.maxNumSeqs", T::kInt, "Engine batch size limit").Range(AtLeast(1)),
      Row("spec.system.serving.maxNumBatchedTokens", T::kInt, "Engine token budget per step")
          .Range(AtLeast(1)),
      Row("spec.system.serving.prefixCaching", T::kBool, "Prefix caching enabled"),
      Row("spec.system.cluster", T::kObject, "Where the system ran"),
      Row("spec.system.cluster.name", T::kString, "Cluster name").Default("unknown"),
      Row("spec.system.cluster.region", T::kString, "Region").Default("unknown"),
      Row("spec.system.cluster.nodePool", T::kString, "Node pool").Default("unknown"),
      Row("spec.system.cluster.schedulerPath", T::kString,
          "Routing path from client to engine (gateway, scheduler)")
          .Default("unknown"),
      Row("spec.system.cost", T::kObject, "Price, for cost per million tokens"),
      Row("spec.system.cost.gpuHourUsd", T::kNumber, "USD per GPU-hour").Range(Above(0)),

      Row("spec.workload", T::kObject, "The requests and how they are sent").Required(),
      Row("spec.workload.dataset", T::kObject, "Where prompts come from"),
      Row("spec.workload.dataset.type", T::kEnum,
          "synthetic: generated prompts of the given lengths; jsonl, sharegpt, trace, "
          "conversations: a file (path); shared-prefix: groups of prompts sharing a prefix")
          .Default("synthetic")
          .Allowed({"synthetic", "jsonl", "sharegpt", "trace", "conversations", "shared-prefix"}),
      Row("spec.workload.dataset.path", T::kString,
          "The dataset file (jsonl, sharegpt, trace, conversations); relative to the spec file's "
          "directory"),
      Row("spec.workload.dataset.speedup", T::kNumber,
          "trace: divide the trace's times by this (2: twice as fast)")
          .Default("1")
          .Range(Above(0)),
      Row("spec.workload.dataset.history", T::kEnum,
          "Multi-turn: synthetic (generated text of each answer's length: deterministic) or "
          "response (the server's real answers)")
          .Default("synthetic")
          .Allowed({"synthetic", "response"}),
      Row("spec.workload.dataset.sessions", T::kInt,
          "Multi-turn: conversations in flight (the sessions=N point when load.levels is not "
          "given)")
          .Default("1")
          .Range(AtLeast(1)),
      Row("spec.workload.dataset.multiTurn", T::kBool,
          "sharegpt: keep whole conversations (each human turn a turn)")
          .Default("false"),
      Row("spec.workload.dataset.groups", T::kInt, "shared-prefix: distinct shared prefixes")
          .Range(AtLeast(1)),
      Row("spec.workload.dataset.promptsPerGroup", T::kInt,
          "shared-prefix: prompts after each prefix")
          .Range(AtLeast(1)),
      Row("spec.workload.dataset.prefixTokens", T::kInt, "shared-prefix: tokens of each prefix")
          .Range(AtLeast(0)),
      Row("spec.workload.dataset.suffixTokens", T::kInt,
          "shared-prefix: tokens of each prompt's own suffix")
          .Range(AtLeast(1)),
      Row("spec.workload.dataset.allowRepeat", T::kBool,
          "Datasets: cycle through the items when a run needs more than the dataset holds")
          .Default("false"),
      Row("spec.workload.dataset.limit", T::kInt, "Datasets: use only the first N items")
          .Range(AtLeast(1)),
      Row("spec.workload.dataset.inputTokens", T::kObject,
          "Input length distribution (a number N means {mean: N})")
          .ScalarKey("mean"),
      Row("spec.workload.dataset.inputTokens.mean", T::kInt, "Mean input tokens")
          .Default("1024")
          .Range(AtLeast(1)),
      Row("spec.workload.dataset.inputTokens.stddev", T::kInt,
          "Standard deviation (0: every prompt exactly the mean)")
          .Default("0")
          .Range(AtLeast(0)),
      Row("spec.workload.dataset.outputTokens", T::kObject,
          "Output length distribution (a number N means {mean: N}); dataset kinds: the output "
          "target of items that give none (mean only)")
          .ScalarKey("mean"),
      Row("spec.workload.dataset.outputTokens.mean", T::kInt,
          "Mean output tokens (sent as max_tokens)")
          .Default("256")
          .Range(AtLeast(1)),
      Row("spec.workload.dataset.outputTokens.stddev", T::kInt, "Standard deviation")
          .Default("0")
          .Range(AtLeast(0)),
      Row("spec.workload.dataset.entries", T::kInt, "Distinct prompts generated")
          .Default("512")
          .Range(AtLeast(1)),
      Row("spec.workload.dataset.promptFormat", T::kEnum,
          "text, or token ids (ids: completions endpoint only)")
          .Default("text")
          .Allowed({"text", "ids"}),
      Row("spec.workload.tokenizer", T::kString,
          "A Hugging Face tokenizer.json of the served model: exact prompt lengths and output "
          "token counts when the server sends no usage; relative to the spec file's directory")
          .Default("\"\""),
      Row("spec.workload.seed", T::kUnsigned,
          "Base seed; every dimension in seeds derives from it unless set")
          .Default("42"),
      Row("spec.workload.seeds", T::kObject, "One seed per random dimension"),
      Row("spec.workload.seeds.prompts", T::kUnsigned, "Prompt content")
          .Default("derived: DeriveSeed(seed, \"prompts\")"),
      Row("spec.workload.seeds.lengths", T::kUnsigned, "Input/output lengths")
          .Default("derived: DeriveSeed(seed, \"lengths\")"),
      Row("spec.workload.seeds.schedule", T::kUnsigned, "Arrival times (rate load)")
          .Default("derived: DeriveSeed(seed, \"schedule\")"),
      Row("spec.workload.seeds.sampling", T::kUnsigned, "Per-request sampling seeds")
          .Default("derived: DeriveSeed(seed, \"sampling\")"),
      Row("spec.workload.seeds.order", T::kUnsigned, "Point order within a round (order: shuffled)")
          .Default("derived: DeriveSeed(seed, \"order\")"),
      Row("spec.workload.seeds.bootstrap", T::kUnsigned, "Bootstrap resampling")
          .Default("derived: DeriveSeed(seed, \"bootstrap\")"),
      Row("spec.workload.sampling", T::kObject, "Sampling parameters sent with every request"),
      Row("spec.workload.sampling.temperature", T::kNumber,
          "Temperature (publication: 0 or a sampling seed)")
          .Default("0")
          .Range(AtLeast(0)),
      Row("spec.workload.sampling.topP", T::kNumber,
          "Nucleus sampling; absent: the server's default")
          .Range(Bounds(0, true, 1, false)),
      Row("spec.workload.sampling.seed", T::kUnsigned, "Sampling seed sent with each request"),
      Row("spec.workload.sampling.ignoreEos", T::kBool,
          "Generate exactly max_tokens (publication: this or minTokens)")
          .Default("true"),
      Row("spec.workload.sampling.minTokens", T::kInt, "min_tokens sent with each request")
          .Range(AtLeast(1)),
      Row("spec.workload.cacheBust", T::kEnum,
          "Unique salt prepended to prompts so no replicate reads a prefix cache another warmed")
          .Default("per-replicate")
          .Allowed({"none", "per-replicate", "per-request"}),
      Row("spec.workload.load", T::kObject, "The load levels (points)").Required(),
      Row("spec.workload.load.type", T::kEnum,
          "concurrency: closed loop, N in flight; rate: open loop, requests per second; trace: "
          "replay a trace dataset's timing; sessions: N multi-turn conversations in flight; "
          "sweep: synchronous, throughput and rates between; search: the highest level meeting "
          "an SLO")
          .Default("concurrency")
          .Allowed({"concurrency", "rate", "trace", "sessions", "sweep", "search"}),
      Row("spec.workload.load.levels", T::kList,
          "One point per level: concurrency and rate (required; concurrency: integers), "
          "sessions (default: dataset.sessions)")
          .Items(T::kNumber)
          .Range(Above(0))
          .MinItems(1),
      Row("spec.workload.load.requestsPerLevel", T::kRequestsExpr,
          "Measured requests per point: an integer, Nx (N times the level), max(a, b), min(a, b)")
          .Default("max(64, 4x)"),
      Row("spec.workload.load.requests", T::kInt,
          "trace: entries replayed; sessions: conversations run (default: all the dataset holds)")
          .Range(AtLeast(1)),
      Row("spec.workload.load.points", T::kInt,
          "sweep: points measured: synchronous (concurrency=1), throughput (all requests in "
          "flight, up to maxConcurrency), then points-2 rates evenly between their request rates")
          .Default("10")
          .Range(AtLeast(3)),
      Row("spec.workload.load.maxConcurrency", T::kInt,
          "sweep: the throughput point's concurrency cap; search over concurrency: the highest "
          "level tried")
          .Default("256")
          .Range(AtLeast(1)),
      Row("spec.workload.load.over", T::kEnum, "search: the level bisected")
          .Default("rate")
          .Allowed({"rate", "concurrency"}),
      Row("spec.workload.load.slo", T::kSloBounds,
          "search: per-request bounds every counted request must meet, "
          "\"ttft_ms.p99<=2000,tpot_ms.p99<=100\" or {ttft_ms.p99: 2000}"),
      Row("spec.workload.load.attainment", T::kNumber,
          "search: the share of requests meeting every bound for a level to pass")
          .Default("derived: the bounds' quantile (p99: 0.99), else 0.95")
          .Range(Bounds(0, true, 1, false)),
      Row("spec.workload.load.resolution", T::kNumber,
          "search: stop when (high - low) / low is at most this")
          .Default("0.1")
          .Range(Above(0)),
      Row("spec.workload.load.low", T::kNumber, "search: a level expected to pass")
          .Range(Above(0)),
      Row("spec.workload.load.high", T::kNumber, "search: a level expected to fail")
          .Range(Above(0)),
      Row("spec.workload.load.start", T::kNumber,
          "search without low/high: the first level, then doubled (pass) or halved (fail)")
          .Default("1")
          .Range(Above(0)),
      Row("spec.workload.load.maxPoints", T::kInt, "search: levels measured at most")
          .Default("12")
          .Range(AtLeast(2)),
      Row("spec.workload.load.duration", T::kDuration,
          "Also stop sending after this long per point (0s: requests only)")
          .Default("0s")
          .Range(AtLeast(0)),
      Row("spec.workload.load.rampUp", T::kDuration,
          "Concurrency: spread the first requests over this long")
          .Default("0s")
          .Range(AtLeast(0)),
      Row("spec.workload.load.arrival", T::kArrival,
          "Open loop (rate, sweep, search over rate): poisson, gamma:K (K > 0) or constant "
          "inter-arrival times")
          .Default("poisson"),
      Row("spec.workload.load.maxInflight", T::kInt,
          "Open loop (rate, trace, sweep, search over rate): cap on requests in flight (0: none)")
          .Default("0")
          .Range(AtLeast(0)),
      Row("spec.workload.load.requestTimeout", T::kDuration, "Per-request timeout (0s: none)")
          .Default("0s")
          .Range(AtLeast(0)),
      Row("spec.workload.warmup", T::kObject, "Requests before each point, never counted"),
      Row("spec.workload.warmup.requests", T::kInt,
          "Warmup requests before every point and replicate")
          .Default("8")
          .Range(AtLeast(0)),

      Row("spec.measurement", T::kObject, "Replicates and statistics"),
      Row("spec.measurement.replicates", T::kInt, "Runs of every point (publication: at least 3)")
          .Default("3")
          .Range(AtLeast(1)),
      Row("spec.measurement.maxReplicates", T::kInt,
          "Extra replicates up to this while a KPI misses maxRelativeCiHalfWidth")
          .Default("derived: replicates")
          .Range(AtLeast(1)),
      Row("spec.measurement.confidenceLevel", T::kNumber,
          "Confidence of the Student-t intervals (publication: must be declared)")
          .Default("0.95")
          .Range(OpenUnit()),
      Row("spec.measurement.outlierPolicy", T::kObject,
          "How replicate outliers are treated, applied only when n >= 5 (publication: must be "
          "declared)"),
      Row("spec.measurement.outlierPolicy.method", T::kEnum,
          "mad: modified z-score; iqr: Tukey fences; none")
          .Default("mad")
          .Allowed({"mad", "iqr", "none"}),
      Row("spec.measurement.outlierPolicy.threshold", T::kNumber,
          "mad: modified z-score limit; iqr: fence multiplier")
          .Default("3.5")
          .Range(Above(0)),
      Row("spec.measurement.outlierPolicy.action", T::kEnum,
          "Record outliers, or also leave them out of the statistics")
          .Default("flag")
          .Allowed({"flag", "exclude"}),
      Row("spec.measurement.maxRelativeCiHalfWidth", T::kNumber,
          "A KPI is stable when CI half-width / mean is at most this")
          .Default("0.05")
          .Range(Above(0)),
      Row("spec.measurement.order", T::kEnum,
          "sequential: all replicates of a point together; interleaved: every point once per "
          "round; shuffled: rounds in seeded random order")
          .Default("interleaved")
          .Allowed({"sequential", "interleaved", "shuffled"}),

      // Kept in step with load/slo.h (IsSloMetric); see SloMetricNames().
      Row("spec.slo", T::kObject, "Per-request SLO thresholds for goodput and SLO attainment"),
      Row("spec.slo.ttft_ms", T::kNumber, "Time to first token at most (ms)").Range(Above(0)),
      Row("spec.slo.ttft_sched_ms", T::kNumber, "TTFT from the intended send time at most (ms)")
          .Range(Above(0)),
      Row("spec.slo.ttst_ms", T::kNumber, "Time to second token at most (ms)").Range(Above(0)),
      Row("spec.slo.tpot_ms", T::kNumber, "Time per output token at most (ms)").Range(Above(0)),
      Row("spec.slo.e2e_latency_ms", T::kNumber, "End-to-end latency at most (ms)").Range(Above(0)),
      Row("spec.slo.per_user_tok_s", T::kNumber, "Per-request output speed at least (tokens/s)")
          .Range(Above(0)),

      Row("spec.constraints", T::kList, "Release-gate constraints (DESIGN.md §6)")
          .Items(T::kObject)
          .Default("[]"),
      Row("spec.constraints[].metric", T::kMetricPath,
          "Metric path compared (mean across replicates)")
          .Required(),
      Row("spec.constraints[].op", T::kEnum,
          ">=: passes when measured >= value x (1 - tolerance); <=: measured <= value x (1 + "
          "tolerance)")
          .Allowed({">=", "<="})
          .Required(),
      Row("spec.constraints[].value", T::kNumber, "Threshold").Required(),
      Row("spec.constraints[].tolerance", T::kNumber, "Relative tolerance")
          .Default("0")
          .Range(Bounds(0, false, 1, true)),
      Row("spec.constraints[].at", T::kPoint, "Point string; absent: every point"),
      Row("spec.constraints[].strict", T::kBool, "Require the whole confidence interval to pass")
          .Default("false"),

      Row("spec.sinks", T::kObject, "Where results are kept"),
      Row("spec.sinks.evidence", T::kString, "Content-addressed evidence store")
          .Default("./.inferbench/evidence"),
      Row("spec.sinks.warehouse", T::kString, "Warehouse database")
          .Default("./.inferbench/warehouse.duckdb"),
      Row("spec.provenance", T::kObject, "Signing of the run manifest"),
      Row("spec.provenance.sign", T::kBool, "Sign the manifest").Default("false"),
      Row("spec.provenance.keyFile", T::kString, "Signing key file (required when sign is true)")
          .Default("\"\""),
  };
}

std::vector<ContractRule> BuildRules() {
  return {
      {"publication.replicates", "publication", "spec.measurement.replicates >= 3"},
      {"publication.confidenceLevel", "publication", "spec.measurement.confidenceLevel declared"},
      {"publication.outlierPolicy", "publication",
       "spec.measurement.outlierPolicy.method declared (mad, iqr or none)"},
      {"publication.image", "publication",
       "spec.system.engine.image, when given, pinned by digest (name@sha256:<64 hex>), not a "
       "mutable tag"},
      {"publication.sampling", "publication",
       "deterministic sampling: spec.workload.sampling.temperature 0 or a sampling.seed"},
      {"publication.outputLength", "publication",
       "output length enforced: spec.workload.sampling.ignoreEos true or sampling.minTokens"},
      {"publication.kpis", "publication", "spec.intent.kpis lists at least one metric path"},
      {"publication.lowN", "publication",
       "no KPI quantile is low_n at any level: requests per level n with n x (1 - q) >= 5 (p99 "
       "needs 500)"},
      {"all.url", "all", "spec.target.url given (http:// or https://) unless spec.target.sim is"},
      {"all.maxReplicates", "all", "spec.measurement.maxReplicates >= replicates"},
      {"all.levels", "all", "load levels distinct; concurrency levels integers"},
      {"all.requestsPerLevel", "all", "requestsPerLevel gives at least 1 request at every level"},
      {"all.rateOnly", "all",
       "load.arrival only with open-loop load (rate, sweep, search over rate); load.maxInflight "
       "also with trace"},
      {"all.datasetKeys", "all",
       "dataset keys only for the types they configure (path for file kinds, groups… for "
       "shared-prefix, inputTokens/entries/promptFormat for synthetic)"},
      {"all.datasetLoad", "all",
       "load.type trace needs a trace dataset and sessions a multi-turn one; other load types "
       "need a single-request dataset"},
      {"all.search", "all",
       "load.type search needs load.slo; low < high when both are given; spec.slo absent (the "
       "search's bounds are the run's SLO)"},
      {"all.promptFormat", "all", "dataset.promptFormat ids only with target.endpoint completions"},
      {"all.constraintAt", "all",
       "a constraint's `at` matches the load type; naming an undeclared level is a warning (the "
       "gate skips it)"},
      {"all.sign", "all", "provenance.keyFile given when provenance.sign is true"},
      {"all.unknownKeys", "all",
       "unknown keys are errors (a typo must not silently disable a policy)"},
  };
}

}  // namespace

std::string_view FieldTypeName(FieldType type) {
  switch (type) {
    case T::kObject:
      return "object";
    case T::kMap:
      return "map";
    case T::kList:
      return "list";
    case T::kString:
      return "string";
    case T::kEnum:
      return "enum";
    case T::kInt:
      return "int";
    case T::kUnsigned:
      return "uint64";
    case T::kNumber:
      return "number";
    case T::kBool:
      return "bool";
    case T::kDuration:
      return "duration";
    case T::kPoint:
      return "point";
    case T::kMetricPath:
      return "metric-path";
    case T::kRequestsExpr:
      return "requests-expr";
    case T::kArrival:
      return "arrival";
    case T::kJson:
      return "json";
    case T::kSloBounds:
      return "slo-bounds";
  }
  return "?";
}

bool NumericRange::Contains(double value) const {
  if (min && (min_exclusive ? !(value > *min) : !(value >= *min))) return false;
  if (max && (max_exclusive ? !(value < *max) : !(value <= *max))) return false;
  return true;
}

std::string NumericRange::Describe(bool duration) const {
  auto num = [&](double v) {
    return duration ? FormatDurationNs(static_cast<int64_t>(v)) : fmt::format("{}", v);
  };
  if (min && max) {
    return fmt::format("{}{}, {}{}", min_exclusive ? "(" : "[", num(*min), num(*max),
                       max_exclusive ? ")" : "]");
  }
  if (min) return fmt::format("{} {}", min_exclusive ? ">" : ">=", num(*min));
  if (max) return fmt::format("{} {}", max_exclusive ? "<" : "<=", num(*max));
  return "";
}

std::string_view ContractField::parent() const {
  std::string_view p = path;
  size_t dot = p.rfind('.');
  if (dot == std::string_view::npos) return "";
  return p.substr(0, dot);
}

std::string_view ContractField::key() const {
  std::string_view p = path;
  size_t dot = p.rfind('.');
  return dot == std::string_view::npos ? p : p.substr(dot + 1);
}

std::string ContractField::AllowedText() const {
  const bool duration = type == T::kDuration;
  std::string out;
  if (!allowed.empty()) out = fmt::format("{}", fmt::join(allowed, " | "));
  if (!range.empty()) out = range.Describe(duration);
  switch (type) {
    case T::kArrival:
      return "poisson | gamma:K | constant";
    case T::kRequestsExpr:
      return "N | Nx | max(a, b) | min(a, b)";
    case T::kPoint:
      return "concurrency=N | rate=X | trace | sessions=N";
    case T::kSloBounds:
      return "metric.stat<=X,… | {metric.stat: X}";
    case T::kList:
      if (item_type == T::kMetricPath) return "metric paths";
      if (min_items > 0)
        return fmt::format("{}{} item(s){}", min_items, "+", out.empty() ? "" : ", each " + out);
      return out.empty() ? "" : "each " + out;
    default:
      break;
  }
  return out;
}

std::span<const ContractField> ContractFields() {
  static const std::vector<ContractField> table = BuildTable();
  return table;
}

const ContractField* FindContractField(std::string_view path) {
  for (const ContractField& f : ContractFields()) {
    if (f.path == path) return &f;
  }
  return nullptr;
}

std::vector<const ContractField*> ChildFields(std::string_view parent) {
  std::vector<const ContractField*> out;
  for (const ContractField& f : ContractFields()) {
    if (f.parent() == parent) out.push_back(&f);
  }
  return out;
}

std::string TablePath(std::string_view concrete_path) {
  std::string out;
  out.reserve(concrete_path.size());
  for (size_t i = 0; i < concrete_path.size(); ++i) {
    out += concrete_path[i];
    if (concrete_path[i] == '[') {
      while (i + 1 < concrete_path.size() && concrete_path[i + 1] != ']') ++i;
    }
  }
  return out;
}

std::span<const ContractRule> ContractRules() {
  static const std::vector<ContractRule> rules = BuildRules();
  return rules;
}

std::span<const std::string_view> SloMetricNames() {
  static constexpr std::string_view kNames[] = {"ttft_ms", "ttft_sched_ms",  "ttst_ms",
                                                "tpot_ms", "e2e_latency_ms", "per_user_tok_s"};
  return kNames;
}

namespace {

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                        std::tolower(static_cast<unsigned char>(b[j - 1]));
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (same ? 0 : 1)});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

}  // namespace

std::string ClosestName(std::string_view text, std::span<const std::string> candidates) {
  const size_t limit = std::max<size_t>(1, text.size() / 3);
  size_t best = limit + 1;
  std::string out;
  for (const std::string& c : candidates) {
    size_t d = EditDistance(text, c);
    if (d < best) {
      best = d;
      out = c;
    }
  }
  if (!out.empty() || text.size() < 3) return out;
  // An abbreviation: the shortest candidate that text begins ("ttft" → "ttft_ms").
  for (const std::string& c : candidates) {
    if (c.size() > text.size() &&
        EditDistance(text, std::string_view(c).substr(0, text.size())) == 0 &&
        (out.empty() || c.size() < out.size())) {
      out = c;
    }
  }
  return out;
}

nlohmann::json ContractJson() {
  nlohmann::json fields = nlohmann::json::array();
  for (const ContractField& f : ContractFields()) {
    nlohmann::json j = {{"path", f.path},
                        {"type", FieldTypeName(f.type)},
                        {"required", f.required},
                        {"doc", f.doc}};
    if (f.type == T::kList || f.type == T::kMap) j["items"] = FieldTypeName(f.item_type);
    if (!f.default_text.empty()) j["default"] = f.default_text;
    std::string allowed = f.AllowedText();
    if (!allowed.empty()) j["allowed"] = allowed;
    if (!f.allowed.empty()) j["enum"] = f.allowed;
    if (f.range.min) j[f.range.min_exclusive ? "exclusiveMinimum" : "minimum"] = *f.range.min;
    if (f.range.max) j[f.range.max_exclusive ? "exclusiveMaximum" : "maximum"] = *f.range.max;
    if (f.min_items > 0) j["minItems"] = f.min_items;
    if (!f.scalar_key.empty()) j["scalarKey"] = f.scalar_key;
    fields.push_back(std::move(j));
  }
  nlohmann::json rules = nlohmann::json::array();
  for (const ContractRule& r : ContractRules())
    rules.push_back({{"id", r.id}, {"scope", r.scope}, {"text", r.text}});
  return {{"apiVersion", kApiVersion}, {"kind", kKind}, {"fields", fields}, {"rules", rules}};
}

std::string FormatContractText() {
  std::string out =
      fmt::format("{} {} — every key (required keys marked *)\n\n", kKind, kApiVersion);
  out += fmt::format("{:<48} {:<18} {:<24} {}\n", "PATH", "TYPE", "DEFAULT", "ALLOWED");
  for (const ContractField& f : ContractFields()) {
    std::string type(FieldTypeName(f.type));
    if (f.type == T::kList || f.type == T::kMap)
      type += fmt::format("<{}>", FieldTypeName(f.item_type));
    out += fmt::format("{:<48} {:<18} {:<24} {}\n", f.path + (f.required ? " *" : ""), type,
                       f.default_text, f.AllowedText());
    out += fmt::format("    {}\n", f.doc);
  }
  out += "\nRules (publication: errors; realism: the same rules as labelled warnings):\n";
  for (const ContractRule& r : ContractRules()) {
    out += fmt::format("  {:<30} [{}] {}\n", r.id, r.scope, r.text);
  }
  return out;
}

}  // namespace inferbench::spec
