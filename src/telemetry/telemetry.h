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
//
// Typical use: scrape before and after a load point, parse both, then ask engine_metrics.h:
//
//   PrometheusScrape before = ParsePrometheusText(body_before);
//   PrometheusScrape after = ParsePrometheusText(body_after);
//   std::optional<double> hit_rate = PrefixCacheHitRate(before, after);
//
// Nothing here does I/O or keeps global state; every function may be called from any thread.
#pragma once

#include "telemetry/engine_metrics.h"
#include "telemetry/histogram.h"
#include "telemetry/prometheus_text.h"
