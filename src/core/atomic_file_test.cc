#include "core/atomic_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace inferbench {
namespace {

namespace fs = std::filesystem;

class AtomicFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ib-atomic-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  static std::string Read(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  fs::path dir_;
};

TEST_F(AtomicFileTest, CreatesParentsReplacesContentAndLeavesNoTemporary) {
  const fs::path path = dir_ / "a" / "b" / "file.json";
  ASSERT_TRUE(WriteFileAtomically(path.string(), "first").ok());
  EXPECT_EQ(Read(path), "first");
  ASSERT_TRUE(WriteFileAtomically(path.string(), std::string("sec\0nd", 6)).ok());
  EXPECT_EQ(Read(path), std::string("sec\0nd", 6));
  int files = 0;
  for (const auto& entry : fs::directory_iterator(path.parent_path())) {
    (void)entry;
    ++files;
  }
  EXPECT_EQ(files, 1);
}

TEST_F(AtomicFileTest, FailureNamesThePath) {
  fs::create_directories(dir_);
  std::ofstream(dir_ / "not-a-dir") << "x";
  const std::string path = (dir_ / "not-a-dir" / "file.json").string();
  Status s = WriteFileAtomically(path, "x");
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), ::testing::HasSubstr(path));
}

}  // namespace
}  // namespace inferbench
