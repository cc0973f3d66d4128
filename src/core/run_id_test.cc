#include "core/run_id.h"

#include <set>
#include <string>

#include <gtest/gtest.h>

namespace inferbench {
namespace {

TEST(RunIdTest, FormatsUtcTimeAndSuffix) {
  // 2025-03-04T05:06:07.890Z
  EXPECT_EQ(FormatRunId(1741064767'890'000'000, 0x1a2b3c4d), "20250304T050607Z-1a2b3c4d");
  EXPECT_EQ(FormatRunId(0, 0), "19700101T000000Z-00000000");
  EXPECT_EQ(FormatRunId(-1, 0xffffffff), "19691231T235959Z-ffffffff");
}

TEST(RunIdTest, NewIdsAreWellFormedAndUnique) {
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) {
    std::string id = NewRunId();
    ASSERT_TRUE(IsRunId(id)) << id;
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), 1000u);
}

TEST(RunIdTest, SortsByTime) {
  EXPECT_LT(FormatRunId(1'000'000'000'000'000'000, 0xffffffff),
            FormatRunId(1'000'000'001'000'000'000, 0));
}

TEST(RunIdTest, RecognisesTheFormat) {
  EXPECT_TRUE(IsRunId("20250304T050607Z-1a2b3c4d"));
  EXPECT_FALSE(IsRunId("20250304T050607Z-1A2B3C4D"));
  EXPECT_FALSE(IsRunId("20250304T050607Z1a2b3c4d"));
  EXPECT_FALSE(IsRunId("2025-03-04T050607Z-1a2b3c"));
  EXPECT_FALSE(IsRunId(""));
  EXPECT_FALSE(IsRunId("20250304X050607Z-1a2b3c4d"));
}

TEST(RunIdTest, ShortHashIsAPrefixOfSha256) {
  EXPECT_EQ(ShortHash("hello world"), "b94d27b9934d");
  EXPECT_EQ(ShortHash("hello world", 4), "b94d");
}

}  // namespace
}  // namespace inferbench
