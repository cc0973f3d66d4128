// Samplers for the random dimensions of a workload (lengths, arrivals, …), written here instead of
// using std::*_distribution, whose algorithms differ between standard libraries (DESIGN.md §2.7).
//
// Each sampler draws from the given Prng only, so the same seed gives the same values everywhere
// the C library's log/exp/pow/sqrt give the same results (sqrt is exact in IEEE 754; glibc's
// log/exp/pow are correctly rounded in practice). core/ is built with -ffp-contract=off so the
// compiler cannot fuse multiply-adds differently on different machines.
//
// The number of Prng draws a sampler consumes is part of its contract (documented per function):
// changing it shifts every later value of the stream.
#pragma once

#include "core/prng.h"

namespace inferbench {

// Uniform in [lo, hi): lo + (hi - lo) * u. One draw. REQUIRES: lo <= hi.
double SampleUniform(Prng& prng, double lo, double hi);

// Normal(mean, stddev) by the Marsaglia polar method: draw (u, v) uniform in (-1, 1)^2 until
// 0 < s = u² + v² < 1 (two draws per attempt, 4/π attempts on average), return
// mean + stddev · u · sqrt(-2 ln s / s). The polar method needs no sin/cos, leaving log and the
// exact sqrt as the only library calls. The second normal of the pair is discarded so the
// function stays stateless. REQUIRES: stddev >= 0.
double SampleNormal(Prng& prng, double mean, double stddev);

// exp(Normal(mu, sigma)): mu and sigma are the mean and stddev of the logarithm.
// Same draws as SampleNormal. REQUIRES: sigma >= 0.
double SampleLogNormal(Prng& prng, double mu, double sigma);

// Exponential with the given rate (mean 1/rate) by the inverse CDF: -ln(1 - u) / rate, computed
// with log1p for accuracy near 0. One draw. REQUIRES: rate > 0.
double SampleExponential(Prng& prng, double rate);

// Gamma(shape k, scale θ) (mean kθ, variance kθ²) by Marsaglia & Tsang (2000): with d = k - 1/3
// and c = 1/sqrt(9d), repeat x = Normal(0,1), v = (1 + c·x)³, u uniform in (0, 1] until
// v > 0 and (u < 1 - 0.0331·x⁴ or ln u < x²/2 + d·(1 - v + ln v)); return d·v·θ.
// For k < 1 it samples Gamma(k + 1) and multiplies by u^(1/k) (one more draw), the boost the
// same paper gives. REQUIRES: shape > 0, scale > 0.
double SampleGamma(Prng& prng, double shape, double scale);

}  // namespace inferbench
