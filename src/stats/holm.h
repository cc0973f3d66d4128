// Holm's step-down correction (Holm 1979) for a family of tests: it keeps the probability of
// any false rejection in the family at most α, whatever the dependence between the tests.
// Compare uses it across metrics × points so an A/A comparison raises a false alarm at most at
// the declared α (DESIGN.md §7).
//
// Sort the m p-values ascending, p(1) <= … <= p(m). Walking up from rank 0, test r is rejected
// while p(r) <= α / (m − r); the first test that is not stops the walk, and it and every larger
// p-value are kept.
#pragma once

#include <span>
#include <vector>

namespace inferbench::stats {

struct HolmDecision {
  bool rejected = false;
  // α / (m − rank): the level this test's p-value is held against at its rank (for a rejected
  // test, the significance level its confidence interval should be recomputed at: 1 − level).
  double level = 0;
  int rank = 0;  // 0-based position in the ascending order (ties keep input order)
  // Holm-adjusted p-value: max over ranks <= this one of min(1, (m − rank) · p); a test is
  // rejected exactly when adjusted_p <= α.
  double adjusted_p = 0;
};

// One decision per p-value, in input order. A NaN p-value counts in m but is never rejected
// (it sorts last and has adjusted_p NaN).
// REQUIRES: 0 < alpha < 1.
std::vector<HolmDecision> Holm(std::span<const double> p_values, double alpha);

}  // namespace inferbench::stats
