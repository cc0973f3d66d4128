#include "core/run_id.h"

#include <cassert>
#include <chrono>
#include <ctime>
#include <mutex>
#include <random>

#include <fmt/format.h>

#include "core/prng.h"
#include "core/sha256.h"

namespace inferbench {
namespace {

uint32_t RandomSuffix() {
  static std::mutex mutex;
  static Prng prng = [] {
    std::random_device device;  // /dev/urandom (or getrandom) on Linux
    uint64_t seed = (static_cast<uint64_t>(device()) << 32) ^ device();
    return Prng(seed);
  }();
  std::lock_guard<std::mutex> lock(mutex);
  return static_cast<uint32_t>(prng.NextU64() >> 32);
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsLowerHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f'); }

}  // namespace

std::string NewRunId() {
  const int64_t now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  return FormatRunId(now_ns, RandomSuffix());
}

std::string FormatRunId(int64_t system_ns, uint32_t suffix) {
  // Floor division so times before 1970 still land in the right second.
  int64_t seconds = system_ns / 1'000'000'000;
  if (system_ns % 1'000'000'000 < 0) --seconds;
  const std::time_t t = static_cast<std::time_t>(seconds);
  std::tm utc{};
  gmtime_r(&t, &utc);
  return fmt::format("{:04}{:02}{:02}T{:02}{:02}{:02}Z-{:08x}", utc.tm_year + 1900, utc.tm_mon + 1,
                     utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, suffix);
}

bool IsRunId(std::string_view text) {
  // 0123456789012345678901234
  // YYYYMMDDTHHMMSSZ-xxxxxxxx
  if (text.size() != 25) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    bool ok = false;
    if (i == 8) {
      ok = c == 'T';
    } else if (i == 15) {
      ok = c == 'Z';
    } else if (i == 16) {
      ok = c == '-';
    } else if (i > 16) {
      ok = IsLowerHex(c);
    } else {
      ok = IsDigit(c);
    }
    if (!ok) return false;
  }
  return true;
}

std::string ShortHash(std::string_view bytes, size_t hex_chars) {
  assert(hex_chars >= 1 && hex_chars <= 64);
  return Sha256Hex(bytes).substr(0, hex_chars);
}

}  // namespace inferbench
