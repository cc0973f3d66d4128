// Outlier policies over replicate values (DESIGN.md §5): which replicates lie unusually far from
// the others. The caller decides what to do with them (flag or exclude) and when a policy applies
// at all (the judge: only with n >= 5).
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace inferbench::stats {

enum class OutlierMethod {
  kMad,   // modified z-score (Iglewicz & Hoaglin): M = 0.6745 · (x − median) / MAD
  kIqr,   // Tukey fences: outside [Q1 − k·IQR, Q3 + k·IQR]
  kNone,  // never flags anything
};

struct OutlierFlag {
  size_t index;  // position in the input
  double value;
  // kMad: the signed modified z-score. kIqr: how far beyond the nearer fence, in IQRs (> 0).
  double score;
};

// The outliers of values, in input order.
//   kMad: flags |M| > threshold (3.5 is Iglewicz & Hoaglin's recommendation), where MAD is the
//     median of |x − median|. When MAD = 0 (more than half the values equal), the mean absolute
//     deviation from the median stands in: M = (x − median) / (1.253314 · MeanAD); when that is
//     also 0 every value is equal and nothing is flagged.
//   kIqr: threshold is the fence multiplier k (1.5 is Tukey's); quartiles are type 7
//     (stats/quantile.h). With IQR = 0 there is no scale to measure distance in, so nothing is
//     flagged (use kMad, whose fallback handles that case).
// Fewer than three values never have outliers.
// REQUIRES: no NaN among values; threshold > 0.
std::vector<OutlierFlag> FindOutliers(std::span<const double> values, OutlierMethod method,
                                      double threshold);

}  // namespace inferbench::stats
