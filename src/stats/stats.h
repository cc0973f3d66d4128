// stats/: numbers about samples. Start here.
//
//   quantile.h      QuantileSorted: Hyndman–Fan type 7 (R's default, linear interpolation).
//   descriptive.h   Describe: mean, std, min, p50 … p999, max, n, and the low_n quantiles.
//   confidence.h    TInterval (Student-t) and BootstrapInterval (seeded percentile bootstrap) of
//                   a mean across replicates.
//   outliers.h      FindOutliers: modified z-score (MAD) or IQR fences over replicate values.
//   sol.h           The speed-of-light decode ceiling and sol_pct (DESIGN.md §8).
//   cost.h          CostPerMtokUsd (DESIGN.md §4).
//   change_ci.h     RelativeChangeOfMeans: mean(b)/mean(a) − 1 with a Welch (or bootstrap) CI
//                   and the Welch p-value — what `compare` judges.
//   holm.h          Holm's step-down correction across a family of tests.
//   prediction_interval.h  PredictNext: the interval for one more observation of a series.
//   changepoint.h   FindChangePoints: E-divisive means with a seeded permutation test.
//
// Namespace: inferbench::stats. Depends on core/ only (plus Boost.Math inside confidence.cc).
// Pure functions, no I/O; the bootstrap's randomness comes from a seed the caller passes.
// The VERDICT/DRAFT tier that combines these lives in runner/judge.h.
#pragma once

#include "stats/change_ci.h"
#include "stats/changepoint.h"
#include "stats/confidence.h"
#include "stats/cost.h"
#include "stats/descriptive.h"
#include "stats/holm.h"
#include "stats/outliers.h"
#include "stats/prediction_interval.h"
#include "stats/quantile.h"
#include "stats/sol.h"
