// The metric vocabulary (DESIGN.md §4): every metric inferbench reports, its unit, whether it is a
// distribution or a single number, which direction is good, and what it means. Specs, CLI flags,
// summary.json, the warehouse and reports all use these names and no others.
//
// Metric paths: "name" for scalars, "name.stat" for distributions ("ttft_ms.p99", "tpot_ms.mean").
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/status.h"

namespace inferbench::results {

enum class MetricKind { kDistribution, kScalar };

// Which way is better: decides "improved" vs "regressed" in compare and gate messages.
enum class Direction { kHigherIsBetter, kLowerIsBetter, kNone };

struct MetricInfo {
  std::string_view name;
  std::string_view unit;  // "ms", "tok/s", "req/s", "tokens", "ratio", "%", "USD/Mtok"
  MetricKind kind;
  Direction direction;
  std::string_view definition;  // one line, for --help, reports and `tools benchmark-contracts`
};

// Every known metric, in a stable presentation order (latencies, then throughput, then the rest).
std::span<const MetricInfo> AllMetrics();
// Null when name is not a known metric.
const MetricInfo* FindMetric(std::string_view name);

// Multi-turn points report TTFT and request counts per turn NUMBER (1-based: turn number 1 is
// a conversation's first turn, record turn 0): "ttft_turn_1_ms" … "ttft_turn_8_ms", then
// "ttft_turn_9plus_ms" pooling every later turn; likewise "requests_turn_1" …
// "requests_turn_9plus". These take the record's 0-based turn (REQUIRES: turn >= 0).
inline constexpr int kTurnMetricsCap = 9;
std::string TurnTtftMetricName(int64_t turn);
std::string TurnRequestsMetricName(int64_t turn);

// The statistics of a distribution, in output order.
enum class Stat { kMean, kStd, kMin, kP50, kP90, kP95, kP99, kP999, kMax };
std::span<const Stat> AllStats();
// "mean", "std", "min", "p50", "p90", "p95", "p99", "p999", "max".
std::string_view StatName(Stat stat);
std::optional<Stat> FindStat(std::string_view name);
// The quantile level of a percentile stat (p99 → 0.99, p999 → 0.999); nullopt for
// mean, std, min and max. Used for the low_n rule: n · (1 − q) < 5.
std::optional<double> StatQuantile(Stat stat);

struct MetricPath {
  std::string name;
  std::optional<Stat> stat;  // set exactly when the metric is a distribution

  // "ttft_ms.p99" or "error_rate".
  std::string Format() const;
  // REQUIRES: the path came from ParseMetricPath (the name is known).
  const MetricInfo& info() const;
  // The metric's direction; a std has none (spread is not better or worse by itself).
  Direction direction() const;
  friend bool operator==(const MetricPath&, const MetricPath&) = default;
};

// Parses and checks a metric path against the vocabulary. Errors name the text and, for an
// unknown name, suggest the closest known one ("did you mean ttft_ms.p99?"); a distribution
// without a stat, or a scalar with one, is an error that says what to write.
Result<MetricPath> ParseMetricPath(std::string_view text);

// The known metric name closest to text (a few edits away, else the shortest name it is a
// prefix of), or "" when none is close enough.
std::string_view ClosestMetricName(std::string_view text);

}  // namespace inferbench::results
