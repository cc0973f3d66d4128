#include "results/point.h"

#include <cassert>
#include <charconv>
#include <cmath>
#include <tuple>

#include "core/canonical_json.h"

namespace inferbench::results {
namespace {

constexpr std::string_view kForms = "use concurrency=N, rate=X, trace or sessions=N";

Status Invalid(std::string_view text, std::string_view why) {
  return Status::Error("invalid point \"" + std::string(text) + "\": " + std::string(why));
}

// A whole number >= 1 spelled with digits only.
bool ParseCount(std::string_view digits, int64_t& out) {
  if (digits.empty() || digits.front() < '0' || digits.front() > '9') return false;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), out);
  return ec == std::errc() && end == digits.data() + digits.size() && out >= 1;
}

bool ParseRate(std::string_view text, double& out) {
  if (text.empty() || !((text.front() >= '0' && text.front() <= '9') || text.front() == '.')) {
    return false;  // also refuses "inf", "nan" and signs
  }
  const auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), out, std::chars_format::general);
  return ec == std::errc() && end == text.data() + text.size() && std::isfinite(out) && out > 0;
}

}  // namespace

std::string_view PointKindName(PointKind kind) {
  switch (kind) {
    case PointKind::kConcurrency:
      return "concurrency";
    case PointKind::kRate:
      return "rate";
    case PointKind::kTrace:
      return "trace";
    case PointKind::kSessions:
      return "sessions";
  }
  return "unknown";
}

Point Point::Concurrency(int64_t n) {
  assert(n >= 1);
  return Point(PointKind::kConcurrency, n, 0);
}

Point Point::Rate(double requests_per_s) {
  assert(std::isfinite(requests_per_s) && requests_per_s > 0);
  return Point(PointKind::kRate, 0, requests_per_s);
}

Point Point::Trace() { return Point(PointKind::kTrace, 0, 0); }

Point Point::Sessions(int64_t n) {
  assert(n >= 1);
  return Point(PointKind::kSessions, n, 0);
}

Result<Point> Point::Parse(std::string_view text) {
  if (text == "trace") return Trace();
  const size_t eq = text.find('=');
  if (eq == std::string_view::npos) return Invalid(text, kForms);
  const std::string_view kind = text.substr(0, eq);
  const std::string_view value = text.substr(eq + 1);
  if (kind == "concurrency" || kind == "sessions") {
    int64_t n = 0;
    if (!ParseCount(value, n)) {
      return Invalid(text, std::string(kind) + " must be a whole number >= 1, e.g. " +
                               std::string(kind) + "=64");
    }
    return kind == "concurrency" ? Concurrency(n) : Sessions(n);
  }
  if (kind == "rate") {
    double rate = 0;
    if (!ParseRate(value, rate)) {
      return Invalid(text, "rate must be a positive number of requests per second, e.g. rate=10");
    }
    return Rate(rate);
  }
  return Invalid(text, kForms);
}

std::string Point::Format() const {
  switch (kind_) {
    case PointKind::kConcurrency:
      return "concurrency=" + std::to_string(count_);
    case PointKind::kRate:
      return "rate=" + FormatJsonNumber(rate_);
    case PointKind::kTrace:
      return "trace";
    case PointKind::kSessions:
      return "sessions=" + std::to_string(count_);
  }
  return "unknown";
}

bool operator<(const Point& a, const Point& b) {
  return std::tie(a.kind_, a.count_, a.rate_) < std::tie(b.kind_, b.count_, b.rate_);
}

}  // namespace inferbench::results
