// Sample quantiles as the whole project computes them (DESIGN.md §4): Hyndman & Fan (1996)
// definition 7, R's default and NumPy's "linear". For sorted x[0..n-1] and level q,
//   h = (n - 1) · q,  Q(q) = x[⌊h⌋] + (h − ⌊h⌋) · (x[⌊h⌋ + 1] − x[⌊h⌋]).
#pragma once

#include <span>

namespace inferbench::stats {

// The type-7 quantile of sorted at level q.
// REQUIRES: sorted is non-empty and ascending (no NaN); 0 <= q <= 1.
double QuantileSorted(std::span<const double> sorted, double q);

}  // namespace inferbench::stats
