#include "warehouse/baseline.h"

#include <memory>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "warehouse/database.h"
#include "warehouse/test_warehouse.h"

namespace inferbench::warehouse {
namespace {

using ::testing::HasSubstr;

class BaselineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = &testing::EmptyTestWarehouse();
    for (const auto& [id, digest] : {std::pair{"run-1", "wd1"}, {"run-2", "wd1"}, {"run-3", "wd2"}}) {
      ASSERT_TRUE(db_->ExecuteParams("INSERT INTO benchmark_run_fact (run_id, started_at, status, "
                                     "workload_spec_digest) VALUES (?, TIMESTAMP '2026-01-01 00:00:00', "
                                     "'ok', ?)",
                                     {std::string(id), std::string(digest)})
                      .ok());
    }
  }
  Database* db_ = nullptr;
};

TEST_F(BaselineTest, OneRunPerNameAndWorkload) {
  auto set = SetBaseline(*db_, "main", "run-1");
  ASSERT_TRUE(set.ok()) << set.status().message();
  EXPECT_EQ(set->workload_spec_digest, "wd1");
  EXPECT_FALSE(set->created_at.empty());
  ASSERT_TRUE(SetBaseline(*db_, "main", "run-3").ok());  // another workload: a second row
  ASSERT_TRUE(SetBaseline(*db_, "main", "run-2").ok());  // same workload: replaces run-1
  ASSERT_TRUE(SetBaseline(*db_, "release", "run-1").ok());

  auto list = ListBaselines(*db_);
  ASSERT_TRUE(list.ok()) << list.status().message();
  ASSERT_EQ(list->size(), 3u);
  EXPECT_EQ((*list)[0].name, "main");
  EXPECT_EQ((*list)[0].workload_spec_digest, "wd1");
  EXPECT_EQ((*list)[0].run_id, "run-2");
  EXPECT_EQ((*list)[1].run_id, "run-3");
  EXPECT_EQ((*list)[2].name, "release");
  EXPECT_FALSE((*list)[2].run_started_at.empty());

  const nlohmann::json j = BaselinesToJson(*list);
  EXPECT_EQ(j.size(), 3u);
  EXPECT_EQ(j[0]["run_id"], "run-2");
  EXPECT_THAT(FormatBaselines(*list), HasSubstr("release"));
}

TEST_F(BaselineTest, UnknownRunAndEmptyNameAreErrors) {
  auto unknown = SetBaseline(*db_, "main", "run-9");
  ASSERT_FALSE(unknown.ok());
  EXPECT_THAT(unknown.status().message(), HasSubstr("run-9"));
  EXPECT_FALSE(SetBaseline(*db_, "", "run-1").ok());
  auto list = ListBaselines(*db_);
  ASSERT_TRUE(list.ok());
  EXPECT_TRUE(list->empty());
  EXPECT_THAT(FormatBaselines(*list), HasSubstr("baseline set"));
}

}  // namespace
}  // namespace inferbench::warehouse
