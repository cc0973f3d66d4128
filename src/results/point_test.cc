#include "results/point.h"

#include <algorithm>
#include <vector>

#include <gtest/gtest.h>

namespace inferbench::results {
namespace {

Point MustParse(std::string_view text) {
  Result<Point> point = Point::Parse(text);
  EXPECT_TRUE(point.ok()) << text << ": " << point.status().message();
  return point.ok() ? point.value() : Point::Trace();
}

TEST(PointTest, ParsesEveryKind) {
  EXPECT_EQ(MustParse("concurrency=64"), Point::Concurrency(64));
  EXPECT_EQ(MustParse("rate=2.5"), Point::Rate(2.5));
  EXPECT_EQ(MustParse("trace"), Point::Trace());
  EXPECT_EQ(MustParse("sessions=8"), Point::Sessions(8));
  EXPECT_EQ(MustParse("concurrency=64").kind(), PointKind::kConcurrency);
  EXPECT_EQ(MustParse("concurrency=64").count(), 64);
  EXPECT_EQ(MustParse("rate=2.5").rate(), 2.5);
}

TEST(PointTest, FormatIsCanonical) {
  EXPECT_EQ(Point::Concurrency(1).Format(), "concurrency=1");
  EXPECT_EQ(Point::Rate(10).Format(), "rate=10");
  EXPECT_EQ(Point::Rate(2.5).Format(), "rate=2.5");
  EXPECT_EQ(Point::Rate(0.1).Format(), "rate=0.1");
  EXPECT_EQ(Point::Trace().Format(), "trace");
  EXPECT_EQ(Point::Sessions(8).Format(), "sessions=8");
  EXPECT_EQ(MustParse("rate=10.0").Format(), "rate=10");
  EXPECT_EQ(MustParse("rate=1e3").Format(), "rate=1000");
  EXPECT_EQ(MustParse("rate=.5").Format(), "rate=0.5");
  EXPECT_EQ(MustParse("concurrency=064").Format(), "concurrency=64");
}

TEST(PointTest, RoundTrips) {
  for (const char* text :
       {"concurrency=1", "concurrency=10000", "rate=0.25", "rate=123.456", "trace", "sessions=3"}) {
    EXPECT_EQ(MustParse(text).Format(), text);
  }
}

TEST(PointTest, ErrorsAreClear) {
  Result<Point> unknown = Point::Parse("qps=10");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().message(),
            "invalid point \"qps=10\": use concurrency=N, rate=X, trace or sessions=N");
  Result<Point> zero = Point::Parse("concurrency=0");
  ASSERT_FALSE(zero.ok());
  EXPECT_NE(zero.status().message().find("whole number >= 1"), std::string::npos);
  Result<Point> negative_rate = Point::Parse("rate=-1");
  ASSERT_FALSE(negative_rate.ok());
  EXPECT_NE(negative_rate.status().message().find("positive number"), std::string::npos);
  for (const char* bad : {"",
                          "concurrency",
                          "concurrency=",
                          "concurrency=1.5",
                          "concurrency=+4",
                          "concurrency=-4",
                          "concurrency=4x",
                          " concurrency=4",
                          "Concurrency=4",
                          "concurrency = 4",
                          "rate=0",
                          "rate=",
                          "rate=inf",
                          "rate=nan",
                          "rate=1e400",
                          "rate=10/s",
                          "trace=1",
                          "sessions=0",
                          "traces",
                          "concurrency=99999999999999999999"}) {
    Result<Point> r = Point::Parse(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_NE(r.status().message().find("\"" + std::string(bad) + "\""), std::string::npos);
    }
  }
}

TEST(PointTest, EqualityAndOrder) {
  EXPECT_NE(Point::Concurrency(4), Point::Sessions(4));
  EXPECT_NE(Point::Rate(1), Point::Rate(2));
  std::vector<Point> points = {Point::Rate(10), Point::Concurrency(64), Point::Trace(),
                               Point::Concurrency(4), Point::Rate(2.5)};
  std::sort(points.begin(), points.end());
  std::vector<std::string> formatted;
  for (const Point& p : points) formatted.push_back(p.Format());
  EXPECT_EQ(formatted, (std::vector<std::string>{"concurrency=4", "concurrency=64", "rate=2.5",
                                                 "rate=10", "trace"}));
}

TEST(PointTest, KindNames) {
  EXPECT_EQ(PointKindName(PointKind::kConcurrency), "concurrency");
  EXPECT_EQ(PointKindName(PointKind::kRate), "rate");
  EXPECT_EQ(PointKindName(PointKind::kTrace), "trace");
  EXPECT_EQ(PointKindName(PointKind::kSessions), "sessions");
}

}  // namespace
}  // namespace inferbench::results
