#include "telemetry/engine_metrics.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>

namespace inferbench::telemetry {
namespace {

// Series of `name` matching `match`, keyed by their label set in label-name order (so the same
// series pairs up across scrapes whatever order the server printed its labels in).
std::map<Labels, double> SeriesOf(const PrometheusScrape& scrape, std::string_view name,
                                  const Labels& match) {
  std::map<Labels, double> series;
  for (const PrometheusSample& sample : scrape.samples) {
    if (sample.name != name || std::isnan(sample.value) || !LabelsInclude(sample.labels, match)) {
      continue;
    }
    Labels key = sample.labels;
    std::sort(key.begin(), key.end());
    series[std::move(key)] += sample.value;
  }
  return series;
}

// Mean of the gauge's `after` series, or nullopt when it has none.
std::optional<double> GaugeMean(const PrometheusScrape& scrape, std::string_view name,
                                const Labels& match) {
  const std::map<Labels, double> series = SeriesOf(scrape, name, match);
  if (series.empty()) return std::nullopt;
  double total = 0.0;
  for (const auto& [labels, value] : series) total += value;
  return total / static_cast<double>(series.size());
}

struct CounterSource {
  std::string_view queries;
  std::string_view hits;
};

constexpr CounterSource kCounterSources[] = {
    {"vllm:prefix_cache_queries_total", "vllm:prefix_cache_hits_total"},
    {"vllm:gpu_prefix_cache_queries_total", "vllm:gpu_prefix_cache_hits_total"},
};

constexpr std::string_view kGaugeSources[] = {
    "sglang:cache_hit_rate",
    "vllm:gpu_prefix_cache_hit_rate",
};

}  // namespace

double Delta(const PrometheusScrape& before, const PrometheusScrape& after, std::string_view name,
             const Labels& match, bool* found) {
  const std::map<Labels, double> after_series = SeriesOf(after, name, match);
  const std::map<Labels, double> before_series = SeriesOf(before, name, match);
  if (found != nullptr) *found = !after_series.empty();
  double total = 0.0;
  for (const auto& [labels, value] : after_series) {
    const auto it = before_series.find(labels);
    const double previous = it == before_series.end() ? 0.0 : it->second;
    total += value >= previous ? value - previous : value;
  }
  return total;
}

std::optional<double> PrefixCacheHitRate(const PrometheusScrape& before,
                                         const PrometheusScrape& after, const Labels& match,
                                         std::string* source) {
  for (const CounterSource& counters : kCounterSources) {
    bool has_queries = false;
    bool has_hits = false;
    const double queries = Delta(before, after, counters.queries, match, &has_queries);
    const double hits = Delta(before, after, counters.hits, match, &has_hits);
    if (!has_queries || !has_hits) continue;
    if (source != nullptr) *source = std::string(counters.queries);
    if (queries <= 0.0) return std::nullopt;
    return hits / queries;
  }
  for (std::string_view gauge : kGaugeSources) {
    const std::optional<double> rate = GaugeMean(after, gauge, match);
    if (!rate) continue;
    if (source != nullptr) *source = std::string(gauge);
    return rate;
  }
  return std::nullopt;
}

}  // namespace inferbench::telemetry
