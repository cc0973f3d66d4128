// stats/: numbers about samples. Start here.
//
//   quantile.h      QuantileSorted: Hyndman–Fan type 7 (R's default, linear interpolation).
//   descriptive.h   Describe: mean, std, min, p50 … p999, max, n, and the low_n quantiles.
//   confidence.h    TInterval (Student-t) and BootstrapInterval (seeded percentile bootstrap) of
//                   a mean across replicates.
//   outliers.h      FindOutliers: modified z-score (MAD) or IQR fences over replicate values.
//   sol.h           The speed-of-light decode ceiling and sol_pct (DESIGN.md §8).
//   cost.h          CostPerMtokUsd (DESIGN.md §4).
//
// Namespace: inferbench::stats. Depends on core/ only (plus Boost.Math inside confidence.cc).
// Pure functions, no I/O; the bootstrap's randomness comes from a seed the caller passes.
// The VERDICT/DRAFT tier that combines these lives in runner/judge.h.
#pragma once

#include "stats/confidence.h"
#include "stats/cost.h"
#include "stats/descriptive.h"
#include "stats/outliers.h"
#include "stats/quantile.h"
#include "stats/sol.h"
