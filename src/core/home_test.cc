#include "core/home.h"

#include <cstdlib>
#include <optional>
#include <string>

#include <gtest/gtest.h>

namespace inferbench {
namespace {

// Sets INFERBENCH_HOME for one test and restores the previous value.
class ScopedHome {
 public:
  explicit ScopedHome(const char* value) {
    if (const char* old = std::getenv("INFERBENCH_HOME")) old_ = old;
    if (value) setenv("INFERBENCH_HOME", value, 1); else unsetenv("INFERBENCH_HOME");
  }
  ~ScopedHome() {
    if (old_) setenv("INFERBENCH_HOME", old_->c_str(), 1); else unsetenv("INFERBENCH_HOME");
  }

 private:
  std::optional<std::string> old_;
};

TEST(HomeTest, DefaultsToDotInferbench) {
  ScopedHome home(nullptr);
  EXPECT_EQ(InferbenchHome(), "./.inferbench");
  EXPECT_EQ(DefaultEvidenceRoot(), "./.inferbench/evidence");
  EXPECT_EQ(DefaultWarehousePath(), "./.inferbench/warehouse.duckdb");
  EXPECT_EQ(DefaultRunsDirectory(), "./.inferbench/runs");
}

TEST(HomeTest, EnvironmentOverrides) {
  ScopedHome home("/srv/ib");
  EXPECT_EQ(DefaultEvidenceRoot(), "/srv/ib/evidence");
  EXPECT_EQ(DefaultWarehousePath(), "/srv/ib/warehouse.duckdb");
}

TEST(HomeTest, EmptyValueIsIgnored) {
  ScopedHome home("");
  EXPECT_EQ(InferbenchHome(), "./.inferbench");
}

}  // namespace
}  // namespace inferbench
