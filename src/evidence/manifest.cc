#include "evidence/manifest.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "core/atomic_file.h"
#include "core/canonical_json.h"
#include "core/sha256.h"
#include "evidence/object_store.h"

namespace inferbench::evidence {

namespace {

bool IsHex(std::string_view text, size_t length) {
  if (text.size() != length) return false;
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool EndsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// A run id that is safe as a file name: [A-Za-z0-9._-], not starting with '.'.
Status CheckRunIdForPath(std::string_view run_id) {
  const bool safe = !run_id.empty() && run_id.front() != '.' &&
                    std::all_of(run_id.begin(), run_id.end(), [](char c) {
                      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                             (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
                    });
  if (safe) return Status::Ok();
  return Status::Error(fmt::format(
      "\"{}\" is not a valid run id (letters, digits, '.', '_' and '-' only; `inferbench runs "
      "list` shows the stored runs)",
      run_id));
}

std::vector<Artifact> SortedByName(std::vector<Artifact> artifacts) {
  std::sort(artifacts.begin(), artifacts.end(),
            [](const Artifact& a, const Artifact& b) { return a.name < b.name; });
  return artifacts;
}

// Field access with errors that name the manifest and the member.
class Fields {
 public:
  Fields(const nlohmann::json& object, std::string where) : object_(object), where_(std::move(where)) {}

  Status Only(std::initializer_list<std::string_view> allowed) const {
    for (const auto& [key, value] : object_.items()) {
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        return Status::Error(fmt::format("{}: unknown member \"{}\"", where_, key));
      }
    }
    return Status::Ok();
  }

  Status String(const char* key, std::string& out, bool required = true) const {
    auto it = object_.find(key);
    if (it == object_.end()) {
      if (!required) return Status::Ok();
      return Status::Error(fmt::format("{}: missing \"{}\"", where_, key));
    }
    if (!it->is_string()) return Status::Error(fmt::format("{}: \"{}\" must be a string", where_, key));
    out = it->get<std::string>();
    return Status::Ok();
  }

  Status Int(const char* key, int64_t& out) const {
    auto it = object_.find(key);
    if (it == object_.end()) return Status::Error(fmt::format("{}: missing \"{}\"", where_, key));
    if (!it->is_number_integer() || it->get<int64_t>() < 0) {
      return Status::Error(fmt::format("{}: \"{}\" must be a non-negative integer", where_, key));
    }
    out = it->get<int64_t>();
    return Status::Ok();
  }

  Status Bool(const char* key, bool& out) const {
    auto it = object_.find(key);
    if (it == object_.end()) return Status::Error(fmt::format("{}: missing \"{}\"", where_, key));
    if (!it->is_boolean()) return Status::Error(fmt::format("{}: \"{}\" must be true or false", where_, key));
    out = it->get<bool>();
    return Status::Ok();
  }

 private:
  const nlohmann::json& object_;
  std::string where_;
};

#define IB_RETURN_IF_ERROR(expr)        \
  do {                                  \
    if (Status s_ = (expr); !s_.ok()) { \
      return s_;                        \
    }                                   \
  } while (false)

}  // namespace

const Artifact* Manifest::Find(std::string_view name) const {
  for (const Artifact& a : artifacts) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

nlohmann::json Manifest::ToJson() const {
  nlohmann::json list = nlohmann::json::array();
  for (const Artifact& a : SortedByName(artifacts)) {
    list.push_back({{"name", a.name}, {"media_type", a.media_type}, {"size", a.size},
                    {"digest", a.digest}});
  }
  nlohmann::json signing = {{"signed", is_signed}};
  if (is_signed) {
    signing["algorithm"] = algorithm;
    signing["public_key"] = public_key;
  }
  nlohmann::json json = {{"schema", kManifestSchema},
                         {"run_id", run_id},
                         {"created_utc", created_utc},
                         {"harness_version", harness_version},
                         {"artifacts", std::move(list)},
                         {"signing", std::move(signing)}};
  if (is_signed) json["signature"] = signature;
  return json;
}

std::string Manifest::Digest() const {
  nlohmann::json json = ToJson();
  json.erase("signature");
  return Sha256Hex(CanonicalJson(json));
}

Result<Manifest> Manifest::FromJson(const nlohmann::json& json, const std::string& context) {
  if (!json.is_object()) return Status::Error(context + ": a manifest must be a JSON object");
  Fields top(json, context);
  IB_RETURN_IF_ERROR(top.Only(
      {"schema", "run_id", "created_utc", "harness_version", "artifacts", "signing", "signature"}));
  std::string schema;
  IB_RETURN_IF_ERROR(top.String("schema", schema));
  if (schema != kManifestSchema) {
    return Status::Error(fmt::format("{}: schema \"{}\" is not {}; this inferbench cannot read it",
                                     context, schema, kManifestSchema));
  }
  Manifest m;
  IB_RETURN_IF_ERROR(top.String("run_id", m.run_id));
  if (m.run_id.empty()) return Status::Error(context + ": \"run_id\" is empty");
  IB_RETURN_IF_ERROR(top.String("created_utc", m.created_utc));
  IB_RETURN_IF_ERROR(top.String("harness_version", m.harness_version));

  auto list = json.find("artifacts");
  if (list == json.end() || !list->is_array()) {
    return Status::Error(context + ": \"artifacts\" must be an array");
  }
  std::set<std::string> names;
  for (size_t i = 0; i < list->size(); ++i) {
    const nlohmann::json& item = (*list)[i];
    const std::string where = fmt::format("{}: artifacts[{}]", context, i);
    if (!item.is_object()) return Status::Error(where + " must be an object");
    Fields f(item, where);
    IB_RETURN_IF_ERROR(f.Only({"name", "media_type", "size", "digest"}));
    Artifact a;
    IB_RETURN_IF_ERROR(f.String("name", a.name));
    IB_RETURN_IF_ERROR(f.String("media_type", a.media_type));
    IB_RETURN_IF_ERROR(f.Int("size", a.size));
    IB_RETURN_IF_ERROR(f.String("digest", a.digest));
    if (a.name.empty()) return Status::Error(where + ": \"name\" is empty");
    if (!IsHex(a.digest, 64)) {
      return Status::Error(fmt::format("{} ({}): \"digest\" is not a SHA-256 hex digest", where, a.name));
    }
    if (!names.insert(a.name).second) {
      return Status::Error(fmt::format("{}: artifact \"{}\" is listed twice", where, a.name));
    }
    m.artifacts.push_back(std::move(a));
  }
  m.artifacts = SortedByName(std::move(m.artifacts));

  auto signing = json.find("signing");
  if (signing == json.end() || !signing->is_object()) {
    return Status::Error(context + ": \"signing\" must be an object");
  }
  Fields s(*signing, context + ": signing");
  IB_RETURN_IF_ERROR(s.Only({"signed", "algorithm", "public_key"}));
  IB_RETURN_IF_ERROR(s.Bool("signed", m.is_signed));
  const bool has_signature = json.contains("signature");
  if (m.is_signed) {
    IB_RETURN_IF_ERROR(s.String("algorithm", m.algorithm));
    IB_RETURN_IF_ERROR(s.String("public_key", m.public_key));
    if (m.algorithm != "ed25519") {
      return Status::Error(fmt::format("{}: signing algorithm \"{}\" is not supported (ed25519 is)",
                                       context, m.algorithm));
    }
    if (!IsHex(m.public_key, 64)) {
      return Status::Error(context + ": signing.public_key is not 32 bytes of lower-case hex");
    }
    if (!has_signature) {
      return Status::Error(context + ": signing.signed is true but there is no \"signature\"");
    }
    IB_RETURN_IF_ERROR(top.String("signature", m.signature));
    if (!IsHex(m.signature, 128)) {
      return Status::Error(context + ": \"signature\" is not 64 bytes of lower-case hex");
    }
  } else if (has_signature || signing->contains("algorithm") || signing->contains("public_key")) {
    // Only an edit produces this: the writer never records key material for an unsigned run.
    return Status::Error(context +
                         ": signing.signed is false but the manifest carries a signature or key; "
                         "it was edited after it was written");
  }
  return m;
}

std::string MediaTypeFor(std::string_view file_name) {
  // token_times is JSON Lines ({"request_id", "first_ns", "delta_us": [...]} per request; see
  // runner/run_directory.h), so it is typed as such despite having no extension.
  if (file_name == "token_times") return "application/x-ndjson";
  if (EndsWith(file_name, ".json")) return "application/json";
  if (EndsWith(file_name, ".jsonl") || EndsWith(file_name, ".ndjson")) return "application/x-ndjson";
  if (EndsWith(file_name, ".yaml") || EndsWith(file_name, ".yml")) return "application/yaml";
  if (EndsWith(file_name, ".log") || EndsWith(file_name, ".txt")) return "text/plain";
  return "application/octet-stream";
}

std::string ManifestPath(const std::string& evidence_root, std::string_view run_id) {
  return fmt::format("{}/manifests/{}.json", evidence_root, run_id);
}

Result<Manifest> LoadManifest(const std::string& evidence_root, std::string_view run_id) {
  IB_RETURN_IF_ERROR(CheckRunIdForPath(run_id));
  const std::string path = ManifestPath(evidence_root, run_id);
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
      return Status::Error(fmt::format(
          "no manifest for run {} at {}: the run was not stored in this evidence store (pass "
          "--evidence DIR or set INFERBENCH_HOME to the store that holds it)",
          run_id, path));
    }
    return Status::Error(fmt::format("cannot read {} (check its permissions)", path));
  }
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(text.str());
  } catch (const nlohmann::json::exception& e) {
    return Status::Error(fmt::format("{}: not valid JSON ({})", path, e.what()));
  }
  Result<Manifest> manifest = Manifest::FromJson(json, path);
  if (!manifest.ok()) return manifest;
  if (manifest->run_id != run_id) {
    return Status::Error(fmt::format("{}: records run_id \"{}\", not \"{}\"; the file was renamed "
                                     "or edited",
                                     path, manifest->run_id, run_id));
  }
  return manifest;
}

Status WriteManifest(const std::string& evidence_root, const Manifest& manifest) {
  IB_RETURN_IF_ERROR(CheckRunIdForPath(manifest.run_id));
  const std::string bytes = manifest.ToJson().dump(2) + "\n";
  // The object first: once the manifest file exists, everything it names is in the store.
  Result<std::string> object = ObjectStore(evidence_root).Put(bytes);
  if (!object.ok()) return object.status().WithContext("storing the manifest of run " + manifest.run_id);
  return WriteFileAtomically(ManifestPath(evidence_root, manifest.run_id), bytes);
}

}  // namespace inferbench::evidence
