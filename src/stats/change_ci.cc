#include "stats/change_ci.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <vector>

#include <boost/math/distributions/students_t.hpp>

#include "core/prng.h"
#include "stats/quantile.h"

namespace inferbench::stats {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct Moments {
  double n = 0;
  double mean = 0;
  double variance = 0;  // sample variance (n − 1)
};

Moments MomentsOf(std::span<const double> values) {
  Moments m;
  m.n = static_cast<double>(values.size());
  if (values.empty()) return m;
  double sum = 0;
  for (double v : values) sum += v;
  m.mean = sum / m.n;
  if (values.size() < 2) return m;
  double squares = 0;
  for (double v : values) squares += (v - m.mean) * (v - m.mean);
  m.variance = squares / (m.n - 1);
  return m;
}

struct Welch {
  double difference = 0;  // mean(b) − mean(a)
  double se = 0;          // standard error of the difference
  double df = kNaN;
  double p_value = kNaN;
};

// REQUIRES: both samples have at least two values.
Welch WelchOf(const Moments& a, const Moments& b) {
  Welch w;
  w.difference = b.mean - a.mean;
  const double va = a.variance / a.n;
  const double vb = b.variance / b.n;
  const double se2 = va + vb;
  if (se2 == 0) {
    w.p_value = w.difference == 0 ? 1.0 : 0.0;
    return w;
  }
  w.se = std::sqrt(se2);
  w.df = se2 * se2 / (va * va / (a.n - 1) + vb * vb / (b.n - 1));
  const boost::math::students_t t(w.df);
  const double statistic = std::abs(w.difference) / w.se;
  w.p_value = std::min(1.0, 2 * boost::math::cdf(boost::math::complement(t, statistic)));
  return w;
}

double MeanOfResample(std::span<const double> values, Prng& prng) {
  double sum = 0;
  for (size_t i = 0; i < values.size(); ++i) sum += values[prng.NextBelow(values.size())];
  return sum / static_cast<double>(values.size());
}

// mean_b / mean_a − 1 with 0/0 read as "no change" and x/0 as an infinite change.
double RatioChange(double mean_a, double mean_b) {
  if (mean_a == 0) {
    if (mean_b == 0) return 0;
    return mean_b > 0 ? std::numeric_limits<double>::infinity()
                      : -std::numeric_limits<double>::infinity();
  }
  return mean_b / mean_a - 1;
}

}  // namespace

double WelchPValue(std::span<const double> a, std::span<const double> b) {
  if (a.size() < 2 || b.size() < 2) return kNaN;
  return WelchOf(MomentsOf(a), MomentsOf(b)).p_value;
}

RelativeChange RelativeChangeOfMeans(std::span<const double> a, std::span<const double> b,
                                     double confidence, uint64_t seed, int resamples) {
  assert(confidence > 0 && confidence < 1);
  assert(resamples >= 1);
  const Moments ma = MomentsOf(a);
  const Moments mb = MomentsOf(b);
  RelativeChange out;
  out.mean_a = a.empty() ? kNaN : ma.mean;
  out.mean_b = b.empty() ? kNaN : mb.mean;
  out.confidence = confidence;
  out.change = (a.empty() || b.empty() || ma.mean == 0) ? kNaN : mb.mean / ma.mean - 1;
  out.low = out.high = out.p_value = out.df = kNaN;
  out.method = "none";
  if (a.size() < 2 || b.size() < 2) return out;

  const Welch welch = WelchOf(ma, mb);
  out.p_value = welch.p_value;
  out.df = welch.df;
  if (ma.mean == 0) {
    // Only "nothing at all on either side" has a meaningful relative change.
    if (mb.mean == 0 && welch.se == 0) {
      out.change = out.low = out.high = 0;
      out.method = "welch";
    }
    return out;
  }

  if (a.size() >= kBootstrapMinN && b.size() >= kBootstrapMinN) {
    Prng prng(seed);
    std::vector<double> changes;
    changes.reserve(static_cast<size_t>(resamples));
    for (int r = 0; r < resamples; ++r) {
      const double mean_a = MeanOfResample(a, prng);
      const double mean_b = MeanOfResample(b, prng);
      changes.push_back(RatioChange(mean_a, mean_b));
    }
    std::sort(changes.begin(), changes.end());
    out.low = QuantileSorted(changes, (1 - confidence) / 2);
    out.high = QuantileSorted(changes, (1 + confidence) / 2);
    out.method = "bootstrap";
    return out;
  }

  double half_width = 0;
  if (welch.se > 0) {
    const boost::math::students_t t(welch.df);
    half_width = boost::math::quantile(t, (1 + confidence) / 2) * welch.se;
  }
  const double low = (welch.difference - half_width) / ma.mean;
  const double high = (welch.difference + half_width) / ma.mean;
  out.low = std::min(low, high);
  out.high = std::max(low, high);
  out.method = "welch";
  return out;
}

}  // namespace inferbench::stats
