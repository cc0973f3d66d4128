// Prometheus text exposition format (version 0.0.4): a writer for our own endpoints and a parser
// for what we scrape from servers. The parser is robust to bad lines: it keeps every good sample
// and reports each bad line (1-based line number + reason) instead of failing the scrape.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace inferbench::telemetry {

using Labels = std::vector<std::pair<std::string, std::string>>;

// True when every (key, value) of `match` is among `labels` (order does not matter).
bool LabelsInclude(const Labels& labels, const Labels& match);

enum class MetricType { kUntyped, kCounter, kGauge, kHistogram, kSummary };
std::string_view MetricTypeName(MetricType type);

// Writes the text format the way prometheus_client's generate_latest() does (vLLM's /metrics):
//   # HELP vllm:prompt_tokens_total Number of prefill tokens processed.
//   # TYPE vllm:prompt_tokens_total counter
//   vllm:prompt_tokens_total{engine="0",model_name="m"} 1234.0
// A counter's HELP/TYPE lines carry the full `_total` sample name (prometheus_client appends it
// to the family name when it renders the 0.0.4 format). prometheus_client also emits a separate
// `<family>_created` gauge family per counter and histogram; we never write those (they carry
// wall-clock creation times that no consumer of ours needs), while the parser accepts them.
// Labels are written in the order given; prometheus_client sorts them by name, so callers that
// want byte-identical output pass them sorted.
class PrometheusWriter {
 public:
  // Starts a metric family: writes `# HELP` (help escaped: \\ and \n) and `# TYPE` lines.
  void Family(std::string_view name, MetricType type, std::string_view help);
  // One sample line: name{labels} value. Label values are escaped (\\, \", \n).
  void Sample(std::string_view name, const Labels& labels, double value);
  // A whole histogram's samples for one label set: `name_bucket{…,le="b"}` (cumulative, with
  // +Inf), then `name_count` and `name_sum` (prometheus_client's order). `bucket_counts` are
  // per-bucket (not cumulative) counts, one per bound plus the +Inf overflow bucket. REQUIRES:
  // bucket_counts.size() == bounds.size()+1. `le` is inserted before the first label whose name
  // sorts after "le", so a sorted label set stays sorted (prometheus_client prints
  // `{engine="0",le="0.1",model_name="m"}`).
  void HistogramSamples(std::string_view name, const Labels& labels,
                        const std::vector<double>& bounds,
                        const std::vector<uint64_t>& bucket_counts, double sum);
  const std::string& text() const { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

// Formats a sample value (and a histogram's `le` bound) exactly as the Python prometheus_client
// does (its floatToGoString), because that is what vLLM's and SGLang's /metrics emit and the
// simulator should be indistinguishable from them: "+Inf", "-Inf", "NaN", else Python's repr of
// the double ("0.005", "1.0", "1234.0", "1e-05", "1e+16"), except that a positive value with more
// than six digits before the point switches to an exponent the way Go does ("1.2345678e+07").
// The shortest round-trip digits are kept, so parsing the text gives back the same double.
std::string FormatPrometheusValue(double value);

struct PrometheusSample {
  std::string name;
  Labels labels;
  double value = 0.0;
  int64_t timestamp_ms = 0;  // 0 when the line had none
  // The value of label `key`, or empty.
  std::string_view Label(std::string_view key) const;
};

struct PrometheusParseError {
  int line = 0;
  std::string reason;
};

struct PrometheusScrape {
  std::vector<PrometheusSample> samples;
  std::vector<std::pair<std::string, MetricType>> types;   // from # TYPE lines
  std::vector<std::pair<std::string, std::string>> helps;  // from # HELP lines, unescaped
  std::vector<PrometheusParseError> errors;

  // The type a `# TYPE` line declared for exactly `family`, or nullptr.
  const MetricType* FindType(std::string_view family) const;

  // Sum of every sample named `name` whose labels include all of `match` (empty: all samples).
  // Returns false in `found` when no sample matched.
  double Sum(std::string_view name, const Labels& match = {}, bool* found = nullptr) const;
};

// Parses text format 0.0.4 line by line ('\n' or "\r\n"; the last line may lack one). Accepts
// comments, `# HELP`/`# TYPE`, samples with or without labels (escaped values, trailing comma),
// names with colons, values such as 1, 1.5e3, +Inf, -Inf, NaN, and an optional integer timestamp.
// A line that does not parse is skipped and reported in `errors`; never throws.
PrometheusScrape ParsePrometheusText(std::string_view text);

}  // namespace inferbench::telemetry
