#include "core/duration.h"

#include <cstdint>
#include <limits>

namespace inferbench {
namespace {

__extension__ typedef unsigned __int128 Uint128;

constexpr int64_t kNsPerUs = 1'000;
constexpr int64_t kNsPerMs = 1'000'000;
constexpr int64_t kNsPerS = 1'000'000'000;
constexpr int64_t kNsPerM = 60 * kNsPerS;
constexpr int64_t kNsPerH = 60 * kNsPerM;
constexpr size_t kMaxDigits = 20;  // keeps every product below 2^128

Status Invalid(std::string_view text, std::string_view why) {
  return Status::Error("invalid duration \"" + std::string(text) + "\": " + std::string(why));
}

constexpr std::string_view kForms = "use a number with a unit: 250us, 500ms, 30s, 5m, 1h";

// Longest unit first so "ms" is not read as "m" followed by junk.
struct Unit {
  std::string_view name;
  int64_t ns;
};
constexpr Unit kUnits[] = {
    {"ns", 1},        {"us", kNsPerUs}, {"\xc2\xb5s", kNsPerUs}, {"\xce\xbcs", kNsPerUs},
    {"ms", kNsPerMs}, {"s", kNsPerS},   {"m", kNsPerM},          {"h", kNsPerH},
};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// The decimal digits of remainder / unit_ns (a power of ten) after the point, without trailing
// zeros. REQUIRES: 0 <= remainder < unit_ns.
std::string FractionDigits(int64_t remainder, int64_t unit_ns) {
  std::string digits;
  int64_t scale = unit_ns;
  while (remainder != 0 && scale > 1) {
    scale /= 10;
    digits.push_back(static_cast<char>('0' + remainder / scale));
    remainder %= scale;
  }
  return digits;
}

}  // namespace

Result<int64_t> ParseDurationNs(std::string_view text) {
  if (text == "0") return int64_t{0};
  if (text.empty()) return Invalid(text, kForms);
  if (text.front() == '-') return Invalid(text, "a duration must not be negative");
  Uint128 total = 0;
  size_t i = 0;
  while (i < text.size()) {
    std::string_view int_digits;
    std::string_view frac_digits;
    size_t start = i;
    while (i < text.size() && IsDigit(text[i])) ++i;
    int_digits = text.substr(start, i - start);
    if (i < text.size() && text[i] == '.') {
      start = ++i;
      while (i < text.size() && IsDigit(text[i])) ++i;
      frac_digits = text.substr(start, i - start);
    }
    if (int_digits.empty() && frac_digits.empty()) return Invalid(text, kForms);
    if (int_digits.size() > kMaxDigits || frac_digits.size() > kMaxDigits) {
      return Invalid(text, "too many digits");
    }
    const Unit* unit = nullptr;
    for (const Unit& candidate : kUnits) {
      if (text.substr(i, candidate.name.size()) == candidate.name) {
        unit = &candidate;
        break;
      }
    }
    if (unit == nullptr) return Invalid(text, kForms);
    i += unit->name.size();

    Uint128 whole = 0;
    for (char c : int_digits) whole = whole * 10 + static_cast<unsigned>(c - '0');
    Uint128 frac = 0;
    Uint128 frac_scale = 1;
    for (char c : frac_digits) {
      frac = frac * 10 + static_cast<unsigned>(c - '0');
      frac_scale *= 10;
    }
    total +=
        whole * static_cast<Uint128>(unit->ns) + frac * static_cast<Uint128>(unit->ns) / frac_scale;
    if (total > static_cast<Uint128>(std::numeric_limits<int64_t>::max())) {
      return Invalid(text, "too large (the limit is about 292 years)");
    }
  }
  return static_cast<int64_t>(total);
}

std::string FormatDurationNs(int64_t ns) {
  if (ns == 0) return "0s";
  if (ns < 0) {
    // -(INT64_MIN) overflows; one nanosecond of difference does not matter for display.
    return "-" + FormatDurationNs(ns == std::numeric_limits<int64_t>::min() ? -(ns + 1) : -ns);
  }
  if (ns % kNsPerH == 0) return std::to_string(ns / kNsPerH) + "h";
  if (ns % kNsPerM == 0) return std::to_string(ns / kNsPerM) + "m";
  struct Scale {
    int64_t ns;
    const char* suffix;
  };
  for (Scale scale : {Scale{kNsPerS, "s"}, Scale{kNsPerMs, "ms"}, Scale{kNsPerUs, "us"}}) {
    if (ns >= scale.ns) {
      std::string out = std::to_string(ns / scale.ns);
      std::string fraction = FractionDigits(ns % scale.ns, scale.ns);
      if (!fraction.empty()) out += "." + fraction;
      return out + scale.suffix;
    }
  }
  return std::to_string(ns) + "ns";
}

}  // namespace inferbench
