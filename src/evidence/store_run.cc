#include "evidence/store_run.h"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include <fmt/format.h>

#include "evidence/object_store.h"
#include "evidence/signing.h"

namespace inferbench::evidence {

namespace {

namespace fs = std::filesystem;

// Only names a JSON manifest can carry (and a canonical digest can be taken over).
bool IsValidUtf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    size_t extra = 0;
    unsigned char low = 0x80;  // bounds of the second byte (rejects overlongs and surrogates)
    unsigned char high = 0xbf;
    if (c < 0x80) {
      extra = 0;
    } else if (c >= 0xc2 && c <= 0xdf) {
      extra = 1;
    } else if (c >= 0xe0 && c <= 0xef) {
      extra = 2;
      if (c == 0xe0) low = 0xa0;
      if (c == 0xed) high = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      extra = 3;
      if (c == 0xf0) low = 0x90;
      if (c == 0xf4) high = 0x8f;
    } else {
      return false;
    }
    if (i + extra >= text.size() && extra > 0) return false;
    for (size_t k = 1; k <= extra; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if (k == 1 ? (next < low || next > high) : (next & 0xc0) != 0x80) return false;
    }
    i += extra + 1;
  }
  return true;
}

bool IsArtifactName(const std::string& name) {
  return !name.empty() && name.front() != '.' && name.find(".tmp") == std::string::npos;
}

std::string FormatUtc(int64_t seconds) {
  const std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof(buffer), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

std::optional<nlohmann::json> ReadJson(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  try {
    return nlohmann::json::parse(text.str());
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

std::optional<int64_t> MtimeSeconds(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  return static_cast<int64_t>(st.st_mtim.tv_sec);
}

// When the run was measured, from its own files so that storing it again gives the same
// manifest: summary.json's clock anchor, else run.json's mtime, else the newest artifact's mtime.
std::string CreatedUtc(const std::string& run_dir, const std::vector<std::string>& names) {
  if (auto summary = ReadJson(run_dir + "/summary.json")) {
    const nlohmann::json* anchor = summary->is_object() && summary->contains("anchor")
                                       ? &(*summary)["anchor"]
                                       : nullptr;
    if (anchor && anchor->is_object() && anchor->contains("system_ns") &&
        (*anchor)["system_ns"].is_number_integer()) {
      const int64_t ns = (*anchor)["system_ns"].get<int64_t>();
      if (ns > 0) return FormatUtc(ns / 1'000'000'000);
    }
  }
  if (auto mtime = MtimeSeconds(run_dir + "/run.json")) return FormatUtc(*mtime);
  int64_t newest = 0;
  for (const std::string& name : names) {
    newest = std::max(newest, MtimeSeconds(run_dir + "/" + name).value_or(0));
  }
  return FormatUtc(newest);
}

// The artifact file names of a run directory, sorted.
Result<std::vector<std::string>> ListArtifacts(const std::string& run_dir) {
  std::error_code ec;
  if (!fs::is_directory(run_dir, ec)) {
    return Status::Error(fmt::format("run directory {} does not exist or is not a directory",
                                     run_dir));
  }
  std::vector<std::string> names;
  for (fs::directory_iterator it(run_dir, ec), end; !ec && it != end; it.increment(ec)) {
    // Symbolic links are not followed: evidence is the run's own bytes.
    if (!it->is_regular_file(ec) || it->is_symlink(ec)) continue;
    std::string name = it->path().filename().string();
    if (!IsArtifactName(name)) continue;
    if (!IsValidUtf8(name)) {
      return Status::Error(fmt::format("{}/{}: the file name is not valid UTF-8 and cannot be "
                                       "recorded in a manifest; rename or remove it",
                                       run_dir, name));
    }
    names.push_back(std::move(name));
  }
  if (ec) return Status::Error(fmt::format("cannot list {}: {}", run_dir, ec.message()));
  if (names.empty()) {
    return Status::Error(fmt::format("run directory {} holds no files to store", run_dir));
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

Result<Manifest> StoreRunEvidence(const std::string& run_dir, const std::string& run_id,
                                  const StoreOptions& options) {
  if (options.evidence_root.empty()) {
    return Status::Error("no evidence root given: set spec.sinks.evidence or --evidence DIR");
  }
  if (options.sign && options.key_file.empty()) {
    return Status::Error(
        "provenance.sign is true but no key file: set spec.provenance.keyFile or --sign-key");
  }
  Result<std::vector<std::string>> names = ListArtifacts(run_dir);
  if (!names.ok()) return names.status();

  // A run directory names its own run: storing it under another id would mislabel the evidence.
  if (auto run = ReadJson(run_dir + "/run.json")) {
    if (run->is_object() && run->contains("run_id") && (*run)["run_id"].is_string() &&
        (*run)["run_id"].get<std::string>() != run_id) {
      return Status::Error(fmt::format("{}/run.json records run_id {}, not {}; store the run "
                                       "under its own id",
                                       run_dir, (*run)["run_id"].get<std::string>(), run_id));
    }
  }

  Manifest manifest;
  manifest.run_id = run_id;
  manifest.harness_version = options.harness_version;
  manifest.created_utc = CreatedUtc(run_dir, *names);
  ObjectStore store(options.evidence_root);
  for (const std::string& name : *names) {
    const std::string path = run_dir + "/" + name;
    Artifact artifact;
    artifact.name = name;
    artifact.media_type = MediaTypeFor(name);
    Result<std::string> digest = store.PutFile(path, &artifact.size);
    if (!digest.ok()) return digest.status().WithContext("storing the evidence of run " + run_id);
    artifact.digest = *digest;
    manifest.artifacts.push_back(std::move(artifact));
  }

  if (options.sign) {
    // The signing block is part of the digest, so the key is recorded before the digest is taken.
    Result<std::string> public_key = PublicKeyHexFromPem(options.key_file);
    if (!public_key.ok()) return public_key.status();
    manifest.is_signed = true;
    manifest.algorithm = "ed25519";
    manifest.public_key = *public_key;
  }
  const std::string digest = manifest.Digest();

  const std::string manifest_path = ManifestPath(options.evidence_root, run_id);
  std::error_code ec;
  if (fs::exists(manifest_path, ec)) {
    Result<Manifest> existing = LoadManifest(options.evidence_root, run_id);
    if (existing.ok() && existing->Digest() == digest) return existing;
    if (!options.replace) {
      const std::string why = existing.ok()
                                  ? fmt::format("with different content (manifest digest {} was "
                                                "stored, this run directory gives {})",
                                                existing->Digest(), digest)
                                  : "but its manifest cannot be read (" +
                                        existing.status().message() + ")";
      return Status::Error(fmt::format(
          "run {} is already in the evidence store {} {}; stored evidence is never overwritten: "
          "restore the run directory's original files, or keep the changed copy out of the store",
          run_id, options.evidence_root, why));
    }
  }

  if (options.sign) {
    Result<Signature> signature = SignDigest(options.key_file, digest);
    if (!signature.ok()) return signature.status();
    if (signature->public_key_hex != manifest.public_key) {
      return Status::Error(fmt::format("key file {} changed while the run was being signed; sign "
                                       "again",
                                       options.key_file));
    }
    manifest.signature = signature->signature_hex;
  }
  if (Status s = WriteManifest(options.evidence_root, manifest); !s.ok()) return s;
  return manifest;
}

}  // namespace inferbench::evidence
