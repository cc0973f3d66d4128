#include "core/prng.h"

#include <cassert>

namespace inferbench {
namespace {

constexpr uint64_t RotateLeft(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

}  // namespace

uint64_t SplitMix64(uint64_t& state) {
  state += 0x9e3779b97f4a7c15ULL;
  uint64_t z = state;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t Fnv1a64(std::string_view text) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

uint64_t DeriveSeed(uint64_t base, std::string_view dimension) {
  uint64_t state = base ^ Fnv1a64(dimension);
  return SplitMix64(state);
}

Prng::Prng(uint64_t seed) {
  uint64_t sm = seed;
  for (uint64_t& word : s_) word = SplitMix64(sm);
  // SplitMix64 is a bijection of its counter, so four consecutive outputs are never all zero.
}

Prng Prng::FromState(const State& state) {
  assert((state[0] | state[1] | state[2] | state[3]) != 0);
  Prng prng;
  prng.s_ = state;
  return prng;
}

uint64_t Prng::NextU64() {
  const uint64_t result = RotateLeft(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = RotateLeft(s_[3], 45);
  return result;
}

double Prng::NextDouble() { return static_cast<double>(NextU64() >> 11) * 0x1.0p-53; }

uint64_t Prng::NextBelow(uint64_t n) {
  assert(n > 0);
  // 2^64 mod n values at the bottom of the range would make small results more likely; skip them.
  const uint64_t threshold = (0 - n) % n;
  for (;;) {
    uint64_t x = NextU64();
    if (x >= threshold) return x % n;
  }
}

}  // namespace inferbench
