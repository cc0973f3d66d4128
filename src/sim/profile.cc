#include "sim/profile.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "catalog/ceilings_yaml.h"

namespace inferbench::sim {

namespace {

constexpr int64_t kFixedDefaultTtftNs = 50'000'000;
constexpr int64_t kFixedDefaultItlNs = 10'000'000;

constexpr double kInf = 1e300;

// Reads typed fields of one YAML mapping; every error names `where` and the key.
class FieldReader {
 public:
  FieldReader(YAML::Node node, std::string where)
      : node_(std::move(node)), where_(std::move(where)) {}

  Status CheckKeys(const std::vector<std::string_view>& allowed) const {
    if (!node_.IsMap()) return Status::Error(where_ + ": expected a mapping of key: value");
    for (const auto& entry : node_) {
      const std::string key = entry.first.as<std::string>();
      bool known = false;
      for (std::string_view a : allowed) known = known || key == a;
      if (!known) {
        std::vector<std::string> names(allowed.begin(), allowed.end());
        return Status::Error(
            fmt::format("{}: unknown key '{}' (allowed: {})", where_, key, fmt::join(names, ", ")));
      }
    }
    return Status::Ok();
  }

  bool Has(const char* key) const { return static_cast<bool>(node_[key]); }

  // `*out` keeps its default when the key is absent and not required.
  Status Number(const char* key, double* out, bool required = false) const {
    const YAML::Node v = node_[key];
    if (!v) return required ? Missing(key) : Status::Ok();
    double value = 0;
    if (!v.IsScalar() || !YAML::convert<double>::decode(v, value) || !std::isfinite(value)) {
      return Status::Error(
          fmt::format("{}: '{}' must be a number, got '{}'", where_, key, Text(v)));
    }
    *out = value;
    return Status::Ok();
  }

  Status Integer(const char* key, int* out, bool required = false) const {
    const YAML::Node v = node_[key];
    if (!v) return required ? Missing(key) : Status::Ok();
    // Accepts 8192 and 8.192e3 alike, as long as the value is a whole number that fits an int.
    double value = 0;
    if (!v.IsScalar() || !YAML::convert<double>::decode(v, value) || value != std::floor(value) ||
        std::fabs(value) > 2147483647.0) {
      return Status::Error(
          fmt::format("{}: '{}' must be a whole number, got '{}'", where_, key, Text(v)));
    }
    *out = static_cast<int>(value);
    return Status::Ok();
  }

  Status Bool(const char* key, bool* out) const {
    const YAML::Node v = node_[key];
    if (!v) return Status::Ok();
    bool value = false;
    if (!v.IsScalar() || !YAML::convert<bool>::decode(v, value)) {
      return Status::Error(
          fmt::format("{}: '{}' must be true or false, got '{}'", where_, key, Text(v)));
    }
    *out = value;
    return Status::Ok();
  }

  Status String(const char* key, std::string* out, bool required = false) const {
    const YAML::Node v = node_[key];
    if (!v) return required ? Missing(key) : Status::Ok();
    if (!v.IsScalar()) {
      return Status::Error(fmt::format("{}: '{}' must be a string", where_, key));
    }
    *out = v.Scalar();
    return Status::Ok();
  }

  // lo < value (lo_open) or lo <= value, and value <= hi (no upper bound when hi is kInf).
  Status Range(const char* key, double value, double lo, double hi, bool lo_open) const {
    const bool ok = (lo_open ? value > lo : value >= lo) && value <= hi;
    if (ok) return Status::Ok();
    const std::string bound = hi >= kInf ? fmt::format("{} {}", lo_open ? ">" : ">=", lo)
                                         : fmt::format("in {}{}, {}]", lo_open ? "(" : "[", lo, hi);
    return Status::Error(fmt::format("{}: '{}' must be {}, got {}", where_, key, bound, value));
  }

  const std::string& where() const { return where_; }

 private:
  Status Missing(const char* key) const {
    return Status::Error(fmt::format("{}: missing required key '{}'", where_, key));
  }
  static std::string Text(const YAML::Node& v) {
    if (v.IsScalar()) return v.Scalar();
    std::ostringstream out;
    out << YAML::Dump(v);
    return out.str();
  }

