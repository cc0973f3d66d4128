#include "evidence/object_store.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/sha256.h"
#include "evidence/test_evidence.h"

namespace inferbench::evidence {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class ObjectStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::MakeScratchDir("ib-objects");
    ASSERT_FALSE(dir_.empty());
    root_ = dir_ + "/store";
  }
  void TearDown() override { testing::RemoveScratchDir(dir_); }

  static std::string Slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
  static void Overwrite(const std::string& path, const std::string& bytes) {
    fs::permissions(path, fs::perms::owner_write, fs::perm_options::add);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << bytes;
  }
  static mode_t Mode(const std::string& path) {
    struct stat st {};
    EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
    return st.st_mode & 07777;
  }

  std::string dir_;
  std::string root_;
};

TEST_F(ObjectStoreTest, PutThenGetReturnsTheBytesUnderTheirSha256) {
  ObjectStore store(root_);
  const std::string bytes = "{\"hello\": \"evidence\"}\n";
  auto digest = store.Put(bytes);
  ASSERT_TRUE(digest.ok()) << digest.status().message();
  EXPECT_EQ(*digest, Sha256Hex(bytes));
  EXPECT_EQ(store.ObjectPath(*digest), root_ + "/objects/" + digest->substr(0, 2) + "/" +
                                           digest->substr(2));
  EXPECT_TRUE(store.Has(*digest));
  auto back = store.Get(*digest);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(*back, bytes);
  EXPECT_TRUE(store.Verify(*digest).ok());
}

TEST_F(ObjectStoreTest, ObjectsAreReadOnlyAndFoldersOpen) {
  const mode_t saved = ::umask(022);
  ObjectStore store(root_);
  auto digest = store.Put("read only");
  ::umask(saved);
  ASSERT_TRUE(digest.ok());
  EXPECT_EQ(Mode(store.ObjectPath(*digest)), 0444u);
  EXPECT_EQ(Mode(root_ + "/objects"), 0755u);
  EXPECT_EQ(Mode(root_ + "/objects/" + digest->substr(0, 2)), 0755u);
}

TEST_F(ObjectStoreTest, StoredBytesAreZstdCompressed) {
  ObjectStore store(root_);
  std::string bytes;
  for (int i = 0; i < 20000; ++i) bytes += "{\"request_id\":\"r" + std::to_string(i % 50) + "\"}\n";
  auto digest = store.Put(bytes);
  ASSERT_TRUE(digest.ok());
  const std::string raw = Slurp(store.ObjectPath(*digest));
  ASSERT_GE(raw.size(), 4u);
  // zstd frame magic number 0xFD2FB528, little-endian.
  EXPECT_EQ(static_cast<unsigned char>(raw[0]), 0x28);
  EXPECT_EQ(static_cast<unsigned char>(raw[1]), 0xb5);
  EXPECT_EQ(static_cast<unsigned char>(raw[2]), 0x2f);
  EXPECT_EQ(static_cast<unsigned char>(raw[3]), 0xfd);
  EXPECT_LT(raw.size() * 10, bytes.size());
}

TEST_F(ObjectStoreTest, PuttingStoredBytesAgainLeavesTheObjectAlone) {
  ObjectStore store(root_);
  auto first = store.Put("same bytes");
  ASSERT_TRUE(first.ok());
  struct stat before {};
  ASSERT_EQ(::stat(store.ObjectPath(*first).c_str(), &before), 0);
  auto second = store.Put("same bytes");
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*first, *second);
  struct stat after {};
  ASSERT_EQ(::stat(store.ObjectPath(*first).c_str(), &after), 0);
  EXPECT_EQ(before.st_ino, after.st_ino);
}

TEST_F(ObjectStoreTest, EmptyBytesAreAnObjectToo) {
  ObjectStore store(root_);
  auto digest = store.Put("");
  ASSERT_TRUE(digest.ok());
  EXPECT_EQ(*digest, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  auto back = store.Get(*digest);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(*back, "");
}

TEST_F(ObjectStoreTest, PutFileStreamsALargeFileAndReportsItsSize) {
  // Larger than the 256 KiB read chunk and zstd's stream buffers, with a tail that is not a
  // multiple of either.
  const std::string path = dir_ + "/big.jsonl";
  std::string bytes;
  {
    std::ofstream out(path, std::ios::binary);
    uint64_t x = 88172645463325252ull;
    for (int i = 0; i < 100000; ++i) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      std::string line = std::to_string(x % 100000) + "\n";
      bytes += line;
      out << line;
    }
    out << "tail";
    bytes += "tail";
  }
  ObjectStore store(root_);
  int64_t size = -1;
  auto digest = store.PutFile(path, &size);
  ASSERT_TRUE(digest.ok()) << digest.status().message();
  EXPECT_EQ(size, static_cast<int64_t>(bytes.size()));
  EXPECT_EQ(*digest, Sha256Hex(bytes));
  auto back = store.Get(*digest);
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(*back == bytes);
  EXPECT_TRUE(store.Verify(*digest).ok());

  // Stored again: same digest and size, no temporary files left anywhere.
  int64_t again = -1;
  auto second = store.PutFile(path, &again);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second, *digest);
  EXPECT_EQ(again, size);
  for (const auto& entry : fs::recursive_directory_iterator(root_)) {
    EXPECT_EQ(entry.path().string().find(".tmp"), std::string::npos) << entry.path();
  }
}

