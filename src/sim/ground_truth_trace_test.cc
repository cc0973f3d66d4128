#include "sim/ground_truth_trace.h"

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace inferbench::sim {
namespace {

using ::testing::HasSubstr;

class GroundTruthTraceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::temp_directory_path() /
           ("inferbench_trace_test_" + std::to_string(::getpid()) + "_" + info->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "trace.jsonl").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::vector<std::string> Lines() const {
    std::ifstream in(path_);
    std::vector<std::string> lines;
    std::string line;
    while (std::getline(in, line)) lines.push_back(line);
    return lines;
  }

  std::filesystem::path dir_;
  std::string path_;
  VirtualClock clock_{5'000'000'000};
  ClockAnchor anchor_{123456789, 1700000000123456789};
};

TraceRecord Sample(const std::string& id, int tokens) {
  TraceRecord record;
  record.request_id = id;
  record.arrival_ns = 1000;
  for (int i = 0; i < tokens; ++i) record.token_ns.push_back(2000 + 10 * i);
  record.finish_ns = 2000 + 10 * tokens;
  record.finish_reason = "length";
  record.prompt_tokens = 17;
  record.completion_tokens = tokens;
  record.status = 200;
  return record;
}

TEST_F(GroundTruthTraceTest, HeaderIsTheAnchor) {
  {
    auto trace = GroundTruthTrace::Open(path_, anchor_, clock_);
    ASSERT_TRUE(trace.ok()) << trace.status().message();
  }
  const std::vector<std::string> lines = Lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0],
            R"({"type":"anchor","steady_ns":123456789,"system_ns":1700000000123456789,)"
            R"("schema":"inferbench.sim-trace/v1"})");
}

TEST_F(GroundTruthTraceTest, RequestLineFormat) {
  TraceRecord record = Sample("cmpl-1", 3);
  EXPECT_EQ(FormatTraceRecord(record),
            R"({"type":"request","request_id":"cmpl-1","arrival_ns":1000,"first_token_ns":2000,)"
            R"("token_ns":[2000,2010,2020],"finish_ns":2030,"finish_reason":"length",)"
            R"("prompt_tokens":17,"completion_tokens":3,"status":200})");
}

TEST_F(GroundTruthTraceTest, NoTokensMeansNullFirstToken) {
  TraceRecord record = Sample("cmpl-err", 0);
  record.status = 503;
  record.finish_reason = "error";
  const nlohmann::json json = nlohmann::json::parse(FormatTraceRecord(record));
  EXPECT_TRUE(json["first_token_ns"].is_null());
  EXPECT_TRUE(json["token_ns"].empty());
  EXPECT_EQ(json["status"], 503);
}

TEST_F(GroundTruthTraceTest, RoundTrip) {
  std::vector<TraceRecord> written;
  {
    auto trace = GroundTruthTrace::Open(path_, anchor_, clock_);
    ASSERT_TRUE(trace.ok());
    for (int i = 0; i < 50; ++i) {
      TraceRecord record = Sample("chatcmpl-" + std::to_string(i), i % 7);
      record.request_id += "\"quoted\\";  // escaping survives the trip
      (*trace)->Append(record);
      written.push_back(record);
    }
  }
  Result<GroundTruthTraceContents> read = ReadGroundTruthTrace(path_);
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_EQ(read->anchor.steady_ns, anchor_.steady_ns);
  EXPECT_EQ(read->anchor.system_ns, anchor_.system_ns);
  ASSERT_EQ(read->records.size(), written.size());
  for (size_t i = 0; i < written.size(); ++i) {
    const TraceRecord& a = written[i];
    const TraceRecord& b = read->records[i];
    EXPECT_EQ(a.request_id, b.request_id);
    EXPECT_EQ(a.arrival_ns, b.arrival_ns);
    EXPECT_EQ(a.token_ns, b.token_ns);
    EXPECT_EQ(a.finish_ns, b.finish_ns);
    EXPECT_EQ(a.finish_reason, b.finish_reason);
    EXPECT_EQ(a.prompt_tokens, b.prompt_tokens);
    EXPECT_EQ(a.completion_tokens, b.completion_tokens);
    EXPECT_EQ(a.status, b.status);
  }
}

