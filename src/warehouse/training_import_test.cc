#include "warehouse/training_import.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>

#include <nlohmann/json.hpp>

#include "evidence/test_evidence.h"
#include "warehouse/database.h"
#include "warehouse/test_warehouse.h"

namespace inferbench::warehouse {
namespace {

namespace fs = std::filesystem;

nlohmann::json ValidDocument() {
  return {{"schema", "inferbench.training/v1"},
          {"run_id", "train-2026-11"},
          {"outcomes",
           {{{"phase", "pretrain"},
             {"scale_point", "8xH100"},
             {"gpu_count", 8},
             {"step_time_s", 1.5},
             {"tokens_per_s", 52000},
             {"mfu", 0.42},
             {"scaling_efficiency", 1.0},
             {"reliability", 0.999}},
            {{"phase", "pretrain"},
             {"scale_point", "64xH100"},
             {"gpu_count", 64},
             {"step_time_s", 1.7},
             {"tokens_per_s", 380000},
             {"time_to_train_s", 86400},
             {"mfu", 0.39},
             {"scaling_efficiency", 0.91},
             {"reliability", nullptr}}}}};
}

class TrainingImportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = evidence::testing::MakeScratchDir("ib-training");
    ASSERT_FALSE(dir_.empty());
    db_ = &testing::EmptyTestWarehouse();
  }

  void TearDown() override { evidence::testing::RemoveScratchDir(dir_); }

  std::string Write(const std::string& text) {
    std::string path = dir_ + "/training-" + std::to_string(files_++) + ".json";
    std::ofstream(path) << text;
    return path;
  }

  int64_t Rows() {
    auto t = db_->Query("SELECT count(*) FROM training_outcome_fact");
    EXPECT_TRUE(t.ok());
    return t.ok() ? t->rows[0][0].get<int64_t>() : -1;
  }

  // Imports a mutated valid document and returns the error message ("" on success).
  std::string ErrorFor(const std::function<void(nlohmann::json&)>& mutate) {
    nlohmann::json doc = ValidDocument();
    mutate(doc);
    std::string path = Write(doc.dump());
    auto result = ImportTraining(*db_, path);
    if (result.ok()) return "";
    EXPECT_NE(result.status().message().find(path), std::string::npos) << result.status().message();
    return result.status().message();
  }

  std::string dir_;
  int files_ = 0;
  Database* db_ = nullptr;
};

TEST_F(TrainingImportTest, ImportsEveryOutcome) {
  std::string path = Write(ValidDocument().dump());
  auto stats = ImportTraining(*db_, path);
  ASSERT_TRUE(stats.ok()) << stats.status().message();
  EXPECT_EQ(stats->run_id, "train-2026-11");
  EXPECT_EQ(stats->rows, 2);
  EXPECT_EQ(stats->replaced, 0);

  auto row = db_->Query(
      "SELECT gpu_count, step_time_s, tokens_per_s, time_to_train_s, mfu, scaling_efficiency, "
      "reliability, source_file, imported_at IS NOT NULL FROM training_outcome_fact "
      "WHERE run_id = 'train-2026-11' AND phase = 'pretrain' AND scale_point = '64xH100'");
  ASSERT_TRUE(row.ok()) << row.status().message();
  ASSERT_EQ(row->rows.size(), 1u);
  const auto& r = row->rows[0];
  EXPECT_EQ(r[0], 64);
  EXPECT_DOUBLE_EQ(r[1].get<double>(), 1.7);
  EXPECT_DOUBLE_EQ(r[2].get<double>(), 380000);
  EXPECT_DOUBLE_EQ(r[3].get<double>(), 86400);
  EXPECT_DOUBLE_EQ(r[4].get<double>(), 0.39);
  EXPECT_DOUBLE_EQ(r[5].get<double>(), 0.91);
  EXPECT_TRUE(r[6].is_null());
  EXPECT_EQ(r[7], path);
  EXPECT_EQ(r[8], true);
}

TEST_F(TrainingImportTest, ReimportReplacesRowsWithTheSameKey) {
  ASSERT_TRUE(ImportTraining(*db_, Write(ValidDocument().dump())).ok());
  nlohmann::json doc = ValidDocument();
  doc["outcomes"][0]["mfu"] = 0.5;
  doc["outcomes"].push_back(
      {{"phase", "finetune"}, {"scale_point", "8xH100"}, {"gpu_count", 8}, {"reliability", 1}});
  auto stats = ImportTraining(*db_, Write(doc.dump()));
  ASSERT_TRUE(stats.ok()) << stats.status().message();
  EXPECT_EQ(stats->rows, 3);
  EXPECT_EQ(stats->replaced, 2);
  EXPECT_EQ(Rows(), 3);
  auto mfu = db_->Query(
      "SELECT mfu FROM training_outcome_fact WHERE scale_point = '8xH100' AND "
      "phase = 'pretrain'");
  ASSERT_TRUE(mfu.ok());
  EXPECT_DOUBLE_EQ(mfu->rows[0][0].get<double>(), 0.5);
}

