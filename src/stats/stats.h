// stats/: numbers about samples. Start here.
//
//   quantile.h      QuantileSorted: Hyndman–Fan type 7 (R's default, linear interpolation).
//   descriptive.h   Describe: mean, std, min, p50 … p999, max, n, and the low_n quantiles.
//
// Namespace: inferbench::stats. Depends on core/ only. Pure functions, no I/O, no randomness.
// Still to come: confidence intervals, bootstrap, outlier policy, significance tests and the
// verdict tier (DESIGN.md §2.4–2.5).
#pragma once

#include "stats/descriptive.h"
#include "stats/quantile.h"