  const YAML::Node node_;
  std::string where_;
};

#define IB_RETURN_IF_ERROR(expr)       \
  do {                                 \
    const Status status_ = (expr);     \
    if (!status_.ok()) return status_; \
  } while (0)

// The named profiles of the built-in table; parsed once, on first use. Its hardware and models
// are catalog/'s.
struct CeilingsTable {
  std::vector<std::pair<std::string, YAML::Node>> profiles;
};

Result<CeilingsTable> ParseTable() {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(catalog::CeilingsYaml()));
  } catch (const YAML::Exception& e) {
    return Result<CeilingsTable>::Error(
        fmt::format("{}: {}", catalog::kCeilingsTableName, e.what()));
  }
  if (!root["profiles"] || !root["profiles"].IsMap()) {
    return Result<CeilingsTable>::Error(
        fmt::format("{}: missing mapping 'profiles'", catalog::kCeilingsTableName));
  }
  CeilingsTable table;
  for (const auto& entry : root["profiles"]) {
    table.profiles.emplace_back(entry.first.as<std::string>(), entry.second);
  }
  return table;
}

const Result<CeilingsTable>& Table() {
  static const Result<CeilingsTable> table = ParseTable();
  return table;
}

SimProfile InstantProfile() {
  SimProfile p;
  p.name = "instant";
  p.kind = ProfileKind::kInstant;
  // Generous limits: the instant profile measures the client, so the engine must never be the
  // bottleneck. Per-block state grows only as blocks are used, so the huge capacity is free;
  // prefix caching is off so blocks recycle instead of accumulating cached prompts.
  p.engine.zero_time = true;
  p.engine.max_num_seqs = 1 << 16;
  p.engine.max_num_batched_tokens = 1 << 24;
  p.engine.kv_blocks = 1 << 24;
  p.engine.max_waiting = 1 << 20;
  p.engine.max_model_len = 1 << 20;
  p.engine.prefix_caching = false;
  return p;
}

SimProfile FixedProfile() {
  SimProfile p = InstantProfile();
  p.name = "fixed";
  p.kind = ProfileKind::kFixed;
  p.fixed_ttft_ns = kFixedDefaultTtftNs;
  p.fixed_itl_ns = kFixedDefaultItlNs;
  return p;
}

// Resolves `hardware:` / `model:` of a profile: a table key (catalog/) or an inline mapping.
template <typename T, typename LookupFn, typename ParseFn>
Result<T> Resolve(const YAML::Node& node, const char* field, const std::string& where,
                  LookupFn lookup, ParseFn parse) {
  if (!node) return Result<T>::Error(fmt::format("{}: missing required key '{}'", where, field));
  if (node.IsScalar()) {
    Result<T> entry = lookup(node.Scalar());
    if (!entry.ok()) {
      return Result<T>::Error(
          fmt::format("{}: {}; or give an inline mapping", where, entry.status().message()));
    }
    return entry;
  }
  return parse(node, std::string(), fmt::format("{}: {}", where, field));
}

Status ApplyEngineKeys(const FieldReader& r, EngineParams* e) {
  IB_RETURN_IF_ERROR(r.Integer("max_num_seqs", &e->max_num_seqs));
  IB_RETURN_IF_ERROR(r.Integer("max_num_batched_tokens", &e->max_num_batched_tokens));
  IB_RETURN_IF_ERROR(r.Integer("block_size", &e->block_size));
  IB_RETURN_IF_ERROR(r.Integer("max_waiting", &e->max_waiting));
  IB_RETURN_IF_ERROR(r.Integer("max_model_len", &e->max_model_len));
  IB_RETURN_IF_ERROR(r.Integer("kv_blocks", &e->kv_blocks));
  IB_RETURN_IF_ERROR(r.Bool("prefix_caching", &e->prefix_caching));
  IB_RETURN_IF_ERROR(r.Range("max_num_seqs", e->max_num_seqs, 1, kInf, false));
  IB_RETURN_IF_ERROR(r.Range("max_num_batched_tokens", e->max_num_batched_tokens, 1, kInf, false));
  IB_RETURN_IF_ERROR(r.Range("block_size", e->block_size, 1, 4096, false));
  IB_RETURN_IF_ERROR(r.Range("max_waiting", e->max_waiting, 0, kInf, false));
  IB_RETURN_IF_ERROR(r.Range("max_model_len", e->max_model_len, 1, kInf, false));
  if (r.Has("kv_blocks")) IB_RETURN_IF_ERROR(r.Range("kv_blocks", e->kv_blocks, 1, kInf, false));
  return Status::Ok();
}

// Keys a profile may set besides its kind's own.
std::vector<std::string_view> WithEngineKeys(std::vector<std::string_view> keys) {
  for (std::string_view k : {"max_num_seqs", "max_num_batched_tokens", "block_size", "max_waiting",
                             "max_model_len", "kv_blocks", "prefix_caching"}) {
    keys.push_back(k);
  }
  return keys;
}

