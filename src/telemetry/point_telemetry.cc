#include "telemetry/point_telemetry.h"

#include <algorithm>
#include <string_view>
#include <utility>

#include "telemetry/engine_mapping.h"
#include "telemetry/engine_metrics.h"

namespace inferbench::telemetry {
namespace {

constexpr double kNsPerSecond = 1e9;
constexpr double kMillijoulesPerJoule = 1e3;
// Keeps the series of different URLs apart when their scrapes are merged into one. Prometheus
// reserves label names starting with "__", so no exporter uses it.
constexpr std::string_view kUrlLabel = "__inferbench_url__";

// The successful scrapes of one URL, in time order.
struct UrlScrapes {
  std::string url;
  std::vector<const TimedScrape*> scrapes;
  // Indices of the last scrape at or before the window start (else the first) and of the first
  // at or after the window end (else the last): the span counters are read over.
  size_t first = 0;
  size_t last = 0;
};

std::vector<UrlScrapes> GroupByUrl(const std::vector<TimedScrape>& scrapes, int64_t start_ns,
                                   int64_t end_ns) {
  std::vector<UrlScrapes> groups;
  for (const TimedScrape& scrape : scrapes) {
    if (!scrape.error.empty()) continue;
    auto it = std::find_if(groups.begin(), groups.end(),
                           [&](const UrlScrapes& group) { return group.url == scrape.url; });
    if (it == groups.end()) {
      groups.push_back({scrape.url, {}, 0, 0});
      it = groups.end() - 1;
    }
    it->scrapes.push_back(&scrape);
  }
  for (UrlScrapes& group : groups) {
    std::stable_sort(
        group.scrapes.begin(), group.scrapes.end(),
        [](const TimedScrape* a, const TimedScrape* b) { return a->steady_ns < b->steady_ns; });
    const size_t n = group.scrapes.size();
    group.first = 0;
    group.last = n - 1;
    for (size_t i = 0; i < n; ++i) {
      if (group.scrapes[i]->steady_ns <= start_ns) group.first = i;
    }
    for (size_t i = n; i-- > 0;) {
      if (group.scrapes[i]->steady_ns >= end_ns) group.last = i;
    }
    if (group.last < group.first) group.last = group.first;
  }
  return groups;
}

// One URL's gauge samples, in time order.
struct Point {
  int64_t t_ns;
  double value;
};
using Series = std::vector<Point>;

// The series taken as linear between samples and flat outside them. REQUIRES: !series.empty().
double ValueAt(const Series& series, int64_t t_ns) {
  if (t_ns <= series.front().t_ns) return series.front().value;
  if (t_ns >= series.back().t_ns) return series.back().value;
  const auto next = std::upper_bound(series.begin(), series.end(), t_ns,
                                     [](int64_t t, const Point& p) { return t < p.t_ns; });
  const Point& b = *next;
  const Point& a = *(next - 1);
  if (b.t_ns == a.t_ns) return b.value;
  const double fraction = static_cast<double>(t_ns - a.t_ns) / static_cast<double>(b.t_ns - a.t_ns);
  return a.value + (b.value - a.value) * fraction;
}

enum class Combine { kSum, kMean };

struct GaugeSummary {
  std::optional<double> mean;
  std::optional<double> max;
  double integral_ns = 0.0;  // value × nanoseconds over the window
};

// Combines the URLs' series pointwise and summarises the result over [start_ns, end_ns].
GaugeSummary Summarize(const std::vector<Series>& per_url, int64_t start_ns, int64_t end_ns,
                       Combine combine) {
  std::vector<const Series*> present;
  std::vector<int64_t> sample_times;
  for (const Series& series : per_url) {
    if (series.empty()) continue;
    present.push_back(&series);
    for (const Point& point : series) sample_times.push_back(point.t_ns);
  }
  GaugeSummary summary;
  if (present.empty()) return summary;
  const auto combined = [&](int64_t t_ns) {
    double total = 0.0;
    for (const Series* series : present) total += ValueAt(*series, t_ns);
    return combine == Combine::kSum ? total : total / static_cast<double>(present.size());
  };
  std::sort(sample_times.begin(), sample_times.end());
  sample_times.erase(std::unique(sample_times.begin(), sample_times.end()), sample_times.end());

  double max = combined(sample_times.front());
  double plain_total = 0.0;
  for (int64_t t_ns : sample_times) {
    const double value = combined(t_ns);
    max = std::max(max, value);
    plain_total += value;
  }
  summary.max = max;
  if (end_ns <= start_ns) {
    summary.mean = plain_total / static_cast<double>(sample_times.size());
    return summary;
  }
  // Exact integral of a piecewise-linear curve: trapezoids between its breakpoints.
  std::vector<int64_t> breakpoints = {start_ns};
  for (int64_t t_ns : sample_times) {
    if (t_ns > start_ns && t_ns < end_ns) breakpoints.push_back(t_ns);
  }
  breakpoints.push_back(end_ns);
  double integral = 0.0;
  double previous = combined(breakpoints.front());
  for (size_t i = 1; i < breakpoints.size(); ++i) {
    const double current = combined(breakpoints[i]);
    integral +=
        0.5 * (previous + current) * static_cast<double>(breakpoints[i] - breakpoints[i - 1]);
    previous = current;
  }
  summary.integral_ns = integral;
  summary.mean = integral / static_cast<double>(end_ns - start_ns);
  return summary;
}

// Increase of a counter over each URL's [first, last] span, summed over URLs; nullopt when no
// URL has the counter and two scrapes in its span.
std::optional<double> CounterIncrease(const std::vector<UrlScrapes>& groups,
                                      EngineCounter counter) {
  std::optional<double> total;
  for (const UrlScrapes& group : groups) {
    if (group.last <= group.first) continue;
    const std::string_view name = CounterSource(group.scrapes[group.last]->scrape, counter);
    if (name.empty()) continue;
    double increase = 0.0;
    for (size_t i = group.first; i < group.last; ++i) {
      increase += Delta(group.scrapes[i]->scrape, group.scrapes[i + 1]->scrape, name);
    }
    total = total.value_or(0.0) + increase;
  }
  return total;
}

// Increase of the energy counter over exactly [start_ns, end_ns], millijoules: the counter's
// running increase along each URL's scrapes, interpolated linearly at both window ends.
std::optional<double> EnergyCounterIncreaseMj(const std::vector<UrlScrapes>& groups,
                                              int64_t start_ns, int64_t end_ns) {
  std::optional<double> total;
  for (const UrlScrapes& group : groups) {
    if (group.last <= group.first) continue;
    const std::string_view name =
        CounterSource(group.scrapes[group.last]->scrape, EngineCounter::kGpuEnergyMj);
    if (name.empty()) continue;
    Series cumulative = {{group.scrapes[group.first]->steady_ns, 0.0}};
    for (size_t i = group.first; i < group.last; ++i) {
      const double step = Delta(group.scrapes[i]->scrape, group.scrapes[i + 1]->scrape, name);
      cumulative.push_back({group.scrapes[i + 1]->steady_ns, cumulative.back().value + step});
    }
    total = total.value_or(0.0) + ValueAt(cumulative, end_ns) - ValueAt(cumulative, start_ns);
  }
  return total;
}

// Copies `scrape`'s samples into `into`, each tagged with the URL.
void AppendTagged(const TimedScrape& scrape, PrometheusScrape& into) {
  for (PrometheusSample sample : scrape.scrape.samples) {
    sample.labels.emplace_back(std::string(kUrlLabel), scrape.url);
    into.samples.push_back(std::move(sample));
  }
}

}  // namespace

PointTelemetry SummarizePoint(const std::vector<TimedScrape>& scrapes, int64_t window_start_ns,
                              int64_t window_end_ns, double output_tokens) {
  PointTelemetry out;
  out.scrape_count = static_cast<int>(scrapes.size());
  for (const TimedScrape& scrape : scrapes) {
    if (!scrape.error.empty()) ++out.scrape_errors;
  }
  const std::vector<UrlScrapes> groups = GroupByUrl(scrapes, window_start_ns, window_end_ns);

  // Gauges: one series per URL and quantity, from the scrapes inside the window.
  const size_t url_count = groups.size();
  std::vector<Series> running(url_count), waiting(url_count), kv_usage(url_count),
      gpu_util(url_count), gpu_mem_used(url_count), gpu_power(url_count);
  for (size_t u = 0; u < url_count; ++u) {
    for (const TimedScrape* scrape : groups[u].scrapes) {
      const int64_t t_ns = scrape->steady_ns;
      if (t_ns < window_start_ns || t_ns > window_end_ns) continue;
      const EngineGauges gauges = ReadGauges(scrape->scrape);
      const auto add = [t_ns](const std::optional<double>& value, Series& series) {
        if (value) series.push_back({t_ns, *value});
      };
      add(gauges.running, running[u]);
      add(gauges.waiting, waiting[u]);
      add(gauges.kv_usage, kv_usage[u]);
      add(gauges.gpu_util_pct, gpu_util[u]);
      add(gauges.gpu_mem_used_mib, gpu_mem_used[u]);
      add(gauges.gpu_power_w, gpu_power[u]);
    }
  }
  const auto summarize = [&](const std::vector<Series>& series, Combine combine) {
    return Summarize(series, window_start_ns, window_end_ns, combine);
  };
  const GaugeSummary running_summary = summarize(running, Combine::kSum);
  out.server_running_mean = running_summary.mean;
  out.server_running_max = running_summary.max;
  const GaugeSummary waiting_summary = summarize(waiting, Combine::kSum);
  out.server_waiting_mean = waiting_summary.mean;
  out.server_waiting_max = waiting_summary.max;
  const GaugeSummary kv_summary = summarize(kv_usage, Combine::kMean);
  out.kv_cache_usage_mean = kv_summary.mean;
  out.kv_cache_usage_max = kv_summary.max;
  out.gpu_util_mean_pct = summarize(gpu_util, Combine::kMean).mean;
  out.gpu_mem_used_max_mib = summarize(gpu_mem_used, Combine::kSum).max;
  const GaugeSummary power_summary = summarize(gpu_power, Combine::kSum);
  out.gpu_power_mean_w = power_summary.mean;

  // Counters over each URL's span.
  out.preemptions = CounterIncrease(groups, EngineCounter::kPreemptions);
  out.server_prompt_tokens = CounterIncrease(groups, EngineCounter::kPromptTokens);
  out.server_generation_tokens = CounterIncrease(groups, EngineCounter::kGenerationTokens);

  PrometheusScrape before;
  PrometheusScrape after;
  for (const UrlScrapes& group : groups) {
    AppendTagged(*group.scrapes[group.first], before);
    AppendTagged(*group.scrapes[group.last], after);
  }
  std::string hit_rate_source;
  out.prefix_cache_hit_rate = PrefixCacheHitRate(before, after, {}, &hit_rate_source);
  if (out.prefix_cache_hit_rate) out.prefix_cache_hit_rate_source = std::move(hit_rate_source);

  if (const std::optional<double> energy_mj =
          EnergyCounterIncreaseMj(groups, window_start_ns, window_end_ns)) {
    out.energy_j = *energy_mj / kMillijoulesPerJoule;
    out.energy_source = "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION";
  } else if (power_summary.mean && window_end_ns > window_start_ns) {
    out.energy_j = power_summary.integral_ns / kNsPerSecond;
    out.energy_source = "DCGM_FI_DEV_POWER_USAGE";
  }
  if (out.energy_j && *out.energy_j > 0.0) out.tokens_per_joule = output_tokens / *out.energy_j;
  return out;
}

void AddToScalars(const PointTelemetry& telemetry, std::map<std::string, double>& scalars) {
  const std::pair<const char*, const std::optional<double>*> fields[] = {
      {"server_running_mean", &telemetry.server_running_mean},
      {"server_running_max", &telemetry.server_running_max},
      {"server_waiting_mean", &telemetry.server_waiting_mean},
      {"server_waiting_max", &telemetry.server_waiting_max},
      {"kv_cache_usage_mean", &telemetry.kv_cache_usage_mean},
      {"kv_cache_usage_max", &telemetry.kv_cache_usage_max},
      {"preemptions", &telemetry.preemptions},
      {"prefix_cache_hit_rate", &telemetry.prefix_cache_hit_rate},
      {"server_prompt_tokens", &telemetry.server_prompt_tokens},
      {"server_generation_tokens", &telemetry.server_generation_tokens},
      {"gpu_util_mean_pct", &telemetry.gpu_util_mean_pct},
      {"gpu_mem_used_max_mib", &telemetry.gpu_mem_used_max_mib},
      {"gpu_power_mean_w", &telemetry.gpu_power_mean_w},
      {"energy_j", &telemetry.energy_j},
      {"tokens_per_joule", &telemetry.tokens_per_joule},
  };
  for (const auto& [name, value] : fields) {
    if (value->has_value()) scalars[name] = **value;
  }
  if (telemetry.scrape_count > 0) {
    scalars["scrape_count"] = telemetry.scrape_count;
    scalars["scrape_errors"] = telemetry.scrape_errors;
  }
}

}  // namespace inferbench::telemetry
