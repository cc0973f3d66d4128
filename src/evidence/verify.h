// VerifyRun: re-checks a run's evidence (DESIGN.md §7, `inferbench verify`): the manifest parses,
// every artifact's object exists and (deep) re-hashes to its recorded digest, the manifest digest
// matches `expected_manifest_digest` when one is given (the warehouse's record), and a signature
// verifies — against `public_key_pem` when given (a different key is a failure), else against the
// key recorded in the manifest.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "evidence/manifest.h"

namespace inferbench::evidence {

struct ArtifactCheck {
  std::string name;
  std::string digest;
  std::string status;   // "ok" | "missing" | "mismatch" | "unreadable" | "present" (not re-hashed)
  std::string message;  // "" when ok
};

struct VerifyOptions {
  bool deep = true;                       // re-hash every object's bytes
  std::string expected_manifest_digest;   // "" = not checked
  std::string public_key_pem;             // "" = the key in the manifest
};

struct VerifyReport {
  std::string run_id;
  std::string manifest_digest;            // recomputed
  bool manifest_ok = false;               // parsed, and matches expected digest when given
  std::string manifest_message;
  std::vector<ArtifactCheck> artifacts;
  std::string signature;  // "unsigned" | "verified" | "invalid" | "wrong key" | "error: …"
  bool ok = false;        // everything checked passed (unsigned counts as passed)

  nlohmann::json ToJson() const;
  std::vector<std::string> Problems() const;  // one line per failure, naming the artifact
};

VerifyReport VerifyRun(const std::string& evidence_root, const std::string& run_id,
                       const VerifyOptions& options);

}  // namespace inferbench::evidence
