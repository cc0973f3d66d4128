#include "evidence/store_run.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/sha256.h"
#include "evidence/object_store.h"
#include "evidence/signing.h"
#include "evidence/test_evidence.h"

namespace inferbench::evidence {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

constexpr const char* kRunId = "20260305T102030Z-0a1b2c3d";
// 2026-03-05T10:20:30.5Z in ns since the epoch.
constexpr int64_t kAnchorNs = 1772706030'500000000;

class StoreRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::MakeScratchDir("ib-storerun");
    ASSERT_FALSE(dir_.empty());
    run_dir_ = dir_ + "/run";
    fs::create_directories(run_dir_ + "/subdir");
    Write("run.json", std::string("{\"schema\": \"inferbench.run/v1\", \"run_id\": \"") + kRunId + "\"}\n");
    Write("summary.json",
          "{\"anchor\": {\"steady_ns\": 5, \"system_ns\": " + std::to_string(kAnchorNs) + "}}\n");
    Write("requests.jsonl", "{\"request_id\":\"r1\"}\n{\"request_id\":\"r2\"}\n");
    Write("token_times", "{\"request_id\":\"r1\",\"first_ns\":10,\"delta_us\":[5,6]}\n");
    Write("spec.yaml", "apiVersion: inferbench/v1\n");
    Write("sim.log", "started\n");
    // Not artifacts: hidden, temporary, and inside a subdirectory.
    Write(".lock", "x");
    Write("summary.json.tmp.1234", "partial");
    Write("subdir/nested.json", "{}");
    options_.evidence_root = dir_ + "/evidence";
    options_.harness_version = "0.6.0-test";
  }
  void TearDown() override { testing::RemoveScratchDir(dir_); }
  void Write(const std::string& name, const std::string& text) {
    std::ofstream(run_dir_ + "/" + name, std::ios::binary | std::ios::trunc) << text;
  }

  std::string dir_;
  std::string run_dir_;
  StoreOptions options_;
};

TEST_F(StoreRunTest, StoresEveryTopLevelFileAndWritesTheManifest) {
  auto manifest = StoreRunEvidence(run_dir_, kRunId, options_);
  ASSERT_TRUE(manifest.ok()) << manifest.status().message();
  std::set<std::string> names;
  for (const Artifact& a : manifest->artifacts) names.insert(a.name);
  EXPECT_EQ(names, (std::set<std::string>{"requests.jsonl", "run.json", "sim.log", "spec.yaml",
                                          "summary.json", "token_times"}));
  EXPECT_EQ(manifest->run_id, kRunId);
  EXPECT_EQ(manifest->harness_version, "0.6.0-test");
  EXPECT_EQ(manifest->created_utc, "2026-03-05T10:20:30Z");
  EXPECT_FALSE(manifest->is_signed);

  const Artifact* requests = manifest->Find("requests.jsonl");
  ASSERT_NE(requests, nullptr);
  const std::string bytes = "{\"request_id\":\"r1\"}\n{\"request_id\":\"r2\"}\n";
  EXPECT_EQ(requests->digest, Sha256Hex(bytes));
  EXPECT_EQ(requests->size, static_cast<int64_t>(bytes.size()));
  EXPECT_EQ(requests->media_type, "application/x-ndjson");
  EXPECT_EQ(manifest->Find("spec.yaml")->media_type, "application/yaml");

  ObjectStore store(options_.evidence_root);
  for (const Artifact& a : manifest->artifacts) EXPECT_TRUE(store.Has(a.digest)) << a.name;
  auto loaded = LoadManifest(options_.evidence_root, kRunId);
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  EXPECT_EQ(loaded->Digest(), manifest->Digest());
}

TEST_F(StoreRunTest, StoringTheSameRunAgainGivesTheSameManifest) {
  auto first = StoreRunEvidence(run_dir_, kRunId, options_);
  ASSERT_TRUE(first.ok());
  // A later mtime must not matter: the time comes from summary.json.
  fs::last_write_time(run_dir_ + "/run.json", fs::file_time_type::clock::now());
  auto second = StoreRunEvidence(run_dir_, kRunId, options_);
  ASSERT_TRUE(second.ok()) << second.status().message();
  EXPECT_EQ(second->Digest(), first->Digest());
}

