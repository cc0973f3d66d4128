#include "core/distributions.h"

#include <cassert>
#include <cmath>

namespace inferbench {
namespace {

// Uniform in (0, 1]: safe to take the logarithm of.
double NextOpenZero(Prng& prng) { return 1.0 - prng.NextDouble(); }

double StandardNormal(Prng& prng) {
  for (;;) {
    const double u = 2.0 * prng.NextDouble() - 1.0;
    const double v = 2.0 * prng.NextDouble() - 1.0;
    const double s = u * u + v * v;
    if (s > 0.0 && s < 1.0) return u * std::sqrt(-2.0 * std::log(s) / s);
  }
}

// Marsaglia–Tsang for shape >= 1, scale 1.
double StandardGammaAtLeastOne(Prng& prng, double shape) {
  const double d = shape - 1.0 / 3.0;
  const double c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    const double x = StandardNormal(prng);
    const double t = 1.0 + c * x;
    if (t <= 0.0) continue;
    const double v = t * t * t;
    const double u = NextOpenZero(prng);
    const double x2 = x * x;
    if (u < 1.0 - 0.0331 * x2 * x2) return d * v;
    if (std::log(u) < 0.5 * x2 + d * (1.0 - v + std::log(v))) return d * v;
  }
}

}  // namespace

double SampleUniform(Prng& prng, double lo, double hi) {
  assert(lo <= hi);
  return lo + (hi - lo) * prng.NextDouble();
}

double SampleNormal(Prng& prng, double mean, double stddev) {
  assert(stddev >= 0.0);
  return mean + stddev * StandardNormal(prng);
}

double SampleLogNormal(Prng& prng, double mu, double sigma) {
  assert(sigma >= 0.0);
  return std::exp(SampleNormal(prng, mu, sigma));
}

double SampleExponential(Prng& prng, double rate) {
  assert(rate > 0.0);
  return -std::log1p(-prng.NextDouble()) / rate;
}

double SampleGamma(Prng& prng, double shape, double scale) {
  assert(shape > 0.0 && scale > 0.0);
  if (shape >= 1.0) return StandardGammaAtLeastOne(prng, shape) * scale;
  const double g = StandardGammaAtLeastOne(prng, shape + 1.0);
  return g * std::pow(NextOpenZero(prng), 1.0 / shape) * scale;
}

}  // namespace inferbench
