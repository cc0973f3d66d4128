// JsonFields: reads typed members of one JSON object for the FromJson functions of this module,
// keeping the first error with the member's name and the object's context, so a bad
// requests.jsonl line or summary.json says exactly which field is wrong.
// Internal to results/ (other modules use the FromJson functions).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/status.h"

namespace inferbench::results {

class JsonFields {
 public:
  enum class Need { kRequired, kOptional };

  // context names the object in error messages, e.g. "requests.jsonl record".
  // The object must outlive this reader.
  JsonFields(const nlohmann::json& object, std::string context);

  // Each reader leaves out untouched when the member is absent and optional (null counts as
  // absent), and records an error when it is required and absent or has the wrong type.
  void Int(std::string_view key, int64_t& out, Need need = Need::kOptional);
  // Like Int, but a null or absent member yields -1 (the "absent" timestamp convention).
  void IntOrAbsent(std::string_view key, int64_t& out);
  void Double(std::string_view key, double& out, Need need = Need::kOptional);
  void Bool(std::string_view key, bool& out, Need need = Need::kOptional);
  void String(std::string_view key, std::string& out, Need need = Need::kOptional);
  // The member itself, or null when absent or not of the expected kind (array/object).
  const nlohmann::json* Array(std::string_view key, Need need = Need::kOptional);
  const nlohmann::json* Object(std::string_view key, Need need = Need::kOptional);

  // Records an error about key (for values that parse but are not allowed).
  void Fail(std::string_view key, std::string_view why);
  const Status& status() const { return status_; }
  bool ok() const { return status_.ok(); }

 private:
  const nlohmann::json* Find(std::string_view key, Need need);
  void TypeError(std::string_view key, std::string_view expected);

  const nlohmann::json& object_;
  std::string context_;
  Status status_;
};

}  // namespace inferbench::results
