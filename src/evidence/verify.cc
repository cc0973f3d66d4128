#include "evidence/verify.h"

#include <fmt/format.h>

#include "evidence/object_store.h"
#include "evidence/signing.h"

namespace inferbench::evidence {

namespace {

bool ArtifactPassed(const ArtifactCheck& check) {
  return check.status == "ok" || check.status == "present";
}

ArtifactCheck CheckArtifact(const ObjectStore& store, const Artifact& artifact, bool deep) {
  ArtifactCheck check;
  check.name = artifact.name;
  check.digest = artifact.digest;
  if (!store.Has(artifact.digest)) {
    check.status = "missing";
    check.message = fmt::format("its object {} is not in the store", store.ObjectPath(artifact.digest));
    return check;
  }
  if (!deep) {
    check.status = "present";
    return check;
  }
  Status verified = store.Verify(artifact.digest);
  if (verified.ok()) {
    check.status = "ok";
    return check;
  }
  // ObjectStore::Verify says "content hashes to" for bytes that decompress but differ; anything
  // else (corrupt or truncated frame, I/O) means the bytes could not be read back at all.
  check.status = verified.message().find("content hashes to") != std::string::npos ? "mismatch"
                                                                                    : "unreadable";
  check.message = verified.message();
  return check;
}

}  // namespace

nlohmann::json VerifyReport::ToJson() const {
  nlohmann::json artifact_list = nlohmann::json::array();
  for (const ArtifactCheck& a : artifacts) {
    artifact_list.push_back(
        {{"name", a.name}, {"digest", a.digest}, {"status", a.status}, {"message", a.message}});
  }
  return {{"run_id", run_id},
          {"manifest_digest", manifest_digest},
          {"manifest", {{"ok", manifest_ok}, {"message", manifest_message}}},
          {"artifacts", std::move(artifact_list)},
          {"signature", signature},
          {"ok", ok},
          {"problems", Problems()}};
}

std::vector<std::string> VerifyReport::Problems() const {
  std::vector<std::string> problems;
  if (!manifest_ok) problems.push_back("manifest: " + manifest_message);
  for (const ArtifactCheck& a : artifacts) {
    if (ArtifactPassed(a)) continue;
    problems.push_back(fmt::format("{}: {}{}{}", a.name, a.status, a.message.empty() ? "" : ": ",
                                   a.message));
  }
  const bool manifest_read = !manifest_digest.empty();
  if (signature == "wrong key") {
    problems.push_back("signature: wrong key: the run was signed with a different key than the one "
                       "given");
  } else if (signature == "invalid") {
    problems.push_back("signature: invalid: the signature does not match the manifest digest (the "
                       "manifest or its signature was changed)");
  } else if (manifest_read && signature != "unsigned" && signature != "verified") {
    problems.push_back("signature: " + signature);
  }
  return problems;
}

VerifyReport VerifyRun(const std::string& evidence_root, const std::string& run_id,
                       const VerifyOptions& options) {
  VerifyReport report;
  report.run_id = run_id;
  Result<Manifest> loaded = LoadManifest(evidence_root, run_id);
  if (!loaded.ok()) {
    report.manifest_message = loaded.status().message();
    report.signature = "error: the manifest could not be read";
    return report;
  }
  const Manifest& manifest = *loaded;
  report.manifest_digest = manifest.Digest();
  report.manifest_ok = true;
  if (!options.expected_manifest_digest.empty() &&
      options.expected_manifest_digest != report.manifest_digest) {
    report.manifest_ok = false;
    report.manifest_message = fmt::format(
        "the manifest digests to {} but the warehouse recorded {}: the manifest was changed after "
        "the run was stored",
        report.manifest_digest, options.expected_manifest_digest);
  }

  const ObjectStore store(evidence_root);
  bool artifacts_ok = true;
  for (const Artifact& artifact : manifest.artifacts) {
    report.artifacts.push_back(CheckArtifact(store, artifact, options.deep));
    artifacts_ok = artifacts_ok && ArtifactPassed(report.artifacts.back());
  }

  bool signature_ok = false;
  if (!manifest.is_signed) {
    // Asking for a key check on an unsigned run must not pass quietly.
    signature_ok = options.public_key_pem.empty();
    report.signature = signature_ok ? "unsigned"
                                    : "error: a public key was given but the run is not signed";
  } else {
    std::string key = manifest.public_key;
    bool key_ok = true;
    if (!options.public_key_pem.empty()) {
      Result<std::string> given = PublicKeyHexFromPem(options.public_key_pem);
      if (!given.ok()) {
        report.signature = "error: " + given.status().message();
        key_ok = false;
      } else if (*given != manifest.public_key) {
        report.signature = "wrong key";
        key_ok = false;
      }
    }
    if (key_ok) {
      signature_ok = VerifyDigest(key, report.manifest_digest, manifest.signature);
      report.signature = signature_ok ? "verified" : "invalid";
    }
  }
  report.ok = report.manifest_ok && artifacts_ok && signature_ok;
  return report;
}

}  // namespace inferbench::evidence
