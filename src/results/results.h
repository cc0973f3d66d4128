// results/: the shared vocabulary of measurements. Start here.
//
//   point.h           Point and its canonical point string: concurrency=N, rate=X, trace,
//                     sessions=N.
//   metric_names.h    Every metric (unit, distribution or scalar, good direction, meaning);
//                     metric paths "ttft_ms.p99"; statistics mean … max.
//   request_record.h  RequestRecord: one request's timestamps, token counts and outcome; the
//                     requests.jsonl line format; derived TTFT/TPOT/… per request.
//   summary.h         summary.json structs: RunSummary > PointSummary > DistributionSummary,
//                     window, client self-check, timeslices.
//   json_fields.h     (internal) typed field reading for the FromJson functions.
//
// Namespace: inferbench::results. Depends on core/ only. Holds data and its formats, no
// statistics (stats/) and no I/O (evidence/, load/).
#pragma once

#include "results/metric_names.h"
#include "results/point.h"
#include "results/request_record.h"
#include "results/summary.h"
