// Prng: the one pseudo-random generator of inferbench (DESIGN.md §2.7).
//
// xoshiro256** (Blackman & Vigna) with its 256-bit state filled from a 64-bit seed by four
// SplitMix64 steps. Both algorithms are fixed integer arithmetic, so a seed gives the same stream
// on every compiler, standard library and machine, which std::mt19937 + std::*_distribution
// cannot promise for the values derived from it.
//
// Thread-compatible: one Prng per thread or per random dimension; never share one unsynchronised.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace inferbench {

class Prng {
 public:
  using State = std::array<uint64_t, 4>;

  // Seeds the state with SplitMix64(seed) outputs 1..4. Any seed is fine, including 0.
  explicit Prng(uint64_t seed);

  // Starts from a raw state (tests use the published reference state {1, 2, 3, 4}).
  // REQUIRES: state is not all zero (xoshiro's one fixed point).
  static Prng FromState(const State& state);
  const State& state() const { return s_; }

  // One xoshiro256** step: the next 64 uniformly distributed bits.
  uint64_t NextU64();
  // Uniform in [0, 1) with 53 random bits: (NextU64() >> 11) * 2^-53.
  double NextDouble();
  // Uniform integer in [0, n), without modulo bias (rejection of the short final bucket).
  // REQUIRES: n > 0.
  uint64_t NextBelow(uint64_t n);

 private:
  Prng() = default;
  State s_{};
};

// One SplitMix64 step: advances *state by the golden-ratio increment and returns the mixed value.
uint64_t SplitMix64(uint64_t& state);

// FNV-1a 64-bit hash of the bytes of text.
uint64_t Fnv1a64(std::string_view text);

// The seed of one random dimension derived from the run's base seed:
//   DeriveSeed(base, dimension) = SplitMix64 step from state (base XOR Fnv1a64(dimension)).
// Dimensions in use: "prompts", "lengths", "schedule", "sampling", "order", "bootstrap".
// The function is part of the result format: changing it changes every derived seed and so the
// generated requests of every spec that does not set its seeds explicitly.
uint64_t DeriveSeed(uint64_t base, std::string_view dimension);

}  // namespace inferbench
