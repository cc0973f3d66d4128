#include "catalog/ceilings.h"

#include <cctype>
#include <cmath>
#include <initializer_list>
#include <sstream>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "catalog/ceilings_yaml.h"

namespace inferbench::catalog {

extern const char kCeilingsYaml[];  // generated from data/ceilings.yaml (ceilings_data.cc.in)

namespace {

std::string Text(const YAML::Node& v) {
  if (v.IsScalar()) return v.Scalar();
  std::ostringstream out;
  out << YAML::Dump(v);
  return out.str();
}

// The fields of one entry: all positive numbers except the description.
class EntryReader {
 public:
  EntryReader(const YAML::Node& node, const std::string& where) : node_(node), where_(where) {}

  Status CheckKeys(std::initializer_list<const char*> allowed) const {
    if (!node_.IsMap()) return Status::Error(where_ + ": expected a mapping of key: value");
    for (const auto& entry : node_) {
      const std::string key = entry.first.as<std::string>();
      bool known = false;
      std::vector<std::string> names;
      for (const char* a : allowed) {
        known = known || key == a;
        names.emplace_back(a);
      }
      if (!known) {
        return Status::Error(
            fmt::format("{}: unknown key '{}' (allowed: {})", where_, key, fmt::join(names, ", ")));
      }
    }
    return Status::Ok();
  }

  Status Description(std::string* out) const {
    const YAML::Node v = node_["description"];
    if (!v) return Status::Ok();
    if (!v.IsScalar()) return Status::Error(where_ + ": 'description' must be a string");
    *out = v.Scalar();
    return Status::Ok();
  }

  // A required finite number > 0.
  Status Positive(const char* key, double* out) const {
    const YAML::Node v = node_[key];
    if (!v) return Status::Error(fmt::format("{}: missing required key '{}'", where_, key));
    double value = 0;
    if (!v.IsScalar() || !YAML::convert<double>::decode(v, value) || !std::isfinite(value)) {
      return Status::Error(
          fmt::format("{}: '{}' must be a number, got '{}'", where_, key, Text(v)));
    }
    if (value <= 0) {
      return Status::Error(fmt::format("{}: '{}' must be > 0, got {}", where_, key, value));
    }
    *out = value;
    return Status::Ok();
  }

  // A required whole number > 0 that fits an int (8192 and 8.192e3 alike).
  Status PositiveInt(const char* key, int* out) const {
    double value = 0;
    if (Status s = Positive(key, &value); !s.ok()) return s;
    if (value != std::floor(value) || value > 2147483647.0) {
      return Status::Error(
          fmt::format("{}: '{}' must be a whole number, got '{}'", where_, key, Text(node_[key])));
    }
    *out = static_cast<int>(value);
    return Status::Ok();
  }