TEST_F(StoreRunTest, AChangedRunIsRefusedUnlessReplaced) {
  auto first = StoreRunEvidence(run_dir_, kRunId, options_);
  ASSERT_TRUE(first.ok());
  Write("sim.log", "started\nstopped\n");
  auto second = StoreRunEvidence(run_dir_, kRunId, options_);
  ASSERT_FALSE(second.ok());
  EXPECT_THAT(second.status().message(), HasSubstr(kRunId));
  EXPECT_THAT(second.status().message(), HasSubstr("already in the evidence store"));
  EXPECT_THAT(second.status().message(), HasSubstr("never overwritten"));
  // The stored manifest is untouched.
  auto kept = LoadManifest(options_.evidence_root, kRunId);
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(kept->Digest(), first->Digest());

  options_.replace = true;
  auto replaced = StoreRunEvidence(run_dir_, kRunId, options_);
  ASSERT_TRUE(replaced.ok()) << replaced.status().message();
  EXPECT_NE(replaced->Digest(), first->Digest());
  EXPECT_EQ(LoadManifest(options_.evidence_root, kRunId)->Digest(), replaced->Digest());
}

TEST_F(StoreRunTest, CreatedTimeFallsBackToRunJsonModificationTime) {
  fs::remove(run_dir_ + "/summary.json");
  // 2025-01-02T03:04:05Z
  const auto when = std::chrono::system_clock::from_time_t(1735787045);
  fs::last_write_time(run_dir_ + "/run.json",
                      fs::file_time_type::clock::from_sys(when));
  auto manifest = StoreRunEvidence(run_dir_, kRunId, options_);
  ASSERT_TRUE(manifest.ok()) << manifest.status().message();
  EXPECT_EQ(manifest->created_utc, "2025-01-02T03:04:05Z");
}

TEST_F(StoreRunTest, SigningWithoutAKeyFileSaysWhereToSetIt) {
  options_.sign = true;
  auto manifest = StoreRunEvidence(run_dir_, kRunId, options_);
  ASSERT_FALSE(manifest.ok());
  EXPECT_EQ(manifest.status().message(),
            "provenance.sign is true but no key file: set spec.provenance.keyFile or --sign-key");
  EXPECT_FALSE(fs::exists(ManifestPath(options_.evidence_root, kRunId)));
}

TEST_F(StoreRunTest, SignedRunRecordsItsKeyAndAValidSignature) {
  options_.sign = true;
  options_.key_file = dir_ + "/key.pem";
  ASSERT_TRUE(GenerateKeyPair(options_.key_file).ok());
  auto manifest = StoreRunEvidence(run_dir_, kRunId, options_);
  ASSERT_TRUE(manifest.ok()) << manifest.status().message();
  EXPECT_TRUE(manifest->is_signed);
  EXPECT_EQ(manifest->algorithm, "ed25519");
  EXPECT_EQ(manifest->public_key, *PublicKeyHexFromPem(options_.key_file + ".pub"));
  EXPECT_TRUE(VerifyDigest(manifest->public_key, manifest->Digest(), manifest->signature));
  auto loaded = LoadManifest(options_.evidence_root, kRunId);
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->signature, manifest->signature);
  // Idempotent when signed too.
  auto again = StoreRunEvidence(run_dir_, kRunId, options_);
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(again->Digest(), manifest->Digest());
}

TEST_F(StoreRunTest, BadSigningKeyStoresNoManifest) {
  options_.sign = true;
  options_.key_file = dir_ + "/missing.pem";
  auto manifest = StoreRunEvidence(run_dir_, kRunId, options_);
  ASSERT_FALSE(manifest.ok());
  EXPECT_THAT(manifest.status().message(), HasSubstr(options_.key_file));
  EXPECT_FALSE(fs::exists(ManifestPath(options_.evidence_root, kRunId)));
}

TEST_F(StoreRunTest, RunIdMustMatchRunJson) {
  auto manifest = StoreRunEvidence(run_dir_, "20260305T102030Z-ffffffff", options_);
  ASSERT_FALSE(manifest.ok());
  EXPECT_THAT(manifest.status().message(), HasSubstr("run.json records run_id"));
}

TEST_F(StoreRunTest, MissingOrEmptyRunDirectoryIsAnError) {
  auto missing = StoreRunEvidence(dir_ + "/nope", kRunId, options_);
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr(dir_ + "/nope"));
  fs::create_directories(dir_ + "/empty");
  auto empty = StoreRunEvidence(dir_ + "/empty", kRunId, options_);
  ASSERT_FALSE(empty.ok());
  EXPECT_THAT(empty.status().message(), HasSubstr("no files to store"));
}

TEST_F(StoreRunTest, NoEvidenceRootIsAnError) {
  options_.evidence_root.clear();
  auto manifest = StoreRunEvidence(run_dir_, kRunId, options_);
  ASSERT_FALSE(manifest.ok());
  EXPECT_THAT(manifest.status().message(), HasSubstr("evidence"));
}

}  // namespace
}  // namespace inferbench::evidence