TEST_F(GroundTruthTraceTest, BuffersUntilASecondHasPassed) {
  auto trace = GroundTruthTrace::Open(path_, anchor_, clock_);
  ASSERT_TRUE(trace.ok());
  (*trace)->Append(Sample("a", 2));
  clock_.AdvanceNs(500'000'000);
  (*trace)->Append(Sample("b", 2));
  EXPECT_EQ(Lines().size(), 1u);  // header only: still buffered
  EXPECT_EQ((*trace)->lines_written(), 0u);
  clock_.AdvanceNs(500'000'000);
  (*trace)->Append(Sample("c", 2));  // the oldest buffered line is now 1 s old
  EXPECT_EQ(Lines().size(), 4u);
  EXPECT_EQ((*trace)->lines_written(), 3u);
}

TEST_F(GroundTruthTraceTest, FlushWritesEverything) {
  auto trace = GroundTruthTrace::Open(path_, anchor_, clock_);
  ASSERT_TRUE(trace.ok());
  (*trace)->Append(Sample("a", 1));
  (*trace)->Append(Sample("b", 1));
  EXPECT_TRUE((*trace)->Flush().ok());
  EXPECT_EQ(Lines().size(), 3u);
  EXPECT_TRUE((*trace)->Flush().ok());  // nothing new: idempotent
  EXPECT_EQ(Lines().size(), 3u);
}

TEST_F(GroundTruthTraceTest, DestructionFlushes) {
  {
    auto trace = GroundTruthTrace::Open(path_, anchor_, clock_);
    ASSERT_TRUE(trace.ok());
    for (int i = 0; i < 10; ++i) (*trace)->Append(Sample(std::to_string(i), 4));
    EXPECT_EQ(Lines().size(), 1u);
  }
  EXPECT_EQ(Lines().size(), 11u);
}

TEST_F(GroundTruthTraceTest, LargeBuffersAreWrittenEarly) {
  auto trace = GroundTruthTrace::Open(path_, anchor_, clock_);
  ASSERT_TRUE(trace.ok());
  // ~600 tokens × ~5 bytes each per line: a few hundred lines pass 1 MiB.
  for (int i = 0; i < 500; ++i) (*trace)->Append(Sample(std::to_string(i), 600));
  EXPECT_GT((*trace)->lines_written(), 0u);
  EXPECT_GT(Lines().size(), 1u);
}

TEST_F(GroundTruthTraceTest, OpenFailsClearlyForAMissingDirectory) {
  auto trace = GroundTruthTrace::Open((dir_ / "missing" / "t.jsonl").string(), anchor_, clock_);
  ASSERT_FALSE(trace.ok());
  EXPECT_THAT(trace.status().message(), HasSubstr("missing/t.jsonl"));
  EXPECT_THAT(trace.status().message(), HasSubstr("cannot create the trace file"));
}

TEST_F(GroundTruthTraceTest, RealClockOpenWritesAPlausibleAnchor) {
  {
    auto trace = GroundTruthTrace::Open(path_);
    ASSERT_TRUE(trace.ok());
  }
  Result<GroundTruthTraceContents> read = ReadGroundTruthTrace(path_);
  ASSERT_TRUE(read.ok());
  EXPECT_GT(read->anchor.system_ns, 1'500'000'000'000'000'000);  // after 2017
}

TEST_F(GroundTruthTraceTest, ReaderRejectsFilesWithoutAnAnchor) {
  {
    std::ofstream out(path_);
    out << R"({"type":"request","request_id":"x"})" << "\n";
  }
  EXPECT_FALSE(ReadGroundTruthTrace(path_).ok());
  {
    std::ofstream out(path_);
    out << "not json\n";
  }
  Result<GroundTruthTraceContents> read = ReadGroundTruthTrace(path_);
  ASSERT_FALSE(read.ok());
  EXPECT_THAT(read.status().message(), HasSubstr(":1: not a JSON object"));
}

TEST_F(GroundTruthTraceTest, ReaderSkipsUnknownLineTypes) {
  {
    std::ofstream out(path_);
    out << R"({"type":"anchor","steady_ns":1,"system_ns":2,"schema":"inferbench.sim-trace/v1"})"
        << "\n"
        << R"({"type":"future-thing","x":1})" << "\n"
        << FormatTraceRecord(Sample("r", 2)) << "\n";
  }
  Result<GroundTruthTraceContents> read = ReadGroundTruthTrace(path_);
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_EQ(read->records.size(), 1u);
}

}  // namespace
}  // namespace inferbench::sim
