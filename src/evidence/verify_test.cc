#include "evidence/verify.h"

#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "evidence/object_store.h"
#include "evidence/signing.h"
#include "evidence/store_run.h"
#include "evidence/test_evidence.h"

namespace inferbench::evidence {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

constexpr const char* kRunId = "20260305T102030Z-00c0ffee";

class VerifyRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::MakeScratchDir("ib-verify");
    ASSERT_FALSE(dir_.empty());
    root_ = dir_ + "/evidence";
    const std::string run_dir = dir_ + "/run";
    fs::create_directories(run_dir);
    std::ofstream(run_dir + "/run.json") << "{\"run_id\": \"" << kRunId << "\"}\n";
    std::ofstream(run_dir + "/summary.json")
        << "{\"anchor\": {\"steady_ns\": 1, \"system_ns\": 1772706030000000000}}\n";
    std::ofstream requests(run_dir + "/requests.jsonl");
    for (int i = 0; i < 2000; ++i) requests << "{\"request_id\":\"r" << i << "\",\"ok\":true}\n";
    requests.close();
    run_dir_ = run_dir;
  }
  void TearDown() override { testing::RemoveScratchDir(dir_); }

  Manifest Store(const std::string& key_file = "") {
    StoreOptions options;
    options.evidence_root = root_;
    options.harness_version = "test";
    options.sign = !key_file.empty();
    options.key_file = key_file;
    auto manifest = StoreRunEvidence(run_dir_, kRunId, options);
    EXPECT_TRUE(manifest.ok()) << manifest.status().message();
    return manifest.ok() ? *manifest : Manifest{};
  }
  std::string NewKey(const std::string& name) {
    const std::string path = dir_ + "/" + name;
    EXPECT_TRUE(GenerateKeyPair(path).ok());
    return path;
  }
  std::string ObjectFile(const Manifest& manifest, const std::string& name) {
    return ObjectStore(root_).ObjectPath(manifest.Find(name)->digest);
  }
  static void FlipByte(const std::string& path, size_t at) {
    fs::permissions(path, fs::perms::owner_write, fs::perm_options::add);
    std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
    file.seekg(static_cast<std::streamoff>(at));
    char c = 0;
    file.get(c);
    file.seekp(static_cast<std::streamoff>(at));
    file.put(static_cast<char>(c ^ 0x20));
  }
  // Rewrites the stored manifest file through a JSON edit, as an attacker with write access would.
  void EditManifest(const std::function<void(nlohmann::json&)>& edit) {
    const std::string path = ManifestPath(root_, kRunId);
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    nlohmann::json json = nlohmann::json::parse(text.str());
    edit(json);
    std::ofstream(path, std::ios::trunc) << json.dump(2);
  }

  std::string dir_;
  std::string root_;
  std::string run_dir_;
};

TEST_F(VerifyRunTest, FreshStoreVerifies) {
  const Manifest manifest = Store();
  VerifyOptions options;
  options.expected_manifest_digest = manifest.Digest();
  VerifyReport report = VerifyRun(root_, kRunId, options);
  EXPECT_TRUE(report.ok);
  EXPECT_TRUE(report.manifest_ok);
  EXPECT_EQ(report.manifest_digest, manifest.Digest());
  EXPECT_EQ(report.signature, "unsigned");
  ASSERT_EQ(report.artifacts.size(), 3u);
  for (const ArtifactCheck& check : report.artifacts) EXPECT_EQ(check.status, "ok") << check.name;
  EXPECT_TRUE(report.Problems().empty());
  nlohmann::json json = report.ToJson();
  EXPECT_EQ(json["ok"], true);
  EXPECT_EQ(json["run_id"], kRunId);
  EXPECT_EQ(json["artifacts"].size(), 3u);
}

