// The manifest of one run's evidence (DESIGN.md §7): every artifact with name, media type, size
// and digest, stored at <evidence root>/manifests/<run_id>.json (and as an object of its own).
//
// manifest JSON (schema "inferbench.manifest/v1"):
//   {"schema", "run_id", "created_utc": "2026-11-26T01:02:03Z", "harness_version",
//    "artifacts": [{"name": "requests.jsonl", "media_type": "application/x-ndjson",
//                   "size": 123, "digest": "<sha256 hex>"}, …]   (sorted by name)
//    "signing": {"signed": false} | {"signed": true, "algorithm": "ed25519",
//                                    "public_key": "<hex of the 32-byte raw public key>"},
//    "signature": "<hex of the 64-byte Ed25519 signature over the ASCII hex digest>"  (signed only)}
// artifact_manifest_digest = SHA-256 hex of the RFC 8785 canonical JSON of the manifest WITHOUT
// the "signature" member (the signing block is covered, so `signed` cannot be flipped unnoticed).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"

namespace inferbench::evidence {

inline constexpr std::string_view kManifestSchema = "inferbench.manifest/v1";

struct Artifact {
  std::string name;        // file name in the run directory, e.g. "requests.jsonl"
  std::string media_type;  // e.g. "application/json"
  int64_t size = 0;        // uncompressed bytes
  std::string digest;      // SHA-256 hex of the uncompressed bytes (= object name)
};

struct Manifest {
  std::string run_id;
  std::string created_utc;
  std::string harness_version;
  std::vector<Artifact> artifacts;  // sorted by name
  bool is_signed = false;
  std::string algorithm;    // "ed25519" when signed
  std::string public_key;   // hex, when signed
  std::string signature;    // hex, when signed

  const Artifact* Find(std::string_view name) const;
  // artifact_manifest_digest (see the file comment).
  std::string Digest() const;
  nlohmann::json ToJson() const;  // with "signature" when signed
  static Result<Manifest> FromJson(const nlohmann::json& json, const std::string& context);
};

// The media type recorded for a run-directory file name (by extension / known names).
std::string MediaTypeFor(std::string_view file_name);

// <root>/manifests/<run_id>.json
std::string ManifestPath(const std::string& evidence_root, std::string_view run_id);
Result<Manifest> LoadManifest(const std::string& evidence_root, std::string_view run_id);
Status WriteManifest(const std::string& evidence_root, const Manifest& manifest);

}  // namespace inferbench::evidence