Result<SimProfile> BuildProfile(const YAML::Node& node, std::string name,
                                const std::string& where) {
  FieldReader r(node, where);
  if (!node.IsMap()) return Status::Error(where + ": expected a mapping of profile fields");
  std::string kind = "model";
  IB_RETURN_IF_ERROR(r.String("kind", &kind));
  IB_RETURN_IF_ERROR(r.String("name", &name));

  if (kind == "instant" || kind == "fixed") {
    IB_RETURN_IF_ERROR(
        r.CheckKeys(WithEngineKeys({"name", "description", "kind", "ttft_ms", "itl_ms"})));
    SimProfile p = kind == "instant" ? InstantProfile() : FixedProfile();
    p.name = name;
    IB_RETURN_IF_ERROR(ApplyEngineKeys(r, &p.engine));
    if (kind == "instant" && (r.Has("ttft_ms") || r.Has("itl_ms"))) {
      return Status::Error(where + ": 'ttft_ms' and 'itl_ms' apply only to kind: fixed");
    }
    double ttft_ms = static_cast<double>(p.fixed_ttft_ns) / 1e6;
    double itl_ms = static_cast<double>(p.fixed_itl_ns) / 1e6;
    IB_RETURN_IF_ERROR(r.Number("ttft_ms", &ttft_ms));
    IB_RETURN_IF_ERROR(r.Number("itl_ms", &itl_ms));
    IB_RETURN_IF_ERROR(r.Range("ttft_ms", ttft_ms, 0, 3.6e6, false));
    IB_RETURN_IF_ERROR(r.Range("itl_ms", itl_ms, 0, 3.6e6, false));
    p.fixed_ttft_ns = std::llround(ttft_ms * 1e6);
    p.fixed_itl_ns = std::llround(itl_ms * 1e6);
    return p;
  }
  if (kind != "model") {
    return Status::Error(
        fmt::format("{}: 'kind' must be model, instant or fixed, got '{}'", where, kind));
  }

  IB_RETURN_IF_ERROR(
      r.CheckKeys(WithEngineKeys({"name", "description", "kind", "hardware", "model", "tp",
                                  "eff_bw", "mfu", "c0_s", "c_req_s", "gpu_memory_utilization"})));
  auto hw = Resolve<HardwareCeiling>(node["hardware"], "hardware", where, catalog::LookupHardware,
                                     catalog::ParseHardwareEntry);
  if (!hw.ok()) return hw.status();
  auto model = Resolve<ModelShape>(node["model"], "model", where, catalog::LookupModel,
                                   catalog::ParseModelEntry);
  if (!model.ok()) return model.status();

  int tp = 1;
  double eff_bw = 0.8, mfu = 0.5, c0_s = 0, c_req_s = 0, gmu = 0.9;
  IB_RETURN_IF_ERROR(r.Integer("tp", &tp));
  IB_RETURN_IF_ERROR(r.Number("eff_bw", &eff_bw));
  IB_RETURN_IF_ERROR(r.Number("mfu", &mfu));
  IB_RETURN_IF_ERROR(r.Number("c0_s", &c0_s));
  IB_RETURN_IF_ERROR(r.Number("c_req_s", &c_req_s));
  IB_RETURN_IF_ERROR(r.Number("gpu_memory_utilization", &gmu));
  IB_RETURN_IF_ERROR(r.Range("tp", tp, 1, 1024, false));
  IB_RETURN_IF_ERROR(r.Range("eff_bw", eff_bw, 0, 1, true));
  IB_RETURN_IF_ERROR(r.Range("mfu", mfu, 0, 1, true));
  IB_RETURN_IF_ERROR(r.Range("c0_s", c0_s, 0, 60, false));
  IB_RETURN_IF_ERROR(r.Range("c_req_s", c_req_s, 0, 60, false));
  IB_RETURN_IF_ERROR(r.Range("gpu_memory_utilization", gmu, 0, 1, true));

  SimProfile p;
  p.name = std::move(name);
  p.kind = ProfileKind::kModel;
  // An inline entry has no table key: it is named by its description.
  p.hardware = !hw->key.empty() ? hw->key : hw->description.empty() ? "inline" : hw->description;
  p.model = !model->key.empty()          ? model->key
            : model->description.empty() ? "inline"
                                         : model->description;
  EngineParams& e = p.engine;
  e.max_model_len = model->max_model_len;
  e.kv_blocks = 0;
  IB_RETURN_IF_ERROR(ApplyEngineKeys(r, &e));
  if (!r.Has("kv_blocks")) {
    const int64_t blocks = KvBlocksFor(*hw, *model, tp, gmu, e.block_size);
    if (blocks <= 0) {
      return Status::Error(fmt::format(
          "{}: the model's weights ({:.4g} GB) leave no room for a KV cache in {} × {:.4g} GB × "
          "gpu_memory_utilization {}; raise tp or gpu_memory_utilization, or set kv_blocks",
          where, model->weight_bytes / 1e9, tp, hw->hbm_bytes / 1e9, gmu));
    }
    e.kv_blocks = static_cast<int>(std::min<int64_t>(blocks, 2147483647));
  }
  StepTimeParams& s = e.step;
  s.c0_s = c0_s;
  s.c_req_s = c_req_s;
  s.weight_bytes = model->weight_bytes;
  s.kv_bytes_per_token = model->kv_bytes_per_token / tp;  // KV heads are sharded across TP
  s.params = model->params;
  s.tensor_parallel = tp;
  s.hbm_bw_bytes_s = hw->hbm_bw_bytes_s;
  s.peak_flops = hw->peak_bf16_dense_flops;
  s.eff_bw = eff_bw;
  s.mfu = mfu;
  return p;
}

