#include "results/json_fields.h"

#include <cmath>
#include <limits>
#include <utility>

namespace inferbench::results {

JsonFields::JsonFields(const nlohmann::json& object, std::string context)
    : object_(object), context_(std::move(context)) {
  if (!object_.is_object()) {
    status_ = Status::Error(context_ + ": expected a JSON object, got " + object_.type_name());
  }
}

const nlohmann::json* JsonFields::Find(std::string_view key, Need need) {
  if (!status_.ok()) return nullptr;
  const auto it = object_.find(key);
  if (it == object_.end() || it->is_null()) {
    if (need == Need::kRequired) {
      status_ = Status::Error(context_ + ": missing field \"" + std::string(key) + "\"");
    }
    return nullptr;
  }
  return &*it;
}

void JsonFields::TypeError(std::string_view key, std::string_view expected) {
  Fail(key, "must be " + std::string(expected));
}

void JsonFields::Fail(std::string_view key, std::string_view why) {
  if (!status_.ok()) return;
  status_ = Status::Error(context_ + ": field \"" + std::string(key) + "\" " + std::string(why));
}

void JsonFields::Int(std::string_view key, int64_t& out, Need need) {
  const nlohmann::json* value = Find(key, need);
  if (value == nullptr) return;
  if (value->is_number_unsigned()) {
    const uint64_t u = value->get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return TypeError(key, "an integer below 2^63");
    }
    out = static_cast<int64_t>(u);
  } else if (value->is_number_integer()) {
    out = value->get<int64_t>();
  } else {
    TypeError(key, "an integer");
  }
}

void JsonFields::IntOrAbsent(std::string_view key, int64_t& out) {
  out = -1;
  Int(key, out, Need::kOptional);
}

void JsonFields::Double(std::string_view key, double& out, Need need) {
  const nlohmann::json* value = Find(key, need);
  if (value == nullptr) return;
  if (!value->is_number()) return TypeError(key, "a number");
  out = value->get<double>();
}

void JsonFields::Bool(std::string_view key, bool& out, Need need) {
  const nlohmann::json* value = Find(key, need);
  if (value == nullptr) return;
  if (!value->is_boolean()) return TypeError(key, "true or false");
  out = value->get<bool>();
}

void JsonFields::String(std::string_view key, std::string& out, Need need) {
  const nlohmann::json* value = Find(key, need);
  if (value == nullptr) return;
  if (!value->is_string()) return TypeError(key, "a string");
  out = value->get<std::string>();
}

const nlohmann::json* JsonFields::Array(std::string_view key, Need need) {
  const nlohmann::json* value = Find(key, need);
  if (value == nullptr) return nullptr;
  if (!value->is_array()) {
    TypeError(key, "an array");
    return nullptr;
  }
  return value;
}

const nlohmann::json* JsonFields::Object(std::string_view key, Need need) {
  const nlohmann::json* value = Find(key, need);
  if (value == nullptr) return nullptr;
  if (!value->is_object()) {
    TypeError(key, "an object");
    return nullptr;
  }
  return value;
}

}  // namespace inferbench::results
