#include "core/distributions.h"

#include <cmath>
#include <functional>
#include <vector>

#include <gtest/gtest.h>

namespace inferbench {
namespace {

// Golden values: first draws for seed 7, computed with this implementation and cross-checked
// against an independent Python transcription (same IEEE doubles, same libm).
TEST(DistributionsTest, GoldenUniform) {
  Prng prng(7);
  EXPECT_DOUBLE_EQ(SampleUniform(prng, 3, 5), 4.40115296435938);
  EXPECT_DOUBLE_EQ(SampleUniform(prng, 3, 5), 3.5575024589475683);
  EXPECT_DOUBLE_EQ(SampleUniform(prng, 3, 5), 4.67925492375284);
}

TEST(DistributionsTest, GoldenNormal) {
  Prng prng(7);
  EXPECT_DOUBLE_EQ(SampleNormal(prng, 10, 2), 11.928723705451038);
  EXPECT_DOUBLE_EQ(SampleNormal(prng, 10, 2), 9.392139752268687);
  EXPECT_DOUBLE_EQ(SampleNormal(prng, 10, 2), 10.609588716652773);
  EXPECT_DOUBLE_EQ(SampleNormal(prng, 10, 2), 6.597961857011866);
}

TEST(DistributionsTest, GoldenLogNormal) {
  Prng prng(7);
  EXPECT_DOUBLE_EQ(SampleLogNormal(prng, 0.5, 0.25), 2.0982223016054373);
  EXPECT_DOUBLE_EQ(SampleLogNormal(prng, 0.5, 0.25), 1.5280882877765185);
  EXPECT_DOUBLE_EQ(SampleLogNormal(prng, 0.5, 0.25), 1.7792618540868486);
}

TEST(DistributionsTest, GoldenExponential) {
  Prng prng(7);
  EXPECT_DOUBLE_EQ(SampleExponential(prng, 0.5), 2.4117925204948993);
  EXPECT_DOUBLE_EQ(SampleExponential(prng, 0.5), 0.6535423316086182);
  EXPECT_DOUBLE_EQ(SampleExponential(prng, 0.5), 3.660511613826931);
}

TEST(DistributionsTest, GoldenGamma) {
  Prng prng(7);
  EXPECT_DOUBLE_EQ(SampleGamma(prng, 2.5, 2.0), 7.837466201752795);
  EXPECT_DOUBLE_EQ(SampleGamma(prng, 2.5, 2.0), 2.2228872570057803);
  EXPECT_DOUBLE_EQ(SampleGamma(prng, 2.5, 2.0), 5.293981617503537);
  Prng small(7);
  EXPECT_DOUBLE_EQ(SampleGamma(small, 0.3, 1.0), 4.063372561683205e-06);
  EXPECT_DOUBLE_EQ(SampleGamma(small, 0.3, 1.0), 0.008672443604576403);
  EXPECT_DOUBLE_EQ(SampleGamma(small, 0.3, 1.0), 0.009043307606824322);
}

struct Moments {
  double mean = 0;
  double variance = 0;
};

constexpr int kDraws = 200000;

Moments Measure(uint64_t seed, const std::function<double(Prng&)>& sample) {
  Prng prng(seed);
  std::vector<double> xs(kDraws);
  double sum = 0;
  for (double& x : xs) {
    x = sample(prng);
    sum += x;
  }
  Moments m;
  m.mean = sum / kDraws;
  double ss = 0;
  for (double x : xs) ss += (x - m.mean) * (x - m.mean);
  m.variance = ss / (kDraws - 1);
  return m;
}

// Tolerances: 5 standard errors for the mean; the variance bound is relative and scaled to the
// distribution's kurtosis. Seeds are fixed, so the tests are deterministic, but a wrong formula
// (a missing factor, a swapped parameter) moves the moments far outside these bounds.
void ExpectMoments(const Moments& m, double mean, double variance, double variance_rel_tol) {
  const double mean_tol = 5 * std::sqrt(variance / kDraws);
  EXPECT_NEAR(m.mean, mean, mean_tol);
  EXPECT_NEAR(m.variance, variance, variance_rel_tol * variance);
}

TEST(DistributionsTest, UniformMoments) {
  ExpectMoments(Measure(11, [](Prng& p) { return SampleUniform(p, -2, 6); }), 2, 64.0 / 12, 0.02);
}

TEST(DistributionsTest, NormalMoments) {
  ExpectMoments(Measure(12, [](Prng& p) { return SampleNormal(p, 100, 15); }), 100, 225, 0.03);
}

TEST(DistributionsTest, NormalShape) {
  Prng prng(13);
  int within_one_sd = 0;
  for (int i = 0; i < kDraws; ++i) {
    if (std::abs(SampleNormal(prng, 0, 1)) < 1) ++within_one_sd;
  }
  EXPECT_NEAR(static_cast<double>(within_one_sd) / kDraws, 0.682689, 0.005);
}

TEST(DistributionsTest, LogNormalMoments) {
  const double mu = 1.0;
  const double sigma = 0.5;
  const double mean = std::exp(mu + sigma * sigma / 2);
  const double variance = (std::exp(sigma * sigma) - 1) * std::exp(2 * mu + sigma * sigma);
  ExpectMoments(Measure(14, [&](Prng& p) { return SampleLogNormal(p, mu, sigma); }), mean, variance,
                0.06);
}

TEST(DistributionsTest, ExponentialMoments) {
  ExpectMoments(Measure(15, [](Prng& p) { return SampleExponential(p, 4.0); }), 0.25, 0.0625, 0.05);
}

TEST(DistributionsTest, GammaMomentsShapeAboveOne) {
  ExpectMoments(Measure(16, [](Prng& p) { return SampleGamma(p, 2.5, 3.0); }), 7.5, 22.5, 0.04);
}

TEST(DistributionsTest, GammaMomentsShapeBelowOne) {
  // Variance of the sample variance grows with kurtosis 6/k = 20 here, hence the wider bound.
  ExpectMoments(Measure(17, [](Prng& p) { return SampleGamma(p, 0.3, 2.0); }), 0.6, 1.2, 0.07);
}

TEST(DistributionsTest, GammaShapeOneIsExponential) {
  ExpectMoments(Measure(18, [](Prng& p) { return SampleGamma(p, 1.0, 0.5); }), 0.5, 0.25, 0.05);
}

TEST(DistributionsTest, ZeroSpreadIsExact) {
  Prng prng(19);
  EXPECT_EQ(SampleNormal(prng, 42, 0), 42);
  EXPECT_EQ(SampleUniform(prng, 3, 3), 3);
  EXPECT_EQ(SampleLogNormal(prng, 0, 0), 1);
}

TEST(DistributionsTest, SamplesArePositiveWhereRequired) {
  Prng prng(20);
  for (int i = 0; i < 10000; ++i) {
    ASSERT_GE(SampleExponential(prng, 1.0), 0.0);
    ASSERT_GE(SampleGamma(prng, 0.1, 1.0), 0.0);
    ASSERT_GT(SampleLogNormal(prng, 0, 2), 0.0);
  }
}

}  // namespace
}  // namespace inferbench
