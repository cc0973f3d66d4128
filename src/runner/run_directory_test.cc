#include "runner/run_directory.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace inferbench::runner {
namespace {

std::string TempDir() {
  std::string dir = ::testing::TempDir() + "ib_rundir_" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  return dir + "/nested/run";
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(RunDirectoryTest, TokenTimesRoundTripWithinHalfAMicrosecond) {
  std::vector<int64_t> times = {1'000'000'000, 1'000'010'400, 1'000'010'400, 1'000'020'999,
                                1'000'031'501};
  auto json = nlohmann::json::parse(FormatTokenTimes("r1", times));
  EXPECT_EQ(json["request_id"], "r1");
  EXPECT_EQ(json["first_ns"], times[0]);
  ASSERT_EQ(json["delta_us"].size(), times.size() - 1);
  int64_t sum_us = 0;
  for (size_t i = 1; i < times.size(); ++i) {
    sum_us += json["delta_us"][i - 1].get<int64_t>();
    EXPECT_LE(std::llabs(times[0] + sum_us * 1000 - times[i]), 500) << i;
  }
  EXPECT_EQ(json["delta_us"][1], 0);  // same read: zero gap
}

TEST(RunDirectoryTest, AppendsRecordsAndReplacesSummary) {
  const std::string dir = TempDir();
  {
    auto rd = RunDirectory::Create(dir);
    ASSERT_TRUE(rd.ok()) << rd.status().message();
    results::RequestRecord r;
    r.request_id = "concurrency=1/0/m0";
    r.point = "concurrency=1";
    ASSERT_TRUE((*rd)->AppendRecord(r, {5, 10}).ok());
    r.request_id = "concurrency=1/0/m1";
    ASSERT_TRUE((*rd)->AppendRecord(r, {}).ok());
    results::RunSummary s;
    s.run_id = "x";
    ASSERT_TRUE((*rd)->WriteSummary(s).ok());
    s.status = "partial";
    ASSERT_TRUE((*rd)->WriteSummary(s).ok());
  }
  std::string requests = Slurp(dir + "/requests.jsonl");
  EXPECT_EQ(std::count(requests.begin(), requests.end(), '\n'), 2);
  std::string tokens = Slurp(dir + "/token_times");
  EXPECT_EQ(std::count(tokens.begin(), tokens.end(), '\n'), 1);  // no line without tokens
  auto summary = nlohmann::json::parse(Slurp(dir + "/summary.json"));
  EXPECT_EQ(summary["status"], "partial");
  EXPECT_FALSE(std::filesystem::exists(dir + "/summary.json.tmp"));
}

TEST(RunDirectoryTest, RefusesADirectoryThatHoldsARun) {
  const std::string dir = TempDir() + "-again";
  {
    auto first = RunDirectory::Create(dir);
    ASSERT_TRUE(first.ok()) << first.status().message();
    ASSERT_TRUE((*first)->AppendRecord(results::RequestRecord{}, {}).ok());
  }
  auto second = RunDirectory::Create(dir);
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.status().message().find("already holds a run"), std::string::npos);
}

TEST(RunDirectoryTest, UncreatableDirectoryNamesIt) {
  auto rd = RunDirectory::Create("/proc/inferbench-cannot-exist/run");
  ASSERT_FALSE(rd.ok());
  EXPECT_NE(rd.status().message().find("/proc/inferbench-cannot-exist/run"), std::string::npos);
}

}  // namespace
}  // namespace inferbench::runner
