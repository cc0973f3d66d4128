#include "sim/faults.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <utility>

namespace inferbench::sim {
namespace {

constexpr const char* kForms =
    "expected one of error:STATUS:RATE, abort:RATE, stall:MS:RATE, malformed:RATE, drip:RATE "
    "(STATUS 400..599, MS a whole number of milliseconds >= 1, RATE a probability in [0, 1]), "
    "e.g. error:503:0.05";

std::vector<std::string_view> SplitColons(std::string_view text) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (;;) {
    const size_t colon = text.find(':', start);
    if (colon == std::string_view::npos) {
      parts.push_back(text.substr(start));
      return parts;
    }
    parts.push_back(text.substr(start, colon - start));
    start = colon + 1;
  }
}

bool ParseRate(std::string_view text, double* rate) {
  double value = 0;
  const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
  if (result.ec != std::errc() || result.ptr != text.data() + text.size()) return false;
  if (!std::isfinite(value) || value < 0 || value > 1) return false;
  *rate = value;
  return true;
}

bool ParseInt(std::string_view text, int64_t* out) {
  int64_t value = 0;
  const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
  if (result.ec != std::errc() || result.ptr != text.data() + text.size()) return false;
  *out = value;
  return true;
}

std::string FormatRate(double rate) {
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), rate);
  return std::string(buffer, result.ptr);
}

const char* KindName(FaultSpec::Kind kind) {
  switch (kind) {
    case FaultSpec::Kind::kError:
      return "error";
    case FaultSpec::Kind::kAbort:
      return "abort";
    case FaultSpec::Kind::kStall:
      return "stall";
    case FaultSpec::Kind::kMalformed:
      return "malformed";
    case FaultSpec::Kind::kDrip:
      return "drip";
  }
  return "?";
}

}  // namespace

Result<FaultSpec> ParseFaultSpec(std::string_view text) {
  const std::string quoted = "invalid fault '" + std::string(text) + "'";
  const std::vector<std::string_view> parts = SplitColons(text);
  const std::string_view kind = parts[0];
  FaultSpec spec;
  size_t expected_parts = 2;
  if (kind == "error") {
    spec.kind = FaultSpec::Kind::kError;
    expected_parts = 3;
  } else if (kind == "abort") {
    spec.kind = FaultSpec::Kind::kAbort;
  } else if (kind == "stall") {
    spec.kind = FaultSpec::Kind::kStall;
    expected_parts = 3;
  } else if (kind == "malformed") {
    spec.kind = FaultSpec::Kind::kMalformed;
  } else if (kind == "drip") {
    spec.kind = FaultSpec::Kind::kDrip;
  } else {
    return Result<FaultSpec>::Error(quoted + ": unknown kind '" + std::string(kind) + "'; " +
                                    kForms);
  }
  if (parts.size() != expected_parts) {
    return Result<FaultSpec>::Error(quoted + ": wrong number of ':'-separated fields; " + kForms);
  }
  if (spec.kind == FaultSpec::Kind::kError) {
    int64_t status = 0;
    if (!ParseInt(parts[1], &status) || status < 400 || status > 599) {
      return Result<FaultSpec>::Error(quoted + ": STATUS must be an HTTP status in 400..599, got '" +
                                      std::string(parts[1]) + "'; " + kForms);
    }
    spec.status = static_cast<int>(status);
  }
  if (spec.kind == FaultSpec::Kind::kStall) {
    int64_t ms = 0;
    constexpr int64_t kMaxMs = int64_t{1} << 40;  // far beyond any sensible stall, no overflow
    if (!ParseInt(parts[1], &ms) || ms < 1 || ms > kMaxMs) {
      return Result<FaultSpec>::Error(quoted + ": MS must be a whole number of milliseconds >= 1, got '" +
                                      std::string(parts[1]) + "'; " + kForms);
    }
    spec.stall_ns = ms * 1'000'000;
  }
  if (!ParseRate(parts.back(), &spec.rate)) {
    return Result<FaultSpec>::Error(quoted + ": RATE must be a probability in [0, 1], got '" +
                                    std::string(parts.back()) + "'; " + kForms);
  }
  return spec;
}

std::string FormatFaultSpec(const FaultSpec& spec) {
  std::string text = KindName(spec.kind);
  if (spec.kind == FaultSpec::Kind::kError) text += ":" + std::to_string(spec.status);
  if (spec.kind == FaultSpec::Kind::kStall) text += ":" + std::to_string(spec.stall_ns / 1'000'000);
  text += ":" + FormatRate(spec.rate);
  return text;
}

FaultPlan::FaultPlan(std::vector<FaultSpec> specs, uint64_t seed) : specs_(std::move(specs)) {
  prngs_.reserve(specs_.size());
  for (size_t i = 0; i < specs_.size(); ++i) {
    const std::string dimension = "fault/" + std::to_string(i) + "/" + FormatFaultSpec(specs_[i]);
    prngs_.emplace_back(DeriveSeed(seed, dimension));
  }
}

FaultPlan::Draw FaultPlan::Next(int expected_tokens) {
  Draw draw;
  const uint64_t span = static_cast<uint64_t>(std::max(1, expected_tokens - 1));
  for (size_t i = 0; i < specs_.size(); ++i) {
    const FaultSpec& spec = specs_[i];
    Prng& prng = prngs_[i];
    // Both values are drawn whether or not the fault hits, so one request's outcome never shifts
    // the stream of the next.
    const bool hit = prng.NextDouble() < spec.rate;
    const int position = 1 + static_cast<int>(prng.NextBelow(span));
    if (!hit) continue;
    switch (spec.kind) {
      case FaultSpec::Kind::kError:
        if (!draw.error_status) draw.error_status = spec.status;
        break;
      case FaultSpec::Kind::kAbort:
        draw.abort_after_tokens = draw.abort ? std::min(draw.abort_after_tokens, position) : position;
        draw.abort = true;
        break;
      case FaultSpec::Kind::kStall:
        if (!draw.stall) draw.stall_after_tokens = position;
        draw.stall = true;
        draw.stall_ns += spec.stall_ns;
        break;
      case FaultSpec::Kind::kMalformed:
        if (!draw.malformed) draw.malformed_after_tokens = position;
        draw.malformed = true;
        break;
      case FaultSpec::Kind::kDrip:
        draw.drip = true;
        break;
    }
  }
  return draw;
}

}  // namespace inferbench::sim