TEST_F(VerifyRunTest, OneFlippedByteFailsNamingTheArtifact) {
  const Manifest manifest = Store();
  const std::string object = ObjectFile(manifest, "requests.jsonl");
  FlipByte(object, fs::file_size(object) / 2);
  VerifyReport report = VerifyRun(root_, kRunId, VerifyOptions{});
  EXPECT_FALSE(report.ok);
  EXPECT_TRUE(report.manifest_ok);
  for (const ArtifactCheck& check : report.artifacts) {
    if (check.name == "requests.jsonl") {
      EXPECT_TRUE(check.status == "mismatch" || check.status == "unreadable") << check.status;
      EXPECT_THAT(check.message, HasSubstr(check.digest));
    } else {
      EXPECT_EQ(check.status, "ok") << check.name;
    }
  }
  ASSERT_EQ(report.Problems().size(), 1u);
  EXPECT_THAT(report.Problems()[0], HasSubstr("requests.jsonl"));
}

TEST_F(VerifyRunTest, ReplacedContentIsAMismatch) {
  const Manifest manifest = Store();
  // A well-formed object with other content: only re-hashing can tell.
  ObjectStore elsewhere(dir_ + "/elsewhere");
  auto forged = elsewhere.Put("{\"anchor\": {}}\n");
  ASSERT_TRUE(forged.ok());
  const std::string object = ObjectFile(manifest, "summary.json");
  fs::permissions(object, fs::perms::owner_write, fs::perm_options::add);
  fs::copy_file(elsewhere.ObjectPath(*forged), object, fs::copy_options::overwrite_existing);

  VerifyReport deep = VerifyRun(root_, kRunId, VerifyOptions{});
  EXPECT_FALSE(deep.ok);
  ASSERT_EQ(deep.Problems().size(), 1u);
  EXPECT_THAT(deep.Problems()[0], HasSubstr("summary.json: mismatch"));

  VerifyOptions shallow;
  shallow.deep = false;
  VerifyReport quick = VerifyRun(root_, kRunId, shallow);
  EXPECT_TRUE(quick.ok);  // shallow checks presence only
  for (const ArtifactCheck& check : quick.artifacts) EXPECT_EQ(check.status, "present");
}

TEST_F(VerifyRunTest, ShallowCheckCatchesAMissingObject) {
  const Manifest manifest = Store();
  ASSERT_TRUE(ObjectStore(root_).Remove(manifest.Find("run.json")->digest).ok());
  VerifyOptions shallow;
  shallow.deep = false;
  VerifyReport report = VerifyRun(root_, kRunId, shallow);
  EXPECT_FALSE(report.ok);
  ASSERT_EQ(report.Problems().size(), 1u);
  EXPECT_THAT(report.Problems()[0], HasSubstr("run.json: missing"));
}

TEST_F(VerifyRunTest, ManifestDigestMustMatchTheWarehouseRecord) {
  Store();
  VerifyOptions options;
  options.expected_manifest_digest = std::string(64, '0');
  VerifyReport report = VerifyRun(root_, kRunId, options);
  EXPECT_FALSE(report.ok);
  EXPECT_FALSE(report.manifest_ok);
  EXPECT_THAT(report.manifest_message, HasSubstr(std::string(64, '0')));
  EXPECT_THAT(report.Problems().at(0), HasSubstr("manifest:"));
}

TEST_F(VerifyRunTest, EditedArtifactListChangesTheDigest) {
  const Manifest manifest = Store();
  EditManifest([](nlohmann::json& j) {
    nlohmann::json kept = nlohmann::json::array();
    for (const auto& a : j["artifacts"]) {
      if (a["name"] != "summary.json") kept.push_back(a);
    }
    j["artifacts"] = kept;
  });
  VerifyOptions options;
  options.expected_manifest_digest = manifest.Digest();
  VerifyReport report = VerifyRun(root_, kRunId, options);
  EXPECT_FALSE(report.ok);
  EXPECT_FALSE(report.manifest_ok);
  EXPECT_NE(report.manifest_digest, manifest.Digest());
}

TEST_F(VerifyRunTest, SignedRunVerifiesWithItsOwnKey) {
  const std::string key = NewKey("key.pem");
  const Manifest manifest = Store(key);
  VerifyReport by_manifest_key = VerifyRun(root_, kRunId, VerifyOptions{});
  EXPECT_TRUE(by_manifest_key.ok);
  EXPECT_EQ(by_manifest_key.signature, "verified");

  VerifyOptions options;
  options.public_key_pem = key + ".pub";
  options.expected_manifest_digest = manifest.Digest();
  VerifyReport by_given_key = VerifyRun(root_, kRunId, options);
  EXPECT_TRUE(by_given_key.ok);
  EXPECT_EQ(by_given_key.signature, "verified");
}

