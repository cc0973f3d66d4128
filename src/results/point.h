// Point: one load level of a run, and its one spelling, the point string (DESIGN.md §4):
//   concurrency=N   closed loop with N requests in flight (N >= 1)
//   rate=X          open loop at X requests per second (X > 0, shortest decimal: "rate=2.5")
//   trace           trace replay at the trace's own timing
//   sessions=N      N concurrent multi-turn conversations (N >= 1)
// The same spelling is used in specs, CLI flags, JSON and the warehouse, and it keys
// benchmark_case_id, so Format() is canonical: parsing "rate=10.0" formats back as "rate=10".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace inferbench::results {

enum class PointKind { kConcurrency, kRate, kTrace, kSessions };

// "concurrency", "rate", "trace", "sessions".
std::string_view PointKindName(PointKind kind);

class Point {
 public:
  // REQUIRES: n >= 1.
  static Point Concurrency(int64_t n);
  // REQUIRES: requests_per_s finite and > 0.
  static Point Rate(double requests_per_s);
  static Point Trace();
  // REQUIRES: n >= 1.
  static Point Sessions(int64_t n);

  // Parses a point string; the error names the text and lists the accepted forms.
  static Result<Point> Parse(std::string_view text);
  // The canonical point string.
  std::string Format() const;

  PointKind kind() const { return kind_; }
  // N of concurrency=N or sessions=N; 0 for other kinds.
  int64_t count() const { return count_; }
  // X of rate=X; 0 for other kinds.
  double rate() const { return rate_; }

  friend bool operator==(const Point& a, const Point& b) = default;
  // Orders by kind, then from light to heavy load, so sorted sweeps read naturally.
  friend bool operator<(const Point& a, const Point& b);

 private:
  Point(PointKind kind, int64_t count, double rate) : kind_(kind), count_(count), rate_(rate) {}
  PointKind kind_;
  int64_t count_;
  double rate_;
};

}  // namespace inferbench::results
