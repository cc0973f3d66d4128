// telemetry/: what inferbench reads from and writes to Prometheus /metrics endpoints.
// Start here.
//
//   prometheus_text.h  The text exposition format 0.0.4. PrometheusWriter renders families,
//                      samples and histograms exactly as Python's prometheus_client does (so the
//                      simulator's /metrics looks like vLLM's); ParsePrometheusText turns a
//                      scraped body into a PrometheusScrape (samples, TYPE/HELP lines, and one
//                      error per bad line, the rest of the scrape kept).
//   histogram.h        Histogram: fixed `le` bounds with counts, sum and count, for exporters.
//   engine_metrics.h   Numbers derived from two scrapes of an engine: counter Delta (with reset
//                      handling) and PrefixCacheHitRate under vLLM's current and legacy names
//                      and SGLang's.
//   engine_mapping.h   One scrape read as engine-neutral gauges (running, waiting, KV usage, GPU
//                      utilisation/memory/power) and counters (preemptions, prompt/generation
//                      tokens, GPU energy) from vLLM (current and legacy names), SGLang and the
//                      DCGM exporter, each with the metric it came from.
//   point_telemetry.h  SummarizePoint: the scrapes around one load point → PointTelemetry
//                      (time-weighted gauge means and maxima, counter deltas, prefix cache hit
//                      rate, energy and tokens per joule); AddToScalars writes it as metrics.
//   sampler.h          ScrapeSampler: a background thread scraping every /metrics URL each
//                      second, plus ScrapeNow before and after a point. The only part that does
//                      I/O (net::Fetch) and owns a thread.
//
// Typical use by the runner, per point:
//
//   sampler.Start(metrics_urls);                 // once per run
//   sampler.TakeAll();                           // drop what came before the point
//   sampler.ScrapeNow();                         // "before"
//   … run the point over [start_ns, end_ns] …
//   sampler.ScrapeNow();                         // "after"
//   PointTelemetry t = SummarizePoint(sampler.TakeAll(), start_ns, end_ns, output_tokens);
//   AddToScalars(t, scalars);
//
// Or, by hand: scrape before and after a load point, parse both, then ask engine_metrics.h:
//
//   PrometheusScrape before = ParsePrometheusText(body_before);
//   PrometheusScrape after = ParsePrometheusText(body_after);
//   std::optional<double> hit_rate = PrefixCacheHitRate(before, after);
//
// Apart from ScrapeSampler nothing here does I/O or keeps global state; every function may be
// called from any thread.
#pragma once

#include "telemetry/engine_mapping.h"
#include "telemetry/engine_metrics.h"
#include "telemetry/histogram.h"
#include "telemetry/point_telemetry.h"
#include "telemetry/prometheus_text.h"
#include "telemetry/sampler.h"
