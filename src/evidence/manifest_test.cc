#include "evidence/manifest.h"

#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/sha256.h"
#include "evidence/object_store.h"
#include "evidence/test_evidence.h"

namespace inferbench::evidence {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

Manifest SampleManifest() {
  Manifest m;
  m.run_id = "20260101T000000Z-0000abcd";
  m.created_utc = "2026-01-01T00:00:00Z";
  m.harness_version = "0.6.0";
  // Deliberately out of order: the manifest is sorted by name when written.
  m.artifacts.push_back({"summary.json", "application/json", 12, std::string(64, 'b')});
  m.artifacts.push_back({"requests.jsonl", "application/x-ndjson", 3, std::string(64, 'a')});
  return m;
}

TEST(ManifestTest, DigestIsTheSha256OfTheCanonicalJson) {
  // Computed independently (Python json.dumps with sorted keys and no whitespace, which equals
  // RFC 8785 for this ASCII, integer-only document), so a format change cannot go unnoticed.
  EXPECT_EQ(SampleManifest().Digest(),
            "c97fd0baa61925d7bfd88ae88383bbef48d7cb5af90e67804b9725beaaf19dee");
}

TEST(ManifestTest, JsonListsArtifactsSortedAndSigningHonestly) {
  nlohmann::json json = SampleManifest().ToJson();
  EXPECT_EQ(json["schema"], "inferbench.manifest/v1");
  ASSERT_EQ(json["artifacts"].size(), 2u);
  EXPECT_EQ(json["artifacts"][0]["name"], "requests.jsonl");
  EXPECT_EQ(json["artifacts"][1]["name"], "summary.json");
  EXPECT_EQ(json["signing"], nlohmann::json({{"signed", false}}));
  EXPECT_FALSE(json.contains("signature"));
}

TEST(ManifestTest, RoundTripsThroughJson) {
  Manifest m = SampleManifest();
  m.is_signed = true;
  m.algorithm = "ed25519";
  m.public_key = std::string(64, 'c');
  m.signature = std::string(128, 'd');
  auto back = Manifest::FromJson(m.ToJson(), "m.json");
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->ToJson(), m.ToJson());
  EXPECT_EQ(back->Digest(), m.Digest());
  ASSERT_NE(back->Find("summary.json"), nullptr);
  EXPECT_EQ(back->Find("summary.json")->size, 12);
  EXPECT_EQ(back->Find("absent"), nullptr);
  EXPECT_EQ(back->artifacts.front().name, "requests.jsonl");
}

TEST(ManifestTest, DigestCoversSigningButNotTheSignature) {
  Manifest m = SampleManifest();
  m.is_signed = true;
  m.algorithm = "ed25519";
  m.public_key = std::string(64, 'c');
  m.signature = std::string(128, 'd');
  const std::string digest = m.Digest();
  m.signature = std::string(128, 'e');
  EXPECT_EQ(m.Digest(), digest);
  m.public_key = std::string(64, 'f');
  EXPECT_NE(m.Digest(), digest);
  m.is_signed = false;
  EXPECT_NE(m.Digest(), digest);
  EXPECT_EQ(m.Digest(), SampleManifest().Digest());  // unsigned ignores stale key fields
}

TEST(ManifestTest, DigestChangesWithAnyArtifactField) {
  const std::string base = SampleManifest().Digest();
  Manifest m = SampleManifest();
  m.artifacts[0].size = 13;
  EXPECT_NE(m.Digest(), base);
  m = SampleManifest();
  m.artifacts[1].digest[0] = 'c';
  EXPECT_NE(m.Digest(), base);
  m = SampleManifest();
  m.artifacts.pop_back();
  EXPECT_NE(m.Digest(), base);
}

struct BadManifestCase {
  const char* what;
  std::function<void(nlohmann::json&)> edit;
  const char* message;
};

TEST(ManifestTest, FromJsonRejectsMalformedManifestsNamingTheProblem) {
  const std::vector<BadManifestCase> cases = {
      {"schema", [](nlohmann::json& j) { j["schema"] = "inferbench.manifest/v9"; },
       "is not inferbench.manifest/v1"},
      {"no run id", [](nlohmann::json& j) { j.erase("run_id"); }, "missing \"run_id\""},
      {"bad digest", [](nlohmann::json& j) { j["artifacts"][0]["digest"] = "xyz"; },
       "not a SHA-256 hex digest"},
      {"negative size", [](nlohmann::json& j) { j["artifacts"][0]["size"] = -1; },
       "non-negative integer"},
      {"duplicate",
       [](nlohmann::json& j) { j["artifacts"][1]["name"] = j["artifacts"][0]["name"]; },
       "listed twice"},
      {"unknown member", [](nlohmann::json& j) { j["extra"] = 1; }, "unknown member \"extra\""},
      {"unsigned with signature",
       [](nlohmann::json& j) { j["signature"] = std::string(128, 'a'); }, "signed is false"},
      {"signed without signature",
       [](nlohmann::json& j) {
         j["signing"] = {{"signed", true}, {"algorithm", "ed25519"},
                         {"public_key", std::string(64, 'a')}};
       },
       "no \"signature\""},
      {"other algorithm",
       [](nlohmann::json& j) {
         j["signing"] = {{"signed", true}, {"algorithm", "rsa"}, {"public_key", std::string(64, 'a')}};
         j["signature"] = std::string(128, 'a');
       },
       "not supported"},
      {"not an object", [](nlohmann::json& j) { j = nlohmann::json::array(); }, "JSON object"},
  };
  for (const BadManifestCase& c : cases) {
    nlohmann::json json = SampleManifest().ToJson();
    c.edit(json);
    auto parsed = Manifest::FromJson(json, "/store/manifests/x.json");
    ASSERT_FALSE(parsed.ok()) << c.what;
    EXPECT_THAT(parsed.status().message(), HasSubstr("/store/manifests/x.json")) << c.what;
    EXPECT_THAT(parsed.status().message(), HasSubstr(c.message)) << c.what;
  }
}

