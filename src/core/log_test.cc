#include "core/log.h"

#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace inferbench {
namespace {

class LogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    saved_level_ = GetLogLevel();
    SetLogSink([this](LogLevel, std::string_view line) { lines_.emplace_back(line); });
  }
  void TearDown() override {
    SetLogSink(nullptr);
    SetLogLevel(saved_level_);
  }
  std::vector<std::string> lines_;
  LogLevel saved_level_ = LogLevel::kInfo;
};

TEST_F(LogTest, PrefixesNameAndLevel) {
  SetLogLevel(LogLevel::kDebug);
  LogDebug("d {}", 1);
  LogInfo("i {}", "two");
  LogWarn("w {:.1f}", 3.0);
  LogError("e");
  ASSERT_EQ(lines_.size(), 4u);
  EXPECT_EQ(lines_[0], "inferbench: debug: d 1");
  EXPECT_EQ(lines_[1], "inferbench: i two");
  EXPECT_EQ(lines_[2], "inferbench: warning: w 3.0");
  EXPECT_EQ(lines_[3], "inferbench: error: e");
}

TEST_F(LogTest, DropsMessagesBelowTheLevel) {
  SetLogLevel(LogLevel::kWarn);
  LogDebug("no");
  LogInfo("no");
  LogWarn("yes");
  ASSERT_EQ(lines_.size(), 1u);
  SetLogLevel(LogLevel::kOff);
  LogError("no");
  EXPECT_EQ(lines_.size(), 1u);
}

TEST_F(LogTest, ParsesLevelNames) {
  EXPECT_EQ(ParseLogLevel("debug").value(), LogLevel::kDebug);
  EXPECT_EQ(ParseLogLevel("warn").value(), LogLevel::kWarn);
  EXPECT_EQ(ParseLogLevel("warning").value(), LogLevel::kWarn);
  EXPECT_EQ(ParseLogLevel("off").value(), LogLevel::kOff);
  Result<LogLevel> bad = ParseLogLevel("loud");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("\"loud\""), std::string::npos);
}

TEST_F(LogTest, ConcurrentLinesStayWhole) {
  SetLogLevel(LogLevel::kInfo);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t] {
      for (int i = 0; i < 100; ++i) LogInfo("thread {} line {}", t, i);
    });
  }
  for (auto& thread : threads) thread.join();
  ASSERT_EQ(lines_.size(), 400u);
  for (const std::string& line : lines_) EXPECT_EQ(line.rfind("inferbench: thread ", 0), 0u);
}

}  // namespace
}  // namespace inferbench
