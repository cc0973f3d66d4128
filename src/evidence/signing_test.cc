#include "evidence/signing.h"

#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "core/sha256.h"
#include "evidence/test_evidence.h"

namespace inferbench::evidence {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class SigningTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::MakeScratchDir("ib-signing");
    ASSERT_FALSE(dir_.empty());
    digest_ = Sha256Hex("a manifest");
  }
  void TearDown() override { testing::RemoveScratchDir(dir_); }

  std::string NewKey(const std::string& name) {
    const std::string path = dir_ + "/" + name;
    Status generated = GenerateKeyPair(path);
    EXPECT_TRUE(generated.ok()) << generated.message();
    return path;
  }

  // Writes a key of another OpenSSL type ("EC" P-256), optionally encrypted with a password.
  std::string WriteOtherKey(const std::string& name, bool encrypted) {
    const std::string path = dir_ + "/" + name;
    EVP_PKEY* key = encrypted ? EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")
                              : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    EXPECT_NE(key, nullptr);
    std::FILE* out = std::fopen(path.c_str(), "w");
    EXPECT_NE(out, nullptr);
    char password[] = "secret";
    if (encrypted) {
      EXPECT_EQ(PEM_write_PKCS8PrivateKey(out, key, EVP_aes_256_cbc(), password, 6, nullptr, nullptr), 1);
    } else {
      EXPECT_EQ(PEM_write_PrivateKey(out, key, nullptr, nullptr, 0, nullptr, nullptr), 1);
    }
    std::fclose(out);
    EVP_PKEY_free(key);
    return path;
  }

  std::string dir_;
  std::string digest_;
};

TEST_F(SigningTest, SignatureVerifiesWithTheSignersKey) {
  const std::string key = NewKey("key.pem");
  auto signature = SignDigest(key, digest_);
  ASSERT_TRUE(signature.ok()) << signature.status().message();
  EXPECT_EQ(signature->public_key_hex.size(), 64u);
  EXPECT_EQ(signature->signature_hex.size(), 128u);
  EXPECT_TRUE(VerifyDigest(signature->public_key_hex, digest_, signature->signature_hex));

  // The public key is the same whether read from the private or the public PEM.
  auto from_private = PublicKeyHexFromPem(key);
  auto from_public = PublicKeyHexFromPem(key + ".pub");
  ASSERT_TRUE(from_private.ok()) << from_private.status().message();
  ASSERT_TRUE(from_public.ok()) << from_public.status().message();
  EXPECT_EQ(*from_private, signature->public_key_hex);
  EXPECT_EQ(*from_public, signature->public_key_hex);
}

TEST_F(SigningTest, Ed25519SignaturesAreDeterministic) {
  const std::string key = NewKey("key.pem");
  auto first = SignDigest(key, digest_);
  auto second = SignDigest(key, digest_);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->signature_hex, second->signature_hex);
}

TEST_F(SigningTest, AnotherKeyDoesNotVerify) {
  auto signature = SignDigest(NewKey("a.pem"), digest_);
  auto other = PublicKeyHexFromPem(NewKey("b.pem") + ".pub");
  ASSERT_TRUE(signature.ok() && other.ok());
  EXPECT_NE(*other, signature->public_key_hex);
  EXPECT_FALSE(VerifyDigest(*other, digest_, signature->signature_hex));
}

TEST_F(SigningTest, TamperedDigestOrSignatureDoesNotVerify) {
  auto signature = SignDigest(NewKey("key.pem"), digest_);
  ASSERT_TRUE(signature.ok());
  std::string digest = digest_;
  digest[10] = digest[10] == '0' ? '1' : '0';
  EXPECT_FALSE(VerifyDigest(signature->public_key_hex, digest, signature->signature_hex));
  std::string sig = signature->signature_hex;
  sig[0] = sig[0] == '0' ? '1' : '0';
  EXPECT_FALSE(VerifyDigest(signature->public_key_hex, digest_, sig));
}

TEST_F(SigningTest, MalformedHexNeverVerifies) {
  auto signature = SignDigest(NewKey("key.pem"), digest_);
  ASSERT_TRUE(signature.ok());
  EXPECT_FALSE(VerifyDigest("zz", digest_, signature->signature_hex));
  EXPECT_FALSE(VerifyDigest(signature->public_key_hex, digest_, "abcd"));
  EXPECT_FALSE(VerifyDigest(signature->public_key_hex, digest_,
                            std::string(127, 'a') + "g"));
}

TEST_F(SigningTest, NonEd25519KeyIsRefusedClearly) {
  const std::string path = WriteOtherKey("ec.pem", /*encrypted=*/false);
  auto signature = SignDigest(path, digest_);
  ASSERT_FALSE(signature.ok());
  EXPECT_THAT(signature.status().message(), HasSubstr(path));
  EXPECT_THAT(signature.status().message(), HasSubstr("not an Ed25519 key"));
  EXPECT_THAT(signature.status().message(), HasSubstr("EC"));
  EXPECT_THAT(signature.status().message(), HasSubstr("openssl genpkey -algorithm ed25519"));
  EXPECT_FALSE(PublicKeyHexFromPem(path).ok());
}

TEST_F(SigningTest, MissingKeyFileIsNamed) {
  const std::string path = dir_ + "/absent.pem";
  auto signature = SignDigest(path, digest_);
  ASSERT_FALSE(signature.ok());
  EXPECT_THAT(signature.status().message(), HasSubstr(path));
  EXPECT_THAT(signature.status().message(), HasSubstr("cannot read key file"));
}

TEST_F(SigningTest, NonPemFileIsNamed) {
  const std::string path = dir_ + "/garbage.pem";
  std::ofstream(path) << "this is not a key\n";
  auto signature = SignDigest(path, digest_);
  ASSERT_FALSE(signature.ok());
  EXPECT_THAT(signature.status().message(), HasSubstr(path));
  EXPECT_THAT(signature.status().message(), HasSubstr("does not hold a PEM private key"));
}

TEST_F(SigningTest, PublicKeyCannotSign) {
  const std::string key = NewKey("key.pem");
  auto signature = SignDigest(key + ".pub", digest_);
  ASSERT_FALSE(signature.ok());
  EXPECT_THAT(signature.status().message(), HasSubstr("private key"));
}

TEST_F(SigningTest, EncryptedKeyIsRefusedWithoutPrompting) {
  const std::string path = WriteOtherKey("encrypted.pem", /*encrypted=*/true);
  auto signature = SignDigest(path, digest_);
  ASSERT_FALSE(signature.ok());
  EXPECT_THAT(signature.status().message(), HasSubstr(path));
  EXPECT_THAT(signature.status().message(), HasSubstr("encrypted"));
}

TEST_F(SigningTest, GeneratedPrivateKeyIsPrivateAndNeverOverwritten) {
  const std::string key = NewKey("key.pem");
  struct stat st {};
  ASSERT_EQ(::stat(key.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_TRUE(fs::exists(key + ".pub"));
  auto before = PublicKeyHexFromPem(key);
  Status again = GenerateKeyPair(key);
  ASSERT_FALSE(again.ok());
  EXPECT_THAT(again.message(), HasSubstr("already exists"));
  auto after = PublicKeyHexFromPem(key);
  ASSERT_TRUE(before.ok() && after.ok());
  EXPECT_EQ(*before, *after);
}

}  // namespace
}  // namespace inferbench::evidence