const char* KindName(ProfileKind kind) {
  switch (kind) {
    case ProfileKind::kInstant:
      return "instant";
    case ProfileKind::kFixed:
      return "fixed";
    case ProfileKind::kModel:
      return "model";
  }
  return "model";
}

}  // namespace

nlohmann::json SimProfile::ToJson() const {
  const EngineParams& e = engine;
  nlohmann::json j = {
      {"name", name},
      {"kind", KindName(kind)},
      {"max_num_seqs", e.max_num_seqs},
      {"max_num_batched_tokens", e.max_num_batched_tokens},
      {"kv_blocks", e.kv_blocks},
      {"block_size", e.block_size},
      {"max_waiting", e.max_waiting},
      {"max_model_len", e.max_model_len},
      {"prefix_caching", e.prefix_caching},
      {"zero_time", e.zero_time},
      {"time_scale", e.time_scale},
  };
  if (kind == ProfileKind::kFixed) {
    j["ttft_ms"] = static_cast<double>(fixed_ttft_ns) / 1e6;
    j["itl_ms"] = static_cast<double>(fixed_itl_ns) / 1e6;
  }
  if (kind == ProfileKind::kModel) {
    const StepTimeParams& s = e.step;
    j["hardware"] = hardware;
    j["model"] = model;
    j["tensor_parallel"] = s.tensor_parallel;
    j["step"] = {
        {"c0_s", s.c0_s},
        {"c_req_s", s.c_req_s},
        {"weight_bytes", s.weight_bytes},
        {"kv_bytes_per_token_per_gpu", s.kv_bytes_per_token},
        {"params", s.params},
        {"hbm_bw_bytes_s", s.hbm_bw_bytes_s},
        {"peak_flops", s.peak_flops},
        {"eff_bw", s.eff_bw},
        {"mfu", s.mfu},
    };
  }
  return j;
}

std::vector<std::string> BuiltinProfileNames() {
  std::vector<std::string> names = {"instant", "fixed"};
  const Result<CeilingsTable>& table = Table();
  if (table.ok()) {
    for (const auto& [name, node] : table->profiles) names.push_back(name);
  }
  return names;
}

Result<SimProfile> LoadProfile(std::string_view name_or_path) {
  const std::string name(name_or_path);
  if (name == "instant") return InstantProfile();
  if (name == "fixed") return FixedProfile();
  const Result<CeilingsTable>& table = Table();
  if (!table.ok()) return table.status();
  for (const auto& [key, node] : table->profiles) {
    if (key != name) continue;
    return BuildProfile(node, key,
                        fmt::format("{}: profile '{}'", catalog::kCeilingsTableName, key));
  }

  std::error_code ec;
  if (!std::filesystem::is_regular_file(name, ec)) {
    return Status::Error(fmt::format(
        "unknown simulator profile '{}': not a built-in profile and not a readable file. "
        "Built-in profiles: {}; or pass the path of a profile YAML file (fields as in "
        "data/ceilings.yaml)",
        name, fmt::join(BuiltinProfileNames(), ", ")));
  }
  std::ifstream in(name, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in && !in.eof()) return Status::Error(fmt::format("cannot read profile file '{}'", name));
  YAML::Node node;
  try {
    node = YAML::Load(text.str());
  } catch (const YAML::Exception& e) {
    return Status::Error(fmt::format("profile file '{}': {}", name, e.what()));
  }
  return BuildProfile(node, name, fmt::format("profile file '{}'", name));
}

int64_t KvBlocksFor(const HardwareCeiling& hardware, const ModelShape& model, int tp,
                    double gpu_memory_utilization, int block_size) {
  const double kv_bytes = hardware.hbm_bytes * tp * gpu_memory_utilization - model.weight_bytes;
  const double block_bytes = model.kv_bytes_per_token * block_size;
  if (kv_bytes <= 0 || block_bytes <= 0) return 0;
  return static_cast<int64_t>(std::floor(kv_bytes / block_bytes));
}

#undef IB_RETURN_IF_ERROR

}  // namespace inferbench::sim