TEST_F(VerifyRunTest, SignedRunFailsWithAnotherKey) {
  Store(NewKey("key.pem"));
  VerifyOptions options;
  options.public_key_pem = NewKey("other.pem") + ".pub";
  VerifyReport report = VerifyRun(root_, kRunId, options);
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.signature, "wrong key");
  ASSERT_EQ(report.Problems().size(), 1u);
  EXPECT_THAT(report.Problems()[0], HasSubstr("wrong key"));
}

TEST_F(VerifyRunTest, ResignedWithAnotherKeyIsCaughtByTheGivenKey) {
  // Someone edits an artifact digest and re-signs with their own key, recording it in the
  // manifest: the manifest's own key verifies, the owner's key does not.
  const std::string key = NewKey("key.pem");
  Store(key);
  const std::string forger = NewKey("forger.pem");
  auto loaded = LoadManifest(root_, kRunId);
  ASSERT_TRUE(loaded.ok());
  Manifest forged = *loaded;
  forged.public_key = *PublicKeyHexFromPem(forger);
  forged.signature = SignDigest(forger, forged.Digest())->signature_hex;
  ASSERT_TRUE(WriteManifest(root_, forged).ok());

  EXPECT_TRUE(VerifyRun(root_, kRunId, VerifyOptions{}).ok);
  VerifyOptions options;
  options.public_key_pem = key + ".pub";
  EXPECT_EQ(VerifyRun(root_, kRunId, options).signature, "wrong key");
}

TEST_F(VerifyRunTest, SignatureFromBeforeAnEditIsInvalid) {
  const Manifest manifest = Store(NewKey("key.pem"));
  EditManifest([](nlohmann::json& j) { j["harness_version"] = "edited"; });
  VerifyReport report = VerifyRun(root_, kRunId, VerifyOptions{});
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.signature, "invalid");
  EXPECT_NE(report.manifest_digest, manifest.Digest());
}

TEST_F(VerifyRunTest, ClaimingUnsignedWhileCarryingASignatureFails) {
  const Manifest manifest = Store(NewKey("key.pem"));
  EditManifest([](nlohmann::json& j) { j["signing"] = {{"signed", false}}; });
  VerifyReport report = VerifyRun(root_, kRunId, VerifyOptions{});
  EXPECT_FALSE(report.ok);
  EXPECT_FALSE(report.manifest_ok);
  EXPECT_THAT(report.manifest_message, HasSubstr("signed is false"));

  // Dropping the signature as well parses, but the digest no longer matches the record.
  EditManifest([](nlohmann::json& j) { j.erase("signature"); });
  VerifyOptions options;
  options.expected_manifest_digest = manifest.Digest();
  VerifyReport stripped = VerifyRun(root_, kRunId, options);
  EXPECT_FALSE(stripped.ok);
  EXPECT_FALSE(stripped.manifest_ok);
  EXPECT_EQ(stripped.signature, "unsigned");
}

TEST_F(VerifyRunTest, AskingForAKeyOnAnUnsignedRunFails) {
  Store();
  VerifyOptions options;
  options.public_key_pem = NewKey("key.pem") + ".pub";
  VerifyReport report = VerifyRun(root_, kRunId, options);
  EXPECT_FALSE(report.ok);
  EXPECT_THAT(report.signature, HasSubstr("not signed"));
}

TEST_F(VerifyRunTest, UnknownRunReportsTheManifestProblem) {
  VerifyReport report = VerifyRun(root_, "20260101T000000Z-00000000", VerifyOptions{});
  EXPECT_FALSE(report.ok);
  EXPECT_FALSE(report.manifest_ok);
  ASSERT_EQ(report.Problems().size(), 1u);
  EXPECT_THAT(report.Problems()[0], HasSubstr("no manifest for run 20260101T000000Z-00000000"));
}

}  // namespace
}  // namespace inferbench::evidence
