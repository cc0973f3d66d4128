#include "stats/changepoint.h"

#include <algorithm>
#include <cassert>
#include <numeric>
#include <utility>

#include "core/prng.h"

namespace inferbench::stats {
namespace {

// Counts and sums of the values inserted so far, indexed by rank (Fenwick tree).
class RankSums {
 public:
  explicit RankSums(size_t size) : count_(size + 1, 0), sum_(size + 1, 0) {}

  void Insert(size_t rank, double value) {
    for (size_t i = rank + 1; i < count_.size(); i += i & (~i + 1)) {
      count_[i] += 1;
      sum_[i] += value;
    }
  }
  // Count and sum of inserted values with rank < rank.
  std::pair<double, double> Below(size_t rank) const {
    double count = 0;
    double sum = 0;
    for (size_t i = rank; i > 0; i -= i & (~i + 1)) {
      count += count_[i];
      sum += sum_[i];
    }
    return {count, sum};
  }

 private:
  std::vector<double> count_;
  std::vector<double> sum_;
};

struct Split {
  size_t tau = 0;  // relative to the segment's start
  double q = 0;
  bool valid = false;
};

// Σ|value − x| over the values inserted into sums, whose totals are (count, total).
double DistanceToInserted(const RankSums& sums, size_t rank, double value, double count,
                          double total) {
  const auto [below_count, below_sum] = sums.Below(rank);
  const double above_count = count - below_count;
  const double above_sum = total - below_sum;
  return value * below_count - below_sum + above_sum - value * above_count;
}

// The best split of values (every τ with both parts >= min_segment).
Split BestSplit(std::span<const double> values, size_t min_segment) {
  const size_t k = values.size();
  Split best;
  if (k < 2 * min_segment) return best;
  std::vector<size_t> order(k);
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t x, size_t y) { return values[x] < values[y]; });
  std::vector<size_t> rank(k);
  for (size_t r = 0; r < k; ++r) rank[order[r]] = r;

  // within_left[t]: Σ|x − y| over pairs in values[0, t); within_right[t]: over pairs in [t, k).
  std::vector<double> within_left(k + 1, 0);
  std::vector<double> within_right(k + 1, 0);
  {
    RankSums sums(k);
    double total = 0;
    for (size_t t = 0; t < k; ++t) {
      within_left[t + 1] =
          within_left[t] + DistanceToInserted(sums, rank[t], values[t], static_cast<double>(t), total);
      sums.Insert(rank[t], values[t]);
      total += values[t];
    }
  }
  {
    RankSums sums(k);
    double total = 0;
    for (size_t t = k; t-- > 0;) {
      within_right[t] = within_right[t + 1] + DistanceToInserted(sums, rank[t], values[t],
                                                                 static_cast<double>(k - 1 - t), total);
      sums.Insert(rank[t], values[t]);
      total += values[t];
    }
  }
  const double all_pairs = within_left[k];
  for (size_t tau = min_segment; tau + min_segment <= k; ++tau) {
    const double m = static_cast<double>(tau);
    const double n = static_cast<double>(k - tau);
    const double between = all_pairs - within_left[tau] - within_right[tau];
    const double energy = 2 * between / (m * n) - within_left[tau] / (m * (m - 1) / 2) -
                          within_right[tau] / (n * (n - 1) / 2);
    const double q = m * n / (m + n) * energy;
    if (!best.valid || q > best.q) best = Split{tau, q, true};
  }
  return best;
}

struct Candidate {
  size_t segment = 0;  // index into the segment boundaries
  Split split;
};

// The segment (between consecutive bounds) with the largest best-split statistic.
Candidate BestCandidate(std::span<const double> series, const std::vector<size_t>& bounds,
                        size_t min_segment) {
  Candidate best;
  for (size_t s = 0; s + 1 < bounds.size(); ++s) {
    const Split split =
        BestSplit(series.subspan(bounds[s], bounds[s + 1] - bounds[s]), min_segment);
    if (split.valid && (!best.split.valid || split.q > best.split.q)) best = Candidate{s, split};
  }
  return best;
}

void ShuffleSegments(std::vector<double>& values, const std::vector<size_t>& bounds, Prng& prng) {
  for (size_t s = 0; s + 1 < bounds.size(); ++s) {
    for (size_t i = bounds[s + 1] - 1; i > bounds[s]; --i) {
      const size_t j = bounds[s] + prng.NextBelow(i - bounds[s] + 1);
      std::swap(values[i], values[j]);
    }
  }
}

}  // namespace

std::vector<ChangePoint> FindChangePoints(std::span<const double> series,
                                          const ChangePointOptions& options) {
  assert(options.permutations >= 1);
  const size_t min_segment = static_cast<size_t>(std::max(options.min_segment, 2));
  std::vector<size_t> bounds = {0, series.size()};
  std::vector<ChangePoint> found;
  Prng prng(options.seed);
  std::vector<double> shuffled(series.size());
  while (options.max_change_points <= 0 ||
         found.size() < static_cast<size_t>(options.max_change_points)) {
    const Candidate observed = BestCandidate(series, bounds, min_segment);
    if (!observed.split.valid) break;
    int at_least_as_large = 0;
    std::copy(series.begin(), series.end(), shuffled.begin());
    for (int r = 0; r < options.permutations; ++r) {
      ShuffleSegments(shuffled, bounds, prng);
      const Candidate permuted = BestCandidate(shuffled, bounds, min_segment);
      if (permuted.split.valid && permuted.split.q >= observed.split.q) ++at_least_as_large;
    }
    const double p_value = (at_least_as_large + 1.0) / (options.permutations + 1.0);
    if (p_value > options.significance) break;
    const size_t index = bounds[observed.segment] + observed.split.tau;
    found.push_back(ChangePoint{index, observed.split.q, p_value});
    bounds.insert(bounds.begin() + static_cast<std::ptrdiff_t>(observed.segment) + 1, index);
  }
  std::sort(found.begin(), found.end(),
            [](const ChangePoint& x, const ChangePoint& y) { return x.index < y.index; });
  return found;
}

}  // namespace inferbench::stats