TEST_F(ObjectStoreTest, PutFileOfAMissingFileNamesIt) {
  ObjectStore store(root_);
  auto digest = store.PutFile(dir_ + "/nope.json");
  ASSERT_FALSE(digest.ok());
  EXPECT_THAT(digest.status().message(), HasSubstr(dir_ + "/nope.json"));
}

TEST_F(ObjectStoreTest, GetOfAMissingObjectNamesTheDigest) {
  ObjectStore store(root_);
  const std::string digest = Sha256Hex("never stored");
  EXPECT_FALSE(store.Has(digest));
  auto got = store.Get(digest);
  ASSERT_FALSE(got.ok());
  EXPECT_THAT(got.status().message(), HasSubstr(digest));
  EXPECT_THAT(got.status().message(), HasSubstr("missing"));
}

TEST_F(ObjectStoreTest, MalformedDigestsAreRefused) {
  ObjectStore store(root_);
  EXPECT_FALSE(store.Has("../../etc/passwd"));
  auto got = store.Get("ABCDEF");
  ASSERT_FALSE(got.ok());
  EXPECT_THAT(got.status().message(), HasSubstr("not a SHA-256 digest"));
  EXPECT_FALSE(store.Verify(std::string(64, 'G')).ok());
}

TEST_F(ObjectStoreTest, TruncatedObjectIsReportedWithItsDigest) {
  ObjectStore store(root_);
  std::string bytes;
  for (int i = 0; i < 5000; ++i) bytes += std::to_string(i * 7919) + ",";
  auto digest = store.Put(bytes);
  ASSERT_TRUE(digest.ok());
  const std::string path = store.ObjectPath(*digest);
  const std::string raw = Slurp(path);
  Overwrite(path, raw.substr(0, raw.size() / 2));
  auto got = store.Get(*digest);
  ASSERT_FALSE(got.ok());
  EXPECT_THAT(got.status().message(), HasSubstr(*digest));
  EXPECT_THAT(got.status().message(), HasSubstr("truncated"));
  Status verified = store.Verify(*digest);
  ASSERT_FALSE(verified.ok());
  EXPECT_THAT(verified.message(), HasSubstr(*digest));
}

TEST_F(ObjectStoreTest, FlippedByteInsideTheFrameIsCaught) {
  ObjectStore store(root_);
  std::string bytes;
  for (int i = 0; i < 5000; ++i) bytes += std::to_string(i * 104729) + "\n";
  auto digest = store.Put(bytes);
  ASSERT_TRUE(digest.ok());
  const std::string path = store.ObjectPath(*digest);
  std::string raw = Slurp(path);
  raw[raw.size() / 2] = static_cast<char>(raw[raw.size() / 2] ^ 0x01);
  Overwrite(path, raw);
  Status verified = store.Verify(*digest);
  ASSERT_FALSE(verified.ok());
  EXPECT_THAT(verified.message(), HasSubstr(*digest));
}

TEST_F(ObjectStoreTest, ValidFrameWithOtherContentIsAHashMismatch) {
  ObjectStore store(root_);
  auto digest = store.Put("the original bytes");
  ASSERT_TRUE(digest.ok());
  ObjectStore other(dir_ + "/other");
  auto forged = other.Put("the forged bytes!!");
  ASSERT_TRUE(forged.ok());
  Overwrite(store.ObjectPath(*digest), Slurp(other.ObjectPath(*forged)));
  // Get does not re-hash; Verify does.
  auto got = store.Get(*digest);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, "the forged bytes!!");
  Status verified = store.Verify(*digest);
  ASSERT_FALSE(verified.ok());
  EXPECT_EQ(verified.message(), "object " + *digest + ": content hashes to " + *forged);
}

TEST_F(ObjectStoreTest, RemoveDeletesAndToleratesAbsence) {
  ObjectStore store(root_);
  auto digest = store.Put("to be removed");
  ASSERT_TRUE(digest.ok());
  EXPECT_TRUE(store.Remove(*digest).ok());
  EXPECT_FALSE(store.Has(*digest));
  EXPECT_TRUE(store.Remove(*digest).ok());
}

TEST_F(ObjectStoreTest, RootWithMissingParentsIsCreated) {
  // Regression: `.inferbench/evidence` in a fresh working directory has no `.inferbench` yet.
  ObjectStore store(dir_ + "/a/b/evidence");
  auto digest = store.Put("first object");
  ASSERT_TRUE(digest.ok()) << digest.status().message();
  EXPECT_TRUE(store.Has(*digest));
}

TEST_F(ObjectStoreTest, RootThatCannotBeCreatedIsAnErrorNamingIt) {
  // A root below a regular file cannot be created, whoever runs the test.
  std::ofstream(dir_ + "/plain-file") << "x";
  const std::string root = dir_ + "/plain-file/store";
  ObjectStore store(root);
  auto digest = store.Put("cannot land");
  ASSERT_FALSE(digest.ok());
  EXPECT_THAT(digest.status().message(), HasSubstr(root));
  EXPECT_THAT(digest.status().message(), HasSubstr("--evidence"));
}

}  // namespace
}  // namespace inferbench::evidence
