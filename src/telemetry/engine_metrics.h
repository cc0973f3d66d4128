// Engine metric mappings: numbers computed from two /metrics scrapes of an inference server
// (before and after a load point), under the metric names vLLM and SGLang actually expose.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "telemetry/prometheus_text.h"

namespace inferbench::telemetry {

// Increase of counter `name` from `before` to `after`, summed over every series (label set) of
// `after` whose labels include `match`. Each series is paired with the series of identical labels
// in `before`; a series whose value went down was reset (server restart), so its whole `after`
// value is the increase, and a series missing from `before` counts from zero. Series present only
// in `before` are ignored, as are NaN values. `found` (optional) says whether `after` has any
// sample named `name` matching `match`; when it has none the result is 0.
double Delta(const PrometheusScrape& before, const PrometheusScrape& after, std::string_view name,
             const Labels& match = {}, bool* found = nullptr);

// prefix_cache_hit_rate over a point (DESIGN.md §4), first source found in `after` wins:
//   1. Δvllm:prefix_cache_hits_total / Δvllm:prefix_cache_queries_total (vLLM ≥ 0.9, V1);
//   2. Δvllm:gpu_prefix_cache_hits_total / Δvllm:gpu_prefix_cache_queries_total (the same token
//      counters under the V1 names deprecated in 0.9);
//   3. sglang:cache_hit_rate (a gauge: the mean of its `after` series);
//   4. vllm:gpu_prefix_cache_hit_rate (the V0 engine's gauge, likewise).
// vLLM counts both queries and hits in tokens. nullopt when no source is present, or when the
// counters of the chosen source saw no queries during the point. `source` (optional) receives
// the metric the rate came from (the queries counter or the gauge).
std::optional<double> PrefixCacheHitRate(const PrometheusScrape& before,
                                         const PrometheusScrape& after, const Labels& match = {},
                                         std::string* source = nullptr);

}  // namespace inferbench::telemetry
