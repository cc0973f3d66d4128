// Change points in a series of measurements: E-divisive means (Matteson & James 2014, "A
// nonparametric approach for multiple change point analysis of multivariate data", JASA), the
// method behind MongoDB's and DataStax Hunter's performance-regression detection.
//
// The statistic, with α = 1 (energy distance on |x − y|): for a segment split at τ into a left
// part L (m values) and a right part R (n values),
//
//   Q(τ) = m·n/(m + n) · ( 2/(m·n) Σ_{L×R}|x − y| − Σ_{L pairs}|x − y|/C(m,2) − Σ_{R pairs}|x − y|/C(n,2) )
//
// Each split's right part runs to the end of its segment (the paper's κ fixed at the segment's
// end; further steps are found by the repeated bisection below). The sums are kept with a
// Fenwick tree over ranks, so one scan of a segment of k values costs O(k log k).
//
// Multiple change points: start from the whole series; in every segment find the τ with the
// largest Q (both parts at least min_segment values); take the segment whose best Q is largest
// and test it with a permutation test: `permutations` times, shuffle the values inside every
// current segment and take the largest best-Q over segments; p = (#{permuted >= observed} + 1) /
// (permutations + 1). If p <= significance the split is accepted and the search repeats on the
// finer partition; otherwise it stops. All randomness comes from one Prng(seed), so the same
// series and options give the same change points on every machine.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace inferbench::stats {

struct ChangePointOptions {
  int min_segment = 3;         // smallest number of values on either side of a change (>= 2)
  int permutations = 199;      // permutation-test resamples per candidate
  double significance = 0.05;  // accept a change point when its p-value is at most this
  uint64_t seed = 0x45646976;  // seed of the permutation shuffles
  int max_change_points = 0;   // 0 = no limit
};

struct ChangePoint {
  size_t index = 0;      // first value after the change (the new segment starts here)
  double statistic = 0;  // Q at the split
  double p_value = 0;    // permutation-test p-value when it was accepted
};

// Change points in ascending index order; empty when the series is too short (fewer than
// 2 · min_segment values) or nothing is significant.
// REQUIRES: no NaN in series.
std::vector<ChangePoint> FindChangePoints(std::span<const double> series,
                                          const ChangePointOptions& options = {});

}  // namespace inferbench::stats
