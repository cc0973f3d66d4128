#include "core/duration.h"

#include <cstdint>
#include <limits>

#include <gtest/gtest.h>

namespace inferbench {
namespace {

int64_t Parse(std::string_view text) {
  Result<int64_t> result = ParseDurationNs(text);
  EXPECT_TRUE(result.ok()) << text << ": " << result.status().message();
  return result.ok() ? result.value() : -1;
}

TEST(DurationTest, ParsesEveryUnit) {
  EXPECT_EQ(Parse("12ns"), 12);
  EXPECT_EQ(Parse("250us"), 250'000);
  EXPECT_EQ(Parse("250\u00b5s"), 250'000);
  EXPECT_EQ(Parse("500ms"), 500'000'000);
  EXPECT_EQ(Parse("30s"), 30'000'000'000);
  EXPECT_EQ(Parse("5m"), 300'000'000'000);
  EXPECT_EQ(Parse("1h"), 3'600'000'000'000);
  EXPECT_EQ(Parse("0"), 0);
  EXPECT_EQ(Parse("0s"), 0);
}

TEST(DurationTest, FractionsAreExact) {
  EXPECT_EQ(Parse("2.5s"), 2'500'000'000);
  EXPECT_EQ(Parse("0.1s"), 100'000'000);  // exact, unlike 0.1 as a double
  EXPECT_EQ(Parse(".5ms"), 500'000);
  EXPECT_EQ(Parse("1.5h"), 5'400'000'000'000);
  EXPECT_EQ(Parse("1.000000001s"), 1'000'000'001);
  EXPECT_EQ(Parse("1.9ns"), 1);  // below a nanosecond is truncated
  EXPECT_EQ(Parse("3.s"), 3'000'000'000);
}

TEST(DurationTest, CompoundForms) {
  EXPECT_EQ(Parse("1m30s"), 90'000'000'000);
  EXPECT_EQ(Parse("1h2m3s4ms"), 3'723'004'000'000);
}

TEST(DurationTest, ErrorsNameTheTextAndTheForms) {
  Result<int64_t> result = ParseDurationNs("5x");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().message(),
            "invalid duration \"5x\": use a number with a unit: 250us, 500ms, 30s, 5m, 1h");
  for (const char* bad : {"", "5", "s", "ms", "1.2.3s", " 5s", "5s ", "5 s", "+5s", "1e3s", "5S",
                          "five seconds", "5s3", ".", "3.", ".s"}) {
    Result<int64_t> r = ParseDurationNs(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_NE(r.status().message().find(bad), std::string::npos) << bad;
    }
  }
}

TEST(DurationTest, NegativeIsAnError) {
  Result<int64_t> result = ParseDurationNs("-5s");
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("negative"), std::string::npos);
}

TEST(DurationTest, OverflowIsAnError) {
  EXPECT_FALSE(ParseDurationNs("9999999999h").ok());
  EXPECT_FALSE(ParseDurationNs("9223372036854775808ns").ok());
  EXPECT_EQ(Parse("9223372036854775807ns"), std::numeric_limits<int64_t>::max());
}

TEST(DurationTest, FormatsNaturally) {
  EXPECT_EQ(FormatDurationNs(0), "0s");
  EXPECT_EQ(FormatDurationNs(12), "12ns");
  EXPECT_EQ(FormatDurationNs(250'000), "250us");
  EXPECT_EQ(FormatDurationNs(1'500), "1.5us");
  EXPECT_EQ(FormatDurationNs(500'000'000), "500ms");
  EXPECT_EQ(FormatDurationNs(1'250'000), "1.25ms");
  EXPECT_EQ(FormatDurationNs(2'500'000'000), "2.5s");
  EXPECT_EQ(FormatDurationNs(30'000'000'000), "30s");
  EXPECT_EQ(FormatDurationNs(90'000'000'000), "90s");
  EXPECT_EQ(FormatDurationNs(300'000'000'000), "5m");
  EXPECT_EQ(FormatDurationNs(3'600'000'000'000), "1h");
  EXPECT_EQ(FormatDurationNs(1'000'000'001), "1.000000001s");
  EXPECT_EQ(FormatDurationNs(-500'000'000), "-500ms");
}

TEST(DurationTest, FormatParsesBack) {
  for (int64_t ns :
       {int64_t{1}, int64_t{999}, int64_t{1'001}, int64_t{123'456'789}, int64_t{61'000'000'000},
        int64_t{3'723'004'000'001}, std::numeric_limits<int64_t>::max()}) {
    EXPECT_EQ(Parse(FormatDurationNs(ns)), ns) << FormatDurationNs(ns);
  }
}

}  // namespace
}  // namespace inferbench
