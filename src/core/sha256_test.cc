#include "core/sha256.h"

#include <string>
#include <utility>

#include <gtest/gtest.h>

namespace inferbench {
namespace {

// FIPS 180-2 Appendix B test vectors.
constexpr char kAbc[] = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
constexpr char kEmpty[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr char k448Bit[] = "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1";
constexpr char kMillionA[] = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";

TEST(Sha256Test, FipsVectors) {
  EXPECT_EQ(Sha256Hex("abc"), kAbc);
  EXPECT_EQ(Sha256Hex(""), kEmpty);
  EXPECT_EQ(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"), k448Bit);
}

TEST(Sha256Test, IncrementalMatchesOneShot) {
  Sha256 hasher;
  const std::string chunk(1000, 'a');
  for (int i = 0; i < 1000; ++i) hasher.Update(chunk);
  EXPECT_EQ(hasher.FinishHex(), kMillionA);
}

TEST(Sha256Test, SplitPointsDoNotMatter) {
  Sha256 hasher;
  hasher.Update("ab");
  hasher.Update("");
  hasher.Update("c");
  EXPECT_EQ(hasher.FinishHex(), kAbc);
}

TEST(Sha256Test, FinishStartsOver) {
  Sha256 hasher;
  hasher.Update("abc");
  EXPECT_EQ(hasher.FinishHex(), kAbc);
  EXPECT_EQ(hasher.FinishHex(), kEmpty);
}

TEST(Sha256Test, MovedHasherKeepsItsState) {
  Sha256 first;
  first.Update("a");
  Sha256 second(std::move(first));
  second.Update("bc");
  EXPECT_EQ(second.FinishHex(), kAbc);
  Sha256 third;
  third = std::move(second);
  third.Update("abc");
  EXPECT_EQ(third.FinishHex(), kAbc);
}

TEST(Sha256Test, BinaryBytesIncludingNul) {
  const std::string bytes("a\0b", 3);
  EXPECT_NE(Sha256Hex(bytes), Sha256Hex("ab"));
  EXPECT_EQ(Sha256Hex(bytes).size(), 64u);
}

}  // namespace
}  // namespace inferbench