 private:
  const YAML::Node& node_;
  const std::string& where_;
};

#define IB_RETURN_IF_ERROR(expr)       \
  do {                                 \
    const Status status_ = (expr);     \
    if (!status_.ok()) return status_; \
  } while (0)

struct CeilingsTable {
  std::vector<HardwareCeiling> hardware;
  std::vector<ModelShape> models;
};

Result<CeilingsTable> ParseTable() {
  YAML::Node root;
  try {
    root = YAML::Load(kCeilingsYaml);
  } catch (const YAML::Exception& e) {
    return Status::Error(fmt::format("{}: {}", kCeilingsTableName, e.what()));
  }
  for (const char* section : {"hardware", "models"}) {
    if (!root[section] || !root[section].IsMap()) {
      return Status::Error(fmt::format("{}: missing mapping '{}'", kCeilingsTableName, section));
    }
  }
  CeilingsTable table;
  for (const auto& entry : root["hardware"]) {
    const std::string key = entry.first.as<std::string>();
    auto hw = ParseHardwareEntry(entry.second, key,
                                 fmt::format("{}: hardware '{}'", kCeilingsTableName, key));
    if (!hw.ok()) return hw.status();
    table.hardware.push_back(std::move(hw).value());
  }
  for (const auto& entry : root["models"]) {
    const std::string key = entry.first.as<std::string>();
    auto model =
        ParseModelEntry(entry.second, key, fmt::format("{}: model '{}'", kCeilingsTableName, key));
    if (!model.ok()) return model.status();
    table.models.push_back(std::move(model).value());
  }
  return table;
}

const Result<CeilingsTable>& Table() {
  static const Result<CeilingsTable> table = ParseTable();
  return table;
}

// Lower case, with ' ' and '_' as '-': the spelling keys are compared in.
std::string Normalize(std::string_view key) {
  std::string out;
  for (char c : key) {
    out +=
        c == ' ' || c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

template <typename T>
std::vector<std::string> Keys(const std::vector<T>& entries) {
  std::vector<std::string> keys;
  for (const T& e : entries) keys.push_back(e.key);
  return keys;
}

template <typename T>
Result<T> Lookup(const std::vector<T>& entries, std::string_view key, const char* what) {
  const std::string wanted = Normalize(key);
  for (const T& e : entries) {
    if (Normalize(e.key) == wanted) return e;
  }
  return Status::Error(fmt::format("unknown {} '{}' (known: {})", what, key, fmt::join(Keys(entries), ", ")));
}

}  // namespace

Result<HardwareCeiling> ParseHardwareEntry(const YAML::Node& node, std::string key,
                                           const std::string& where) {
  EntryReader r(node, where);
  IB_RETURN_IF_ERROR(
      r.CheckKeys({"description", "peak_bf16_dense_flops", "hbm_bw_bytes_s", "hbm_bytes"}));
  HardwareCeiling hw;
  hw.key = std::move(key);
  IB_RETURN_IF_ERROR(r.Description(&hw.description));
  IB_RETURN_IF_ERROR(r.Positive("peak_bf16_dense_flops", &hw.peak_bf16_dense_flops));
  IB_RETURN_IF_ERROR(r.Positive("hbm_bw_bytes_s", &hw.hbm_bw_bytes_s));
  IB_RETURN_IF_ERROR(r.Positive("hbm_bytes", &hw.hbm_bytes));
  return hw;
}

Result<ModelShape> ParseModelEntry(const YAML::Node& node, std::string key,
                                   const std::string& where) {
  EntryReader r(node, where);
  IB_RETURN_IF_ERROR(r.CheckKeys(
      {"description", "params", "weight_bytes", "kv_bytes_per_token", "max_model_len"}));
  ModelShape m;
  m.key = std::move(key);
  IB_RETURN_IF_ERROR(r.Description(&m.description));
  IB_RETURN_IF_ERROR(r.Positive("params", &m.params));
  IB_RETURN_IF_ERROR(r.Positive("weight_bytes", &m.weight_bytes));
  IB_RETURN_IF_ERROR(r.Positive("kv_bytes_per_token", &m.kv_bytes_per_token));
  IB_RETURN_IF_ERROR(r.PositiveInt("max_model_len", &m.max_model_len));
  return m;
}

#undef IB_RETURN_IF_ERROR

Result<HardwareCeiling> LookupHardware(std::string_view key) {
  const Result<CeilingsTable>& table = Table();
  if (!table.ok()) return table.status();
  return Lookup(table->hardware, key, "hardware");
}

Result<ModelShape> LookupModel(std::string_view key) {
  const Result<CeilingsTable>& table = Table();
  if (!table.ok()) return table.status();
  return Lookup(table->models, key, "model");
}

std::vector<std::string> HardwareKeys() {
  const Result<CeilingsTable>& table = Table();
  return table.ok() ? Keys(table->hardware) : std::vector<std::string>{};
}

std::vector<std::string> ModelKeys() {
  const Result<CeilingsTable>& table = Table();
  return table.ok() ? Keys(table->models) : std::vector<std::string>{};
}

std::string_view CeilingsYaml() { return kCeilingsYaml; }

}  // namespace inferbench::catalog