TEST(ManifestTest, MediaTypesFollowTheFileNames) {
  EXPECT_EQ(MediaTypeFor("summary.json"), "application/json");
  EXPECT_EQ(MediaTypeFor("ctrf.json"), "application/json");
  EXPECT_EQ(MediaTypeFor("requests.jsonl"), "application/x-ndjson");
  EXPECT_EQ(MediaTypeFor("telemetry.jsonl"), "application/x-ndjson");
  EXPECT_EQ(MediaTypeFor("token_times"), "application/x-ndjson");
  EXPECT_EQ(MediaTypeFor("spec.yaml"), "application/yaml");
  EXPECT_EQ(MediaTypeFor("sim.log"), "text/plain");
  EXPECT_EQ(MediaTypeFor("notes.txt"), "text/plain");
  EXPECT_EQ(MediaTypeFor("trace.bin"), "application/octet-stream");
  EXPECT_EQ(MediaTypeFor("json"), "application/octet-stream");
}

class ManifestFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = testing::MakeScratchDir("ib-manifest");
    ASSERT_FALSE(root_.empty());
  }
  void TearDown() override { testing::RemoveScratchDir(root_); }
  std::string root_;
};

TEST_F(ManifestFileTest, WrittenManifestLoadsBackAndIsAlsoAnObject) {
  const Manifest m = SampleManifest();
  ASSERT_TRUE(WriteManifest(root_, m).ok());
  EXPECT_EQ(ManifestPath(root_, m.run_id), root_ + "/manifests/" + m.run_id + ".json");
  auto loaded = LoadManifest(root_, m.run_id);
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  EXPECT_EQ(loaded->Digest(), m.Digest());

  std::ifstream in(ManifestPath(root_, m.run_id), std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  EXPECT_TRUE(ObjectStore(root_).Has(Sha256Hex(bytes.str())));
  for (const auto& entry : fs::directory_iterator(root_ + "/manifests")) {
    EXPECT_EQ(entry.path().filename().string(), m.run_id + ".json");
  }
}

TEST_F(ManifestFileTest, MissingManifestNamesTheRunAndThePath) {
  auto loaded = LoadManifest(root_, "20260101T000000Z-deadbeef");
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(loaded.status().message(), HasSubstr("20260101T000000Z-deadbeef"));
  EXPECT_THAT(loaded.status().message(), HasSubstr(root_ + "/manifests/"));
  EXPECT_THAT(loaded.status().message(), HasSubstr("--evidence"));
}

TEST_F(ManifestFileTest, BrokenJsonNamesTheFile) {
  fs::create_directories(root_ + "/manifests");
  std::ofstream(root_ + "/manifests/run-1.json") << "{\"schema\": ";
  auto loaded = LoadManifest(root_, "run-1");
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(loaded.status().message(), HasSubstr(root_ + "/manifests/run-1.json"));
  EXPECT_THAT(loaded.status().message(), HasSubstr("not valid JSON"));
}

TEST_F(ManifestFileTest, ManifestUnderAnotherRunsNameIsRefused) {
  const Manifest m = SampleManifest();
  ASSERT_TRUE(WriteManifest(root_, m).ok());
  fs::copy_file(ManifestPath(root_, m.run_id), ManifestPath(root_, "other-run"));
  auto loaded = LoadManifest(root_, "other-run");
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(loaded.status().message(), HasSubstr("records run_id"));
}

TEST_F(ManifestFileTest, RunIdsThatEscapeTheStoreAreRefused) {
  for (const char* id : {"../escape", "a/b", ".hidden", ""}) {
    auto loaded = LoadManifest(root_, id);
    ASSERT_FALSE(loaded.ok()) << id;
    EXPECT_THAT(loaded.status().message(), HasSubstr("not a valid run id")) << id;
  }
  Manifest m = SampleManifest();
  m.run_id = "../escape";
  EXPECT_FALSE(WriteManifest(root_, m).ok());
}

}  // namespace
}  // namespace inferbench::evidence