TEST_F(TrainingImportTest, ErrorsNameThePathAndTheRule) {
  std::string e = ErrorFor([](nlohmann::json& d) { d["outcomes"][1]["mfu"] = 1.3; });
  EXPECT_NE(e.find("outcomes[1].mfu"), std::string::npos) << e;
  EXPECT_NE(e.find("between 0 and 1"), std::string::npos) << e;

  e = ErrorFor([](nlohmann::json& d) { d["outcomes"][0]["step_time_s"] = 0; });
  EXPECT_NE(e.find("outcomes[0].step_time_s: must be a number > 0"), std::string::npos) << e;

  e = ErrorFor([](nlohmann::json& d) { d["outcomes"][0]["reliability"] = "high"; });
  EXPECT_NE(e.find("outcomes[0].reliability"), std::string::npos) << e;

  e = ErrorFor([](nlohmann::json& d) { d["outcomes"][1]["gpu_count"] = 2.5; });
  EXPECT_NE(e.find("outcomes[1].gpu_count: must be an integer >= 1"), std::string::npos) << e;

  e = ErrorFor([](nlohmann::json& d) { d["outcomes"][0].erase("phase"); });
  EXPECT_NE(e.find("outcomes[0].phase: required"), std::string::npos) << e;

  e = ErrorFor([](nlohmann::json& d) { d["outcomes"][0]["mfu_pct"] = 41; });
  EXPECT_NE(e.find("outcomes[0].mfu_pct: unknown key"), std::string::npos) << e;

  e = ErrorFor([](nlohmann::json& d) { d["schema"] = "inferbench.training/v2"; });
  EXPECT_NE(e.find("schema: must be \"inferbench.training/v1\""), std::string::npos) << e;

  e = ErrorFor([](nlohmann::json& d) { d["run_id"] = "a b"; });
  EXPECT_NE(e.find("run_id:"), std::string::npos) << e;

  e = ErrorFor([](nlohmann::json& d) { d["outcomes"] = nlohmann::json::array(); });
  EXPECT_NE(e.find("outcomes: required, a non-empty array"), std::string::npos) << e;

  e = ErrorFor([](nlohmann::json& d) { d["outcomes"][1]["scale_point"] = "8xH100"; });
  EXPECT_NE(e.find("outcomes[1]: repeats phase \"pretrain\" at scale_point \"8xH100\" of "
                   "outcomes[0]"),
            std::string::npos)
      << e;

  e = ErrorFor([](nlohmann::json& d) {
    d["outcomes"][0] = {{"phase", "p"}, {"scale_point", "s"}, {"gpu_count", 1}};
  });
  EXPECT_NE(e.find("outcomes[0]: gives no measurement"), std::string::npos) << e;

  EXPECT_EQ(Rows(), 0);  // nothing of any failed file went in
}

TEST_F(TrainingImportTest, UnreadableOrInvalidJsonIsAnErrorNamingTheFile) {
  auto missing = ImportTraining(*db_, dir_ + "/nope.json");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("nope.json"), std::string::npos);
  std::string path = Write("{\"schema\": ");
  auto invalid = ImportTraining(*db_, path);
  ASSERT_FALSE(invalid.ok());
  EXPECT_NE(invalid.status().message().find(path + ": not valid JSON"), std::string::npos)
      << invalid.status().message();
}

TEST_F(TrainingImportTest, AFailedInsertLeavesNothingBehind) {
  // Its own warehouse: the table gets a CHECK that only the second outcome violates, so the
  // failure happens inside the transaction, after the first row went in.
  auto opened = Database::OpenInMemory();
  ASSERT_TRUE(opened.ok());
  Database& db = **opened;
  ASSERT_TRUE(db.Execute("CREATE TABLE training_outcome_fact ("
                         "run_id VARCHAR, phase VARCHAR, scale_point VARCHAR, "
                         "gpu_count INTEGER CHECK (gpu_count < 10), step_time_s DOUBLE, "
                         "tokens_per_s DOUBLE, time_to_train_s DOUBLE, mfu DOUBLE, "
                         "scaling_efficiency DOUBLE, reliability DOUBLE, source_file VARCHAR, "
                         "imported_at TIMESTAMP)")
                  .ok());
  auto result = ImportTraining(db, Write(ValidDocument().dump()));
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("nothing was imported"), std::string::npos);
  auto rows = db.Query("SELECT count(*) FROM training_outcome_fact");
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->rows[0][0], 0);
}

}  // namespace
}  // namespace inferbench::warehouse
