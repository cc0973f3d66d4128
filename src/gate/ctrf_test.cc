#include "gate/ctrf.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "gate/gate_test_util.h"

namespace inferbench::gate {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::Make;
using testing::TwoPointRun;

// A structural checker for the parts of the CTRF JSON schema (ctrf.io, draft-07) a report of
// ours touches: required keys, their JSON types, enums, and `additionalProperties: false`.
// Returns every violation as "path: problem".
struct ObjectRule {
  std::map<std::string, std::string> required;  // key → type
  std::map<std::string, std::string> optional;  // key → type
};

bool HasType(const nlohmann::json& value, const std::string& type) {
  if (type == "string") return value.is_string();
  if (type == "integer") return value.is_number_integer();
  if (type == "number") return value.is_number();
  if (type == "boolean") return value.is_boolean();
  if (type == "object") return value.is_object();
  if (type == "array") return value.is_array();
  return false;
}

void CheckObject(const nlohmann::json& value, const ObjectRule& rule, const std::string& path,
                 std::vector<std::string>& problems) {
  if (!value.is_object()) {
    problems.push_back(path + ": not an object");
    return;
  }
  for (const auto& [key, type] : rule.required) {
    if (!value.contains(key)) {
      problems.push_back(path + "." + key + ": required, missing");
    } else if (!HasType(value[key], type)) {
      problems.push_back(path + "." + key + ": not of type " + type);
    }
  }
  for (const auto& [key, item] : value.items()) {
    if (rule.required.count(key)) continue;
    auto it = rule.optional.find(key);
    if (it == rule.optional.end()) {
      problems.push_back(path + "." + key + ": not allowed (additionalProperties: false)");
    } else if (!HasType(item, it->second)) {
      problems.push_back(path + "." + key + ": not of type " + it->second);
    }
  }
}

std::vector<std::string> CheckCtrf(const nlohmann::json& doc) {
  std::vector<std::string> problems;
  const ObjectRule root{{{"reportFormat", "string"}, {"specVersion", "string"}, {"results", "object"}},
                        {{"reportId", "string"}, {"timestamp", "string"}, {"generatedBy", "string"},
                         {"extra", "object"}, {"insights", "object"}, {"baseline", "object"}}};
  CheckObject(doc, root, "$", problems);
  if (!problems.empty()) return problems;
  if (doc["reportFormat"] != "CTRF") problems.push_back("$.reportFormat: must be \"CTRF\"");
  if (!std::regex_match(doc["specVersion"].get<std::string>(), std::regex("^[0-9]+\\.[0-9]+\\.[0-9]+$"))) {
    problems.push_back("$.specVersion: not MAJOR.MINOR.PATCH");
  }
  const ObjectRule results{{{"tool", "object"}, {"summary", "object"}, {"tests", "array"}},
                           {{"environment", "object"}, {"extra", "object"}}};
  const nlohmann::json& r = doc["results"];
  CheckObject(r, results, "$.results", problems);
  if (!problems.empty()) return problems;
  CheckObject(r["tool"], {{{"name", "string"}}, {{"version", "string"}, {"extra", "object"}}},
              "$.results.tool", problems);
  if (r["tool"].contains("name") && r["tool"]["name"].is_string() && r["tool"]["name"].get<std::string>().empty()) {
    problems.push_back("$.results.tool.name: minLength 1");
  }
  ObjectRule summary;
  for (const char* key : {"tests", "passed", "failed", "skipped", "pending", "other", "start", "stop"}) {
    summary.required[key] = "integer";
  }
  summary.optional = {{"flaky", "integer"}, {"suites", "integer"}, {"duration", "integer"}, {"extra", "object"}};
  CheckObject(r["summary"], summary, "$.results.summary", problems);
  ObjectRule test{{{"name", "string"}, {"status", "string"}, {"duration", "integer"}},
                  {{"id", "string"}, {"start", "integer"}, {"stop", "integer"}, {"suite", "array"},
                   {"message", "string"}, {"trace", "string"}, {"snippet", "string"}, {"ai", "string"},
                   {"line", "integer"}, {"rawStatus", "string"}, {"tags", "array"}, {"labels", "object"},
                   {"type", "string"}, {"filePath", "string"}, {"retries", "integer"},
                   {"retryAttempts", "array"}, {"flaky", "boolean"}, {"stdout", "array"},
                   {"stderr", "array"}, {"threadId", "string"}, {"browser", "string"},
                   {"device", "string"}, {"screenshot", "string"}, {"attachments", "array"},
                   {"parameters", "object"}, {"steps", "array"}, {"insights", "object"},
                   {"extra", "object"}}};
  const std::set<std::string> statuses = {"passed", "failed", "skipped", "pending", "other"};
  for (size_t i = 0; i < r["tests"].size(); ++i) {
    const std::string path = "$.results.tests[" + std::to_string(i) + "]";
    const nlohmann::json& t = r["tests"][i];
    CheckObject(t, test, path, problems);
    if (t.contains("name") && t["name"].is_string() && t["name"].get<std::string>().empty()) {
      problems.push_back(path + ".name: minLength 1");
    }
    if (t.contains("status") && (!t["status"].is_string() || !statuses.count(t["status"].get<std::string>()))) {
      problems.push_back(path + ".status: not one of passed|failed|skipped|pending|other");
    }
    if (t.contains("suite")) {
      if (t["suite"].empty()) problems.push_back(path + ".suite: minItems 1");
      for (const auto& s : t["suite"]) {
        if (!s.is_string()) problems.push_back(path + ".suite: items must be strings");
      }
    }
  }
  if (r.contains("environment")) {
    ObjectRule env;
    for (const char* key : {"reportName", "appName", "appVersion", "buildId", "buildName", "buildUrl",
                            "repositoryName", "repositoryUrl", "commit", "branchName", "osPlatform",
                            "osRelease", "osVersion", "testEnvironment"}) {
      env.optional[key] = "string";
    }
    env.optional["buildNumber"] = "integer";
    env.optional["healthy"] = "boolean";
    env.optional["extra"] = "object";
    CheckObject(r["environment"], env, "$.results.environment", problems);
  }
  return problems;
}

GateReport MixedReport() {
  std::vector<spec::Constraint> cs = {
      Make("output_throughput_tok_s", ">=", 1000, 0),                     // fail @1, pass @64
      Make("ttft_ms.p99", "<=", 2000, 0.1, "concurrency=64"),             // pass (DRAFT)
      Make("ttft_ms.p99", "<=", 2000, 0.1, "concurrency=256"),            // skipped
      Make("tpot_ms.p99", "<=", 50, 0, "concurrency=1"),                  // other
  };
  return EvaluateConstraints(cs, TwoPointRun());
}

TEST(CtrfCheckerTest, RejectsWhatTheSchemaRejects) {
  // The checker must be able to fail, or the tests below prove nothing.
  nlohmann::json doc = CtrfReport(MixedReport(), TwoPointRun(), "9.9.9");
  ASSERT_THAT(CheckCtrf(doc), IsEmpty());
  nlohmann::json fractional = doc;
  fractional["results"]["tests"][0]["duration"] = 1.5;
  EXPECT_THAT(CheckCtrf(fractional), ::testing::Contains(HasSubstr("duration: not of type integer")));
  nlohmann::json unknown = doc;
  unknown["results"]["summary"]["run_id"] = "x";
  EXPECT_THAT(CheckCtrf(unknown), ::testing::Contains(HasSubstr("not allowed")));
  nlohmann::json bad_status = doc;
  bad_status["results"]["tests"][0]["status"] = "error";
  EXPECT_FALSE(CheckCtrf(bad_status).empty());
  nlohmann::json missing = doc;
  missing["results"]["summary"].erase("stop");
  EXPECT_FALSE(CheckCtrf(missing).empty());
  nlohmann::json version = doc;
  version["specVersion"] = "1.0";
  EXPECT_FALSE(CheckCtrf(version).empty());
}

TEST(CtrfTest, ReportMatchesTheSchema) {
  nlohmann::json doc = CtrfReport(MixedReport(), TwoPointRun(), "0.4.0");
  EXPECT_THAT(CheckCtrf(doc), IsEmpty()) << doc.dump(2);
  EXPECT_EQ(doc["reportFormat"], "CTRF");
  EXPECT_EQ(doc["specVersion"], std::string(kCtrfSpecVersion));
  EXPECT_EQ(doc["results"]["tool"]["name"], "inferbench");
  EXPECT_EQ(doc["results"]["tool"]["version"], "0.4.0");
  EXPECT_EQ(doc["generatedBy"], "inferbench 0.4.0");
  EXPECT_TRUE(std::regex_match(doc["timestamp"].get<std::string>(),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));
}

TEST(CtrfTest, SummaryCountsAddUpAndMatchTheTests) {
  GateReport report = MixedReport();
  nlohmann::json doc = CtrfReport(report, TwoPointRun(), "dev");
  const nlohmann::json& s = doc["results"]["summary"];
  const nlohmann::json& tests = doc["results"]["tests"];
  ASSERT_EQ(tests.size(), report.outcomes.size());  // one per constraint × point
  ASSERT_EQ(tests.size(), 5u);
  EXPECT_EQ(s["tests"], 5);
  EXPECT_EQ(s["tests"].get<int>(), s["passed"].get<int>() + s["failed"].get<int>() +
                                       s["skipped"].get<int>() + s["pending"].get<int>() +
                                       s["other"].get<int>());
  std::map<std::string, int> by_status;
  for (const auto& t : tests) ++by_status[t["status"].get<std::string>()];
  EXPECT_EQ(s["passed"], by_status["passed"]);
  EXPECT_EQ(s["failed"], by_status["failed"]);
  EXPECT_EQ(s["skipped"], by_status["skipped"]);
  EXPECT_EQ(s["other"], by_status["other"]);
  EXPECT_EQ(s["passed"], 2);
  EXPECT_EQ(s["failed"], 1);
  EXPECT_EQ(s["skipped"], 1);
  EXPECT_EQ(s["other"], 1);
  EXPECT_EQ(s["pending"], 0);
  EXPECT_EQ(s["start"], report.start_ms);
  EXPECT_EQ(s["stop"], report.stop_ms);
  EXPECT_EQ(s["duration"], report.stop_ms - report.start_ms);
}

TEST(CtrfTest, EvaluationErrorIsOtherWithItsMessage) {
  nlohmann::json doc = CtrfReport(MixedReport(), TwoPointRun(), "dev");
  const nlohmann::json& t = doc["results"]["tests"][4];
  EXPECT_EQ(t["name"], "tpot_ms.p99 <= 50 @ concurrency=1");
  EXPECT_EQ(t["status"], "other");
  EXPECT_THAT(t["message"].get<std::string>(), HasSubstr("was not measured"));
  EXPECT_TRUE(t["extra"]["inferbench"]["measured"].is_null());
}

TEST(CtrfTest, OurNumbersSitUnderExtraInferbench) {
  nlohmann::json doc = CtrfReport(MixedReport(), TwoPointRun(), "dev");
  const nlohmann::json& t = doc["results"]["tests"][2];  // ttft_ms.p99 @ concurrency=64
  EXPECT_EQ(t["duration"], 0);
  const nlohmann::json& x = t["extra"]["inferbench"];
  EXPECT_EQ(x["metric"], "ttft_ms.p99");
  EXPECT_EQ(x["point"], "concurrency=64");
  EXPECT_EQ(x["op"], "<=");
  EXPECT_EQ(x["value"], 2000.0);
  EXPECT_EQ(x["tolerance"], 0.1);
  EXPECT_EQ(x["strict"], false);
  EXPECT_EQ(x["measured"], 2100.0);
  EXPECT_EQ(x["ci_low"], 1900.0);
  EXPECT_EQ(x["ci_high"], 2300.0);
  EXPECT_EQ(x["n"], 3);
  EXPECT_EQ(x["tier"], "DRAFT");
  ASSERT_EQ(x["draft_reasons"].size(), 2u);
  EXPECT_EQ(x["draft_reasons"][1], "client saturated");
  EXPECT_EQ(x["message"], t["message"]);
  EXPECT_EQ(t["suite"], nlohmann::json::array({"unit-sweep", "concurrency=64"}));
}

TEST(CtrfTest, RunIdAndWarningsAreRecorded) {
  nlohmann::json doc = CtrfReport(MixedReport(), TwoPointRun(), "dev");
  EXPECT_EQ(doc["results"]["environment"]["extra"]["run_id"], "20250101T000000Z-test");
  const nlohmann::json& ours = doc["results"]["extra"]["inferbench"];
  EXPECT_EQ(ours["run_id"], "20250101T000000Z-test");
  EXPECT_EQ(ours["gate_status"], "failed");
  ASSERT_EQ(ours["warnings"].size(), 1u);
  EXPECT_THAT(ours["warnings"][0].get<std::string>(), HasSubstr("concurrency=256"));
}

TEST(CtrfTest, NoConstraintsGivesAnEmptyValidReport) {
  GateReport report = EvaluateConstraints({}, TwoPointRun());
  nlohmann::json doc = CtrfReport(report, TwoPointRun(), "dev");
  EXPECT_THAT(CheckCtrf(doc), IsEmpty());
  EXPECT_TRUE(doc["results"]["tests"].empty());
  EXPECT_EQ(doc["results"]["summary"]["tests"], 0);
  EXPECT_EQ(doc["results"]["extra"]["inferbench"]["gate_status"], "skipped");
}

class WriteCtrfTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("inferbench_ctrf_test_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(WriteCtrfTest, WritesAtomicallyIntoNewDirectories) {
  nlohmann::json doc = CtrfReport(MixedReport(), TwoPointRun(), "dev");
  const std::filesystem::path path = dir_ / "reports" / "ctrf.json";
  Status s = WriteCtrf(path.string(), doc);
  ASSERT_TRUE(s.ok()) << s.message();
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(nlohmann::json::parse(text.str()), doc);
  // Only the file itself is left behind, no temporary.
  int entries = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir_ / "reports")) ++entries;
  EXPECT_EQ(entries, 1);
  // Overwriting replaces the old content.
  nlohmann::json empty = CtrfReport(EvaluateConstraints({}, TwoPointRun()), TwoPointRun(), "dev");
  ASSERT_TRUE(WriteCtrf(path.string(), empty).ok());
  std::ifstream again(path);
  EXPECT_EQ(nlohmann::json::parse(again), empty);
}

TEST_F(WriteCtrfTest, FailureNamesTheFile) {
  std::filesystem::create_directories(dir_);
  const std::filesystem::path blocker = dir_ / "not-a-dir";
  std::ofstream(blocker) << "x";
  const std::string path = (blocker / "ctrf.json").string();
  Status s = WriteCtrf(path, nlohmann::json::object());
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr(path));
}

}  // namespace
}  // namespace inferbench::gate
