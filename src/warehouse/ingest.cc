#include "warehouse/ingest.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <simdjson.h>

#include "core/canonical_json.h"
#include "core/sha256.h"
#include "evidence/object_store.h"
#include "results/run_result.h"
#include "spec/benchmark_run_json.h"
#include "spec/digest.h"
#include "warehouse/database.h"
#include "warehouse/schema.h"

namespace inferbench::warehouse {

namespace {

using nlohmann::json;

// The tables holding rows of one run (replaced together when a run is ingested again).
constexpr std::string_view kRunTables[] = {
    "serving_outcome_fact", "serving_replicate_fact", "request_fact",
    "telemetry_slice_fact", "artifact_lineage_dim",   "benchmark_run_fact",
};

Result<std::optional<std::string>> ReadFile(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return std::optional<std::string>();
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Error("cannot read " + path + ": permission denied or unreadable");
  std::string bytes;
  in.seekg(0, std::ios::end);
  const auto size = in.tellg();
  in.seekg(0, std::ios::beg);
  if (size > 0) {
    // Room for simdjson's padding so the request parser can read in place.
    bytes.reserve(static_cast<size_t>(size) + simdjson::SIMDJSON_PADDING);
    bytes.resize(static_cast<size_t>(size));
    in.read(bytes.data(), size);
  }
  if (!in && size > 0) return Status::Error("cannot read " + path + ": read failed");
  return std::optional<std::string>(std::move(bytes));
}

// The readers of a run directory are named types, so that IngestRun can stream requests.jsonl
// straight from the file instead of holding it in memory (FileOf).
struct DirectoryReader {
  std::string dir;
  Result<std::optional<std::string>> operator()(const std::string& name) const {
    return ReadFile(dir + "/" + name);
  }
};

struct DirectoryThenEvidenceReader {
  std::string dir;
  ArtifactReader evidence;
  Result<std::optional<std::string>> operator()(const std::string& name) const {
    auto bytes = ReadFile(dir + "/" + name);
    if (!bytes.ok() || bytes->has_value()) return bytes;
    return evidence(name);
  }
};

// The file a reader would read `name` from, when it reads from a run directory and the file exists.
std::optional<std::string> FileOf(const ArtifactReader& read, const std::string& name) {
  std::string dir;
  if (const auto* d = read.target<DirectoryReader>()) dir = d->dir;
  if (const auto* d = read.target<DirectoryThenEvidenceReader>()) dir = d->dir;
  if (dir.empty()) return std::nullopt;
  std::error_code ec;
  const std::string path = dir + "/" + name;
  if (!std::filesystem::is_regular_file(path, ec)) return std::nullopt;
  return path;
}

// Parses an optional JSON artifact; nullopt when the run has none.
Result<std::optional<json>> ReadJson(const ArtifactReader& read, const std::string& name) {
  auto bytes = read(name);
  if (!bytes.ok()) return bytes.status();
  if (!bytes->has_value()) return std::optional<json>();
  json parsed = json::parse(**bytes, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return Status::Error(name + " is not valid JSON");
  return std::optional<json>(std::move(parsed));
}

const json* Find(const json* object, std::initializer_list<std::string_view> path) {
  const json* at = object;
  for (std::string_view key : path) {
    if (!at || !at->is_object()) return nullptr;
    auto it = at->find(std::string(key));
    if (it == at->end()) return nullptr;
    at = &*it;
  }
  return at;
}

std::string Text(const json* object, std::initializer_list<std::string_view> path,
                 const std::string& fallback = "unknown") {
  const json* at = object;
  for (std::string_view key : path) {
    if (!at || !at->is_object()) return fallback;
    auto it = at->find(std::string(key));
    if (it == at->end()) return fallback;
    at = &*it;
  }
  if (!at) return fallback;
  if (at->is_string()) return at->get<std::string>();
  if (at->is_number_integer()) return std::to_string(at->get<int64_t>());
  if (at->is_number()) return FormatJsonNumber(at->get<double>());
  return fallback;
}

std::optional<double> Number(const json* object, std::initializer_list<std::string_view> path) {
  const json* at = object;
  for (std::string_view key : path) {
    if (!at || !at->is_object()) return std::nullopt;
    auto it = at->find(std::string(key));
    if (it == at->end()) return std::nullopt;
    at = &*it;
  }
  if (!at || !at->is_number()) return std::nullopt;
  return at->get<double>();
}

Value OptionalInt(std::optional<double> value) {
  if (!value) return nullptr;
  return static_cast<int64_t>(*value);
}

std::string DimensionKey(const json& attributes) { return Sha256Hex(CanonicalJson(attributes)); }

json ToJsonValue(const Value& value) {
  if (const bool* b = std::get_if<bool>(&value)) return *b;
  if (const int64_t* n = std::get_if<int64_t>(&value)) return *n;
  if (const double* d = std::get_if<double>(&value)) return *d;
  if (const std::string* s = std::get_if<std::string>(&value)) return *s;
  return nullptr;
}

// One dimension row: named attribute values in table order; the key is the SHA-256 of the
// canonical JSON of the attributes.
struct Dimension {
  std::string table;
  std::string key_column;
  std::vector<std::pair<std::string, Value>> attributes;

  std::string Key() const {
    json object = json::object();
    for (const auto& [name, value] : attributes) object[name] = ToJsonValue(value);
    return DimensionKey(object);
  }

  Status Insert(Database& db, const std::string& key) const {
    std::string sql = "INSERT OR IGNORE INTO " + table + " (" + key_column;
    std::string marks = "?";
    std::vector<Value> params = {key};
    for (const auto& [name, value] : attributes) {
      sql += ", " + name;
      marks += ", ?";
      params.push_back(value);
    }
    sql += ") VALUES (" + marks + ")";
    return db.ExecuteParams(sql, params);
  }
};

// The parts of a run that are not per-request.
struct RunArtifacts {
  results::RunResult run;
  std::optional<json> summary;
  std::optional<json> spec_json;
  std::optional<spec::BenchmarkRun> spec;
  std::optional<json> environment;
  std::optional<json> target_version;  // the /version body
};

std::string NvlinkFrom(const std::string& topology) {
  if (topology == "unknown" || topology.empty()) return "unknown";
  for (size_t i = 0; i + 2 < topology.size(); ++i) {
    if (topology[i] == 'N' && topology[i + 1] == 'V' &&
        std::isdigit(static_cast<unsigned char>(topology[i + 2]))) {
      return "nvlink";
    }
  }
  return "none";
}

Dimension SoftwareDimension(const RunArtifacts& a, const evidence::Manifest& manifest) {
  const json* env = a.environment ? &*a.environment : nullptr;
  std::string engine = Text(env, {"engine", "name"});
  std::string engine_version = Text(env, {"engine", "version"});
  if (engine == "unknown" && a.spec) engine = a.spec->system.engine.name;
  if (engine_version == "unknown" && a.spec) engine_version = a.spec->system.engine.version;
  std::string image_digest = Text(env, {"images", "engine", "digest"});
  std::string harness = Text(env, {"harness", "version"});
  if (harness == "unknown" && !manifest.harness_version.empty()) harness = manifest.harness_version;
  const json* version = a.target_version ? &*a.target_version : nullptr;
  return Dimension{"software_version_dim",
                   "software_key",
                   {{"image_digest", image_digest},
                    {"driver", Text(env, {"driver"})},
                    {"cuda", Text(env, {"cuda"})},
                    {"nccl", std::string("unknown")},
                    {"framework", std::string("unknown")},
                    {"engine", engine},
                    {"engine_version", engine_version},
                    {"server_version", Text(version, {"version"})},
                    {"harness_version", harness}}};
}

Dimension HardwareDimension(const RunArtifacts& a) {
  const json* env = a.environment ? &*a.environment : nullptr;
  const json* gpu0 = nullptr;
  if (env && env->contains("gpus") && (*env)["gpus"].is_array() && !(*env)["gpus"].empty()) {
    gpu0 = &(*env)["gpus"][0];
  }
  std::string gpu_model = Text(gpu0, {"name"});
  if (gpu_model == "unknown" && a.spec) gpu_model = a.spec->system.hardware.gpu;
  Value gpu_count = OptionalInt(Number(env, {"gpu_count"}));
  if (std::holds_alternative<std::nullptr_t>(gpu_count) && a.spec) {
    gpu_count = static_cast<int64_t>(a.spec->system.hardware.gpu_count);
  }
  std::string pcie = "unknown";
  if (auto gen = Number(gpu0, {"pcie_link_gen"}), width = Number(gpu0, {"pcie_link_width"});
      gen && width) {
    pcie = fmt::format("gen{} x{}", static_cast<int64_t>(*gen), static_cast<int64_t>(*width));
  }
  Value memory_gib = nullptr;
  if (auto bytes = Number(env, {"host", "memory_bytes"}))
    memory_gib = *bytes / (1024.0 * 1024.0 * 1024.0);
  return Dimension{"hardware_topology_dim",
                   "hardware_key",
                   {{"gpu_model", gpu_model},
                    {"gpu_count", gpu_count},
                    {"pcie", pcie},
                    {"nvlink", NvlinkFrom(Text(env, {"topology"}))},
                    {"numa", std::string("unknown")},
                    {"nic", std::string("unknown")},
                    {"cpu_model", Text(env, {"host", "cpu_model"})},
                    {"cpu_count", OptionalInt(Number(env, {"host", "cpu_logical_cores"}))},
                    {"memory_gib", memory_gib},
                    {"host", Text(env, {"host", "hostname"})}}};
}

Dimension ClusterDimension(const spec::BenchmarkRun& spec) {
  return Dimension{"cluster_region_dim",
                   "cluster_key",
                   {{"cluster", spec.system.cluster.name},
                    {"region", spec.system.cluster.region},
                    {"zone", std::string("unknown")},
                    {"node_pool", spec.system.cluster.node_pool},
                    {"scheduler_path", spec.system.cluster.scheduler_path},
                    {"resource_flavor", std::string("unknown")},
                    {"tenant_mode", std::string("unknown")}}};
}

Status InsertWorkload(Database& db, const spec::BenchmarkRun& spec, const std::string& digest) {
  const spec::Workload& w = spec.workload;
  std::string load_model = w.load.type;
  if (w.load.type == "rate") load_model += ":" + w.load.arrival;
  // Dataset kinds bring their own lengths (per request in request_fact): the synthetic length
  // fields hold only their defaults there, so they are stored as NULL, not as a claim.
  auto length = [&w](double value) -> Value {
    if (!w.dataset.synthetic()) return nullptr;
    return value;
  };
  return db.ExecuteParams(
      "INSERT OR IGNORE INTO workload_dim (workload_spec_digest, model, precision, isl_mean, "
      "isl_stddev, osl_mean, osl_stddev, load_model, protocol, dataset, canonical_spec) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      {digest, spec.target.model, spec.system.model.precision, length(w.dataset.input_tokens.mean),
       length(w.dataset.input_tokens.stddev), length(w.dataset.output_tokens.mean),
       length(w.dataset.output_tokens.stddev),
       load_model, spec.target.endpoint, w.dataset.type,
       CanonicalJson(spec::WorkloadDigestInput(spec))});
}

json StringArray(const std::vector<std::string>& values) {
  json out = json::array();
  for (const auto& v : values) out.push_back(v);
  return out;
}

// ----- requests.jsonl --------------------------------------------------------------------------

enum class Key {
  kUnknown,
  kRequestId,
  kPoint,
  kReplicate,
  kWarmup,
  kTSched,
  kTSend,
  kTFirst,
  kTSecond,
  kTLast,
  kTDone,
  kInputRequested,
  kInput,
  kOutputRequested,
  kOutput,
  kOutputSource,
  kTokenEvents,
  kSameReadGaps,
  kCached,
  kFinishReason,
  kHttpStatus,
  kErrorClass,
  kErrorMessage,
  kRetries,
  kSalt,
};

// By length first: this runs for every key of every request line.
Key FindKey(std::string_view key) {
  switch (key.size()) {
    case 4:
      if (key == "salt") return Key::kSalt;
      break;
    case 5:
      if (key == "point") return Key::kPoint;
      break;
    case 6:
      if (key == "warmup") return Key::kWarmup;
      break;
    case 7:
      if (key == "retries") return Key::kRetries;
      break;
    case 9:
      if (key == "replicate") return Key::kReplicate;
      if (key == "t_send_ns") return Key::kTSend;
      if (key == "t_last_ns") return Key::kTLast;
      if (key == "t_done_ns") return Key::kTDone;
      break;
    case 10:
      if (key == "request_id") return Key::kRequestId;
      if (key == "t_sched_ns") return Key::kTSched;
      if (key == "t_first_ns") return Key::kTFirst;
      break;
    case 11:
      if (key == "t_second_ns") return Key::kTSecond;
      if (key == "http_status") return Key::kHttpStatus;
      if (key == "error_class") return Key::kErrorClass;
      break;
    case 12:
      if (key == "input_tokens") return Key::kInput;
      if (key == "token_events") return Key::kTokenEvents;
      break;
    case 13:
      if (key == "output_tokens") return Key::kOutput;
      if (key == "cached_tokens") return Key::kCached;
      if (key == "finish_reason") return Key::kFinishReason;
      if (key == "error_message") return Key::kErrorMessage;
      break;
    case 14:
      if (key == "same_read_gaps") return Key::kSameReadGaps;
      break;
    case 20:
      if (key == "output_tokens_source") return Key::kOutputSource;
      break;
    case 22:
      if (key == "input_tokens_requested") return Key::kInputRequested;
      break;
    case 23:
      if (key == "output_tokens_requested") return Key::kOutputRequested;
      break;
    default:
      break;
  }
  return Key::kUnknown;
}

// One request row while parsing: the strings point into the parser's buffer (valid until the
// next line is parsed).
struct RequestRow {
  std::string_view request_id;
  std::string_view point;
  std::string_view output_tokens_source = "chunks";
  std::string_view finish_reason;
  std::string_view error_class = "none";
  std::string_view error_message;
  int64_t replicate = 0;
  bool warmup = false;
  int64_t times[6] = {-1, -1, -1, -1, -1, -1};  // sched, send, first, second, last, done
  int64_t input_tokens_requested = 0;
  int64_t input_tokens = 0;
  int64_t output_tokens_requested = 0;
  int64_t output_tokens = 0;
  int64_t token_events = 0;
  int64_t same_read_gaps = 0;
  int64_t cached_tokens = -1;
  int64_t http_status = 0;
  int64_t retries = 0;
  bool has_request_id = false;
  bool has_point = false;
};

// Reads an int field that may be null (null → -1, "absent").
simdjson::error_code IntOrNull(simdjson::dom::element value, int64_t& out) {
  if (value.is_null()) {
    out = -1;
    return simdjson::SUCCESS;
  }
  return value.get_int64().get(out);
}

simdjson::error_code Str(simdjson::dom::element value, std::string_view& out) {
  return value.get_string().get(out);
}

// The DOM parser dispatches at run time to the best kernel of the CPU (the On-Demand API would be
// fixed at compile time, i.e. the portable fallback kernel without -march flags). `data` must be
// followed by SIMDJSON_PADDING readable bytes.
simdjson::error_code ParseRequest(simdjson::dom::parser& parser, const char* data, size_t length,
                                  RequestRow& row, std::string& bad_field) {
  simdjson::dom::element doc;
  if (auto error = parser.parse(data, length, /*realloc_if_needed=*/false).get(doc); error)
    return error;
  simdjson::dom::object object;
  if (auto error = doc.get_object().get(object); error) return error;
  for (simdjson::dom::key_value_pair field : object) {
    const std::string_view key = field.key;
    const simdjson::dom::element value = field.value;
    simdjson::error_code error = simdjson::SUCCESS;
    switch (FindKey(key)) {
      case Key::kRequestId:
        error = Str(value, row.request_id);
        row.has_request_id = true;
        break;
      case Key::kPoint:
        error = Str(value, row.point);
        row.has_point = true;
        break;
      case Key::kReplicate:
        error = value.get_int64().get(row.replicate);
        break;
      case Key::kWarmup:
        error = value.get_bool().get(row.warmup);
        break;
      case Key::kTSched:
        error = IntOrNull(value, row.times[0]);
        break;
      case Key::kTSend:
        error = IntOrNull(value, row.times[1]);
        break;
      case Key::kTFirst:
        error = IntOrNull(value, row.times[2]);
        break;
      case Key::kTSecond:
        error = IntOrNull(value, row.times[3]);
        break;
      case Key::kTLast:
        error = IntOrNull(value, row.times[4]);
        break;
      case Key::kTDone:
        error = IntOrNull(value, row.times[5]);
        break;
      case Key::kInputRequested:
        error = value.get_int64().get(row.input_tokens_requested);
        break;
      case Key::kInput:
        error = value.get_int64().get(row.input_tokens);
        break;
      case Key::kOutputRequested:
        error = value.get_int64().get(row.output_tokens_requested);
        break;
      case Key::kOutput:
        error = value.get_int64().get(row.output_tokens);
        break;
      case Key::kOutputSource:
        error = Str(value, row.output_tokens_source);
        break;
      case Key::kTokenEvents:
        error = value.get_int64().get(row.token_events);
        break;
      case Key::kSameReadGaps:
        error = value.get_int64().get(row.same_read_gaps);
        break;
      case Key::kCached:
        error = IntOrNull(value, row.cached_tokens);
        break;
      case Key::kFinishReason:
        error = Str(value, row.finish_reason);
        break;
      case Key::kHttpStatus:
        error = value.get_int64().get(row.http_status);
        break;
      case Key::kErrorClass:
        error = Str(value, row.error_class);
        break;
      case Key::kErrorMessage:
        error = Str(value, row.error_message);
        break;
      case Key::kRetries:
        error = value.get_int64().get(row.retries);
        break;
      case Key::kSalt:
      case Key::kUnknown:
        break;  // salt is not a warehouse column; unknown keys: newer writers
    }
    if (error) {
      bad_field = std::string(key);
      return error;
    }
  }
  return simdjson::SUCCESS;
}

void AddTime(Appender& a, int64_t ns) {
  if (ns < 0) {
    a.Add(nullptr);
  } else {
    a.Add(ns);
  }
}

void AddSpan(Appender& a, int64_t from_ns, int64_t to_ns, double divisor = 1.0) {
  if (from_ns < 0 || to_ns < 0) {
    a.Add(nullptr);
  } else {
    a.Add(static_cast<double>(to_ns - from_ns) / 1e6 / divisor);
  }
}

// Request rows travel from a parser thread to the appending thread in batches: parsing and
// DuckDB's appending then use both cores. A batch owns the bytes its rows' strings point to.
struct RequestBatch {
  static constexpr size_t kRows = 2048;
  static constexpr size_t kArenaBytes = size_t{1} << 20;

  std::vector<RequestRow> rows;
  std::vector<int64_t> lines;  // the requests.jsonl line of each row
  std::string arena = std::string(kArenaBytes, '\0');
  size_t used = 0;

  void Clear() {
    rows.clear();
    lines.clear();
    used = 0;
  }
  bool Fits(size_t bytes) const { return rows.size() < kRows && used + bytes <= arena.size(); }
  void Keep(std::string_view& text) {
    std::memcpy(arena.data() + used, text.data(), text.size());
    text = std::string_view(arena.data() + used, text.size());
    used += text.size();
  }
};

// A bounded hand-off between the parser (producer) and the appender (consumer); batches are
// recycled so their memory stays mapped.
class BatchQueue {
 public:
  BatchQueue() {
    for (int i = 0; i < 4; ++i) free_.push_back(std::make_unique<RequestBatch>());
  }

  // Producer: an empty batch, or null when the consumer gave up.
  std::unique_ptr<RequestBatch> TakeFree() {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return cancelled_ || !free_.empty(); });
    if (cancelled_) return nullptr;
    auto batch = std::move(free_.back());
    free_.pop_back();
    batch->Clear();
    return batch;
  }
  void PushFull(std::unique_ptr<RequestBatch> batch) {
    std::lock_guard<std::mutex> lock(mutex_);
    full_.push_back(std::move(batch));
    changed_.notify_all();
  }
  void Finish(Status status) {
    std::lock_guard<std::mutex> lock(mutex_);
    finished_ = true;
    status_ = std::move(status);
    changed_.notify_all();
  }

  // Consumer: the next full batch, or null at the end (then status() says how it ended).
  std::unique_ptr<RequestBatch> TakeFull() {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return finished_ || !full_.empty(); });
    if (full_.empty()) return nullptr;
    auto batch = std::move(full_.front());
    full_.pop_front();
    return batch;
  }
  void GiveBack(std::unique_ptr<RequestBatch> batch) {
    std::lock_guard<std::mutex> lock(mutex_);
    free_.push_back(std::move(batch));
    changed_.notify_all();
  }
  void Cancel() {
    std::lock_guard<std::mutex> lock(mutex_);
    cancelled_ = true;
    changed_.notify_all();
  }
  Status status() {
    std::lock_guard<std::mutex> lock(mutex_);
    return status_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::unique_ptr<RequestBatch>> full_;
  std::vector<std::unique_ptr<RequestBatch>> free_;
  bool finished_ = false;
  bool cancelled_ = false;
  Status status_;
};

// The producer: splits requests.jsonl into lines and parses each into the current batch.
class RequestParser {
 public:
  explicit RequestParser(BatchQueue& queue) : queue_(queue) {}

  // Every complete line of data[0, size) (SIMDJSON_PADDING readable bytes must follow); returns
  // the offset of the first byte not consumed (an incomplete last line), or `size` when `final`.
  Result<size_t> Lines(const char* data, size_t size, bool final) {
    size_t offset = 0;
    while (offset < size) {
      const char* newline =
          static_cast<const char*>(std::memchr(data + offset, '\n', size - offset));
      if (!newline && !final) return offset;
      const size_t end = newline ? static_cast<size_t>(newline - data) : size;
      if (Status s = Line(data + offset, end - offset); !s.ok()) return s;
      offset = end + 1;
    }
    return size;
  }

  // Hands over the last, partial batch.
  Status Flush() {
    if (batch_ && !batch_->rows.empty()) queue_.PushFull(std::move(batch_));
    return Status::Ok();
  }

 private:
  Status Line(const char* data, size_t length) {
    ++line_number_;
    if (length > 0 && data[length - 1] == '\r') --length;
    if (std::all_of(data, data + length, [](char c) { return c == ' ' || c == '\t'; }))
      return Status::Ok();
    if (!batch_ || !batch_->Fits(length)) {
      if (batch_ && !batch_->rows.empty()) queue_.PushFull(std::move(batch_));
      batch_ = queue_.TakeFree();
      if (!batch_) return Status::Error("stopped");  // the appending side failed and says why
      if (batch_->arena.size() < length) batch_->arena.resize(length);
    }
    RequestRow row;
    std::string bad_field;
    if (auto error = ParseRequest(parser_, data, length, row, bad_field); error) {
      std::string what = bad_field.empty() ? std::string("not a valid JSON object")
                                           : "field \"" + bad_field + "\" has the wrong type";
      return Status::Error(
          fmt::format("requests.jsonl line {}: {} ({}); fix or remove the line and ingest again",
                      line_number_, what, simdjson::error_message(error)));
    }
    if (!row.has_request_id || !row.has_point) {
      return Status::Error(fmt::format("requests.jsonl line {}: missing \"{}\"", line_number_,
                                       row.has_request_id ? "point" : "request_id"));
    }
    // The parser's string buffer is reused by the next line: keep the strings in the batch
    // (unescaped strings are never longer than the line, so they fit).
    for (std::string_view* text : {&row.request_id, &row.point, &row.output_tokens_source,
                                   &row.finish_reason, &row.error_class, &row.error_message}) {
      batch_->Keep(*text);
    }
    batch_->rows.push_back(row);
    batch_->lines.push_back(line_number_);
    return Status::Ok();
  }

  BatchQueue& queue_;
  simdjson::dom::parser parser_;
  std::unique_ptr<RequestBatch> batch_;
  int64_t line_number_ = 0;
};

// The consumer: one appender row per request.
class RequestAppender {
 public:
  RequestAppender(Appender& appender, const std::string& run_id,
                  const std::map<std::string, std::string>& case_ids)
      : a_(appender), run_id_(run_id), case_ids_(case_ids) {}

  int64_t count() const { return count_; }

  Status Row(const RequestRow& row, int64_t line) {
    if (row.point != last_point_) {
      last_point_.assign(row.point);
      auto it = case_ids_.find(last_point_);
      case_id_ = it == case_ids_.end() ? nullptr : &it->second;
    }
    Appender& a = a_;
    a.Add(std::string_view(run_id_));
    a.Add(row.request_id);
    a.Add(row.point);
    if (case_id_) {
      a.Add(std::string_view(*case_id_));
    } else {
      a.Add(nullptr);
    }
    a.Add(row.replicate);
    a.Add(row.warmup);
    for (int64_t t : row.times) AddTime(a, t);
    a.Add(row.input_tokens_requested);
    a.Add(row.input_tokens);
    a.Add(row.output_tokens_requested);
    a.Add(row.output_tokens);
    a.Add(row.output_tokens_source);
    a.Add(row.token_events);
    a.Add(row.same_read_gaps);
    AddTime(a, row.cached_tokens);
    a.Add(row.finish_reason);
    a.Add(row.http_status);
    a.Add(row.error_class);
    a.Add(row.error_message);
    a.Add(row.retries);
    const int64_t send = row.times[1], first = row.times[2], last = row.times[4];
    AddSpan(a, send, first);  // ttft_ms = t_first − t_send
    if (row.output_tokens > 1) {
      AddSpan(a, first, last, static_cast<double>(row.output_tokens - 1));  // tpot_ms
    } else {
      a.Add(nullptr);
    }
    AddSpan(a, send, last);  // e2e_latency_ms = t_last − t_send
    if (Status ended = a.EndRow(); !ended.ok()) {
      return Status::Error(fmt::format("requests.jsonl line {}: {}", line, ended.message()));
    }
    ++count_;
    // Small flushes keep the appender's buffer in memory that is already mapped.
    if (count_ % kFlushRows == 0) return a.Flush();
    return Status::Ok();
  }

 private:
  static constexpr int64_t kFlushRows = 16384;
  Appender& a_;
  const std::string& run_id_;
  const std::map<std::string, std::string>& case_ids_;
  std::string last_point_ = "\x01";
  const std::string* case_id_ = nullptr;
  int64_t count_ = 0;
};

// Reads requests.jsonl through one reused buffer: a run of a million requests is ~500 MB, and
// touching that much fresh memory costs more than parsing it.
Status ParseRequestsFile(RequestParser& parser, const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (!file) return Status::Error("cannot read " + path + ": " + std::strerror(errno));
  std::vector<char> buffer(size_t{4} << 20);
  size_t filled = 0;
  Status status = Status::Ok();
  while (status.ok()) {
    if (buffer.size() - filled < (size_t{1} << 20) + simdjson::SIMDJSON_PADDING)
      buffer.resize(buffer.size() * 2);
    const size_t room = buffer.size() - filled - simdjson::SIMDJSON_PADDING;
    const size_t got = std::fread(buffer.data() + filled, 1, room, file);
    if (got == 0 && std::ferror(file)) {
      status = Status::Error("cannot read " + path + ": " + std::strerror(errno));
      break;
    }
    filled += got;
    const bool final = got == 0;
    auto consumed = parser.Lines(buffer.data(), filled, final);
    if (!consumed.ok()) {
      status = consumed.status();
      break;
    }
    std::memmove(buffer.data(), buffer.data() + *consumed, filled - *consumed);
    filled -= *consumed;
    if (final) break;
  }
  std::fclose(file);
  return status;
}

// Parses on a second thread (from `path`, else from `bytes`) while this thread appends.
Result<int64_t> AppendRequests(RequestAppender& appender, const std::optional<std::string>& path,
                               std::string* bytes) {
  BatchQueue queue;
  std::thread producer([&] {
    RequestParser parser(queue);
    Status status = Status::Ok();
    if (path) {
      status = ParseRequestsFile(parser, *path);
    } else {
      if (bytes->capacity() < bytes->size() + simdjson::SIMDJSON_PADDING) {
        bytes->reserve(bytes->size() + simdjson::SIMDJSON_PADDING);
      }
      auto done = parser.Lines(bytes->data(), bytes->size(), /*final=*/true);
      if (!done.ok()) status = done.status();
    }
    if (status.ok()) status = parser.Flush();
    queue.Finish(std::move(status));
  });
  Status appended = Status::Ok();
  while (auto batch = queue.TakeFull()) {
    for (size_t i = 0; i < batch->rows.size() && appended.ok(); ++i) {
      appended = appender.Row(batch->rows[i], batch->lines[i]);
    }
    queue.GiveBack(std::move(batch));
    if (!appended.ok()) {
      queue.Cancel();
      break;
    }
  }
  producer.join();
  if (!appended.ok()) return appended;
  if (Status parsed = queue.status(); !parsed.ok()) return parsed;
  return appender.count();
}

// ----- telemetry.jsonl -------------------------------------------------------------------------

struct PromSample {
  std::string name;
  json labels = json::object();
  double value = 0;
};

bool IsNameChar(char c, bool first) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':' ||
         (!first && std::isdigit(static_cast<unsigned char>(c)));
}

// One sample line of the Prometheus text format: name{label="value",…} value [timestamp].
// Comments, blank and malformed lines give false (a scrape's bad line is skipped, as the
// telemetry parser does).
bool ParseSampleLine(std::string_view line, PromSample& out) {
  size_t i = 0;
  while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
  if (i >= line.size() || line[i] == '#') return false;
  const size_t name_start = i;
  while (i < line.size() && IsNameChar(line[i], i == name_start)) ++i;
  if (i == name_start) return false;
  out.name.assign(line.substr(name_start, i - name_start));
  out.labels = json::object();
  if (i < line.size() && line[i] == '{') {
    ++i;
    while (true) {
      while (i < line.size() && (line[i] == ' ' || line[i] == ',')) ++i;
      if (i >= line.size()) return false;
      if (line[i] == '}') {
        ++i;
        break;
      }
      const size_t key_start = i;
      while (i < line.size() && IsNameChar(line[i], i == key_start) && line[i] != ':') ++i;
      if (i == key_start || i >= line.size() || line[i] != '=') return false;
      std::string key(line.substr(key_start, i - key_start));
      ++i;
      if (i >= line.size() || line[i] != '"') return false;
      ++i;
      std::string value;
      bool closed = false;
      while (i < line.size()) {
        char c = line[i++];
        if (c == '"') {
          closed = true;
          break;
        }
        if (c == '\\' && i < line.size()) {
          char e = line[i++];
          value += e == 'n' ? '\n' : e;
        } else {
          value += c;
        }
      }
      if (!closed) return false;
      out.labels[key] = value;
    }
  }
  while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
  const size_t value_start = i;
  while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
  std::string token(line.substr(value_start, i - value_start));
  if (token.empty()) return false;
  char* end = nullptr;
  out.value = std::strtod(token.c_str(), &end);
  return end && *end == '\0';
}

Result<int64_t> AppendTelemetry(Database& db, const std::string& run_id, const std::string& bytes) {
  auto appender = db.Append("telemetry_slice_fact");
  if (!appender.ok()) return appender.status();
  Appender& a = **appender;
  std::istringstream lines(bytes);
  std::string line;
  int64_t line_number = 0;
  int64_t rows = 0;
  PromSample sample;
  while (std::getline(lines, line)) {
    ++line_number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    json scrape = json::parse(line, nullptr, false);
    if (scrape.is_discarded() || !scrape.is_object()) {
      return Status::Error(fmt::format("telemetry.jsonl line {}: not a JSON object", line_number));
    }
    const std::string point = scrape.value("point", std::string());
    const int64_t replicate =
        scrape.contains("replicate") && scrape["replicate"].is_number_integer()
            ? scrape["replicate"].get<int64_t>()
            : -1;
    const std::string phase = scrape.value("phase", std::string());
    const std::string url = scrape.value("url", std::string());
    const double t_s = scrape.contains("t_s") && scrape["t_s"].is_number()
                           ? scrape["t_s"].get<double>()
                           : std::nan("");
    if (!scrape.contains("text") || !scrape["text"].is_string()) continue;
    const std::string& text = scrape["text"].get_ref<const std::string&>();
    size_t start = 0;
    while (start <= text.size()) {
      size_t end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      std::string_view sample_line(text.data() + start, end - start);
      if (!sample_line.empty() && sample_line.back() == '\r') sample_line.remove_suffix(1);
      start = end + 1;
      if (!ParseSampleLine(sample_line, sample)) continue;
      if (sample.name.size() > 7 && sample.name.compare(sample.name.size() - 7, 7, "_bucket") == 0)
        continue;
      a.Add(std::string_view(run_id));
      if (point.empty()) {
        a.Add(nullptr);
      } else {
        a.Add(std::string_view(point));
      }
      if (replicate < 0) {
        a.Add(nullptr);
      } else {
        a.Add(replicate);
      }
      a.Add(std::string_view(phase));
      a.Add(std::string_view("node"));
      a.Add(std::string_view(url));
      a.Add(t_s);
      a.Add(std::string_view(sample.name));
      a.Add(std::string_view(CanonicalJson(sample.labels)));
      a.Add(sample.value);
      if (Status ended = a.EndRow(); !ended.ok()) {
        return Status::Error(
            fmt::format("telemetry.jsonl line {}: {}", line_number, ended.message()));
      }
      ++rows;
    }
  }
  if (Status closed = a.Close(); !closed.ok()) return closed;
  return rows;
}

// ----- the run's own rows ----------------------------------------------------------------------

void AddText(Appender& a, const std::string& text) { a.Add(std::string_view(text)); }

void AddOptionalText(Appender& a, const std::optional<std::string>& text) {
  if (text) {
    a.Add(std::string_view(*text));
  } else {
    a.Add(nullptr);
  }
}

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Status AppendOutcomes(Database& db, const std::string& run_id, const results::RunResult& run,
                      IngestStats& stats) {
  auto outcomes = db.Append("serving_outcome_fact");
  if (!outcomes.ok()) return outcomes.status();
  auto replicates = db.Append("serving_replicate_fact");
  if (!replicates.ok()) return replicates.status();
  for (const results::PointResult& point : run.points) {
    for (const auto& [metric, m] : point.metrics) {
      Appender& a = **outcomes;
      AddText(a, run_id);
      AddText(a, point.point);
      AddText(a, point.benchmark_case_id);
      AddText(a, metric);
      a.Add(m.mean);
      a.Add(m.stddev);
      a.Add(m.ci_low);
      a.Add(m.ci_high);
      a.Add(m.confidence);
      AddText(a, m.ci_method);
      a.Add(m.n);
      a.Add(m.relative_ci_half_width);
      a.Add(m.low_n);
      AddText(a, point.tier);
      if (Status ended = a.EndRow(); !ended.ok()) return ended;
      ++stats.outcome_rows;
      for (size_t r = 0; r < m.replicates.size(); ++r) {
        Appender& b = **replicates;
        AddText(b, run_id);
        AddText(b, point.point);
        AddText(b, point.benchmark_case_id);
        b.Add(static_cast<int64_t>(r));
        AddText(b, metric);
        b.Add(m.replicates[r]);
        std::optional<std::string> action;
        for (const results::OutlierMark& mark : m.outliers) {
          if (mark.replicate == static_cast<int64_t>(r)) action = mark.action;
        }
        AddOptionalText(b, action);
        if (Status ended = b.EndRow(); !ended.ok()) return ended;
        ++stats.replicate_rows;
      }
    }
  }
  if (Status closed = (*outcomes)->Close(); !closed.ok()) return closed;
  return (*replicates)->Close();
}

struct RunTimes {
  std::optional<int64_t> started_us;
  std::optional<int64_t> ended_us;
};

RunTimes TimesFrom(const std::optional<json>& summary) {
  RunTimes times;
  if (!summary) return times;
  auto system_ns = Number(&*summary, {"anchor", "system_ns"});
  if (!system_ns) return times;
  // Read the integer exactly (a double loses nanoseconds, not microseconds, but stay exact).
  const json& anchor = (*summary)["anchor"]["system_ns"];
  const int64_t ns =
      anchor.is_number_integer() ? anchor.get<int64_t>() : static_cast<int64_t>(*system_ns);
  times.started_us = ns / 1000;
  double last_end_s = 0;
  if (summary->contains("points") && (*summary)["points"].is_array()) {
    for (const json& point : (*summary)["points"]) {
      if (auto end = Number(&point, {"window", "end_s"})) last_end_s = std::max(last_end_s, *end);
    }
  }
  times.ended_us = *times.started_us + static_cast<int64_t>(std::llround(last_end_s * 1e6));
  return times;
}

Status AppendRunFact(Database& db, const RunArtifacts& a, const evidence::Manifest& manifest,
                     const std::string& manifest_digest,
                     const std::optional<std::string>& software_key,
                     const std::optional<std::string>& hardware_key,
                     const std::optional<std::string>& cluster_key, int64_t request_count) {
  const results::RunResult& run = a.run;
  auto appender = db.Append("benchmark_run_fact");
  if (!appender.ok()) return appender.status();
  Appender& f = **appender;
  const RunTimes times = TimesFrom(a.summary);
  const json* env = a.environment ? &*a.environment : nullptr;
  std::string harness = Text(env, {"harness", "version"});
  if (harness == "unknown" && !manifest.harness_version.empty()) harness = manifest.harness_version;
  int64_t replicate_count = 0;
  for (const auto& point : run.points)
    replicate_count = std::max(replicate_count, point.replicates);
  std::string mode = run.mode;
  if (mode.empty() && a.spec)
    mode = a.spec->intent.mode == spec::Mode::kPublication ? "publication" : "realism";

  AddText(f, run.run_id);
  AddText(f, run.name.empty() && a.spec ? a.spec->metadata.name : run.name);
  if (times.started_us) {
    f.AddTimestampMicros(*times.started_us);
    f.AddTimestampMicros(*times.ended_us);
  } else {
    f.Add(nullptr);
    f.Add(nullptr);
  }
  f.AddTimestampMicros(NowMicros());
  AddText(f, mode);
  if (a.spec) {
    AddText(f, StringArray(a.spec->intent.kpis).dump());
    AddText(f, a.spec->intent.variable_under_test);
  } else {
    f.Add(nullptr);
    f.Add(nullptr);
  }
  AddText(f, run.status);
  AddText(f, run.tier);
  AddText(f, StringArray(run.reasons).dump(-1, ' ', false, json::error_handler_t::replace));
  AddText(f, run.gate_status);
  AddText(f, run.workload_spec_digest);
  AddText(f, manifest_digest);
  AddOptionalText(f, software_key);
  AddOptionalText(f, hardware_key);
  AddOptionalText(f, cluster_key);
  if (a.spec_json) {
    const json* serving = Find(&*a.spec_json, {"spec", "system", "serving"});
    AddText(f, CanonicalJson(serving ? *serving : json::object()));
  } else {
    f.Add(nullptr);
  }
  AddOptionalText(f, a.target_version ? std::optional<std::string>(CanonicalJson(*a.target_version))
                                      : std::nullopt);
  if (a.spec) {
    AddText(f, CanonicalJson(json(a.spec->metadata.labels)));
  } else {
    f.Add(nullptr);
  }
  AddText(f, harness);
  AddText(f, Text(env, {"harness", "build_id"}));
  f.Add(static_cast<int64_t>(run.points.size()));
  f.Add(replicate_count);
  f.Add(request_count);
  f.Add(run.cold_start_s);
  if (Status ended = f.EndRow(); !ended.ok()) return ended;
  return f.Close();
}

Status AppendLineage(Database& db, const evidence::Manifest& manifest, const std::string& digest,
                     const std::string& evidence_root) {
  auto appender = db.Append("artifact_lineage_dim");
  if (!appender.ok()) return appender.status();
  Appender& l = **appender;
  std::error_code ec;
  std::string root = evidence_root.empty()
                         ? std::string()
                         : std::filesystem::absolute(evidence_root, ec).lexically_normal().string();
  AddText(l, manifest.run_id);
  AddText(l, root);
  AddText(l, digest);
  l.Add(manifest.is_signed);
  l.Add(static_cast<int64_t>(manifest.artifacts.size()));
  AddText(l, manifest.ToJson().dump());
  AddText(l, std::string("[]"));
  if (Status ended = l.EndRow(); !ended.ok()) return ended;
  return l.Close();
}

Result<RunArtifacts> LoadRunArtifacts(const evidence::Manifest& manifest,
                                      const ArtifactReader& read) {
  RunArtifacts a;
  auto run_json = ReadJson(read, "run.json");
  if (!run_json.ok()) return run_json.status();
  if (!run_json->has_value()) {
    return Status::Error(
        "run " + manifest.run_id +
        " has no run.json: the run did not finish (it was interrupted before it was "
        "judged), so there is nothing to ingest");
  }
  auto run = results::RunResult::FromJson(**run_json);
  if (!run.ok()) return run.status().WithContext("run.json");
  a.run = std::move(run.value());
  if (a.run.run_id != manifest.run_id) {
    return Status::Error("run.json names run " + a.run.run_id + " but the manifest is for run " +
                         manifest.run_id + "; the evidence does not belong together");
  }
  auto summary = ReadJson(read, "summary.json");
  if (!summary.ok()) return summary.status();
  a.summary = std::move(summary.value());
  auto spec_json = ReadJson(read, "effective_spec.json");
  if (!spec_json.ok()) return spec_json.status();
  a.spec_json = std::move(spec_json.value());
  if (a.spec_json) {
    auto spec = spec::BenchmarkRunFromJson(*a.spec_json);
    if (!spec.ok()) return spec.status().WithContext("effective_spec.json");
    a.spec = std::move(spec.value());
  }
  auto environment = ReadJson(read, "environment.json");
  if (!environment.ok()) return environment.status();
  a.environment = std::move(environment.value());
  auto version = ReadJson(read, "target_version.json");
  if (!version.ok()) return version.status();
  if (version->has_value()) {
    const json& record = **version;
    a.target_version = record.is_object() && record.contains("body") ? record["body"] : record;
  }
  return a;
}

Status IngestInTransaction(Database& db, const evidence::Manifest& manifest,
                           const ArtifactReader& read, const std::string& evidence_root,
                           const RunArtifacts& a, const std::string& digest, bool replace,
                           IngestStats& stats) {
  const std::string& run_id = manifest.run_id;
  if (replace) {
    for (std::string_view table : kRunTables) {
      if (Status deleted =
              db.ExecuteParams("DELETE FROM " + std::string(table) + " WHERE run_id = ?", {run_id});
          !deleted.ok()) {
        return deleted;
      }
    }
  }
  std::optional<std::string> software_key, hardware_key, cluster_key;
  if (a.spec || a.environment) {
    Dimension software = SoftwareDimension(a, manifest);
    software_key = software.Key();
    if (Status s = software.Insert(db, *software_key); !s.ok()) return s;
    Dimension hardware = HardwareDimension(a);
    hardware_key = hardware.Key();
    if (Status s = hardware.Insert(db, *hardware_key); !s.ok()) return s;
  }
  if (a.spec) {
    Dimension cluster = ClusterDimension(*a.spec);
    cluster_key = cluster.Key();
    if (Status s = cluster.Insert(db, *cluster_key); !s.ok()) return s;
    if (!a.run.workload_spec_digest.empty()) {
      if (Status s = InsertWorkload(db, *a.spec, a.run.workload_spec_digest); !s.ok()) return s;
    }
  }
  if (Status s = AppendOutcomes(db, run_id, a.run, stats); !s.ok()) return s;

  {
    std::map<std::string, std::string> case_ids;
    for (const auto& point : a.run.points) case_ids[point.point] = point.benchmark_case_id;
    auto appender = db.Append("request_fact");
    if (!appender.ok()) return appender.status();
    RequestAppender rows(**appender, run_id, case_ids);
    std::optional<std::string> path = FileOf(read, "requests.jsonl");
    std::optional<std::string> bytes;
    if (!path) {
      auto requests = read("requests.jsonl");
      if (!requests.ok()) return requests.status();
      bytes = std::move(requests.value());
    }
    if (path || bytes) {
      auto count = AppendRequests(rows, path, bytes ? &*bytes : nullptr);
      if (!count.ok()) return count.status();
      stats.requests = *count;
    }
    if (Status closed = (*appender)->Close(); !closed.ok()) return closed;
  }
  {
    auto telemetry = read("telemetry.jsonl");
    if (!telemetry.ok()) return telemetry.status();
    if (telemetry->has_value()) {
      auto rows = AppendTelemetry(db, run_id, **telemetry);
      if (!rows.ok()) return rows.status();
      stats.telemetry_rows = *rows;
    }
  }
  if (Status s = AppendRunFact(db, a, manifest, digest, software_key, hardware_key, cluster_key,
                               stats.requests);
      !s.ok()) {
    return s;
  }
  return AppendLineage(db, manifest, digest, evidence_root);
}

}  // namespace

ArtifactReader RunDirectoryReader(const std::string& run_dir) { return DirectoryReader{run_dir}; }

ArtifactReader EvidenceReader(const std::string& evidence_root,
                              const evidence::Manifest& manifest) {
  return [evidence_root, manifest](const std::string& name) -> Result<std::optional<std::string>> {
    const evidence::Artifact* artifact = manifest.Find(name);
    if (!artifact) return std::optional<std::string>();
    evidence::ObjectStore store(evidence_root);
    auto bytes = store.Get(artifact->digest);
    if (!bytes.ok())
      return bytes.status().WithContext("artifact " + name + " of run " + manifest.run_id);
    return std::optional<std::string>(std::move(bytes.value()));
  };
}

Result<IngestStats> IngestRun(Database& db, const evidence::Manifest& manifest,
                              const ArtifactReader& read, const std::string& evidence_root) {
  IngestStats stats;
  stats.run_id = manifest.run_id;
  const std::string context = "ingesting run " + manifest.run_id;
  if (db.read_only())
    return Status::Error(context + ": the warehouse " + db.path() + " is open read-only");
  auto artifacts = LoadRunArtifacts(manifest, read);
  if (!artifacts.ok()) return artifacts.status().WithContext(context);
  const std::string digest = manifest.Digest();

  auto existing =
      db.Query("SELECT artifact_manifest_digest FROM benchmark_run_fact WHERE run_id = ?",
               {manifest.run_id});
  if (!existing.ok()) return existing.status().WithContext(context);
  bool replace = false;
  if (!existing->rows.empty()) {
    if (existing->rows[0][0] == digest) {
      stats.skipped = true;
      return stats;
    }
    replace = true;
  }
  if (Status begun = db.Begin(); !begun.ok()) return begun.WithContext(context);
  Status done =
      IngestInTransaction(db, manifest, read, evidence_root, *artifacts, digest, replace, stats);
  if (done.ok()) done = db.Commit();
  if (!done.ok()) {
    (void)db.Rollback();
    return done.WithContext(context + " (nothing of it was stored)");
  }
  return stats;
}

Result<IngestStats> IngestRunDirectory(Database& db, const std::string& run_dir,
                                       const std::string& evidence_root) {
  const std::string run_path = run_dir + "/run.json";
  auto bytes = ReadFile(run_path);
  if (!bytes.ok()) return bytes.status();
  if (!bytes->has_value()) {
    std::error_code ec;
    if (!std::filesystem::is_directory(run_dir, ec)) {
      return Status::Error(run_dir +
                           " is not a run directory (it does not exist or is not a directory)");
    }
    return Status::Error("the run directory " + run_dir +
                         " has no run.json: the run did not finish (interrupted before it was "
                         "judged), so it cannot be ingested");
  }
  json run_json = json::parse(**bytes, nullptr, false);
  if (run_json.is_discarded() || !run_json.is_object() || !run_json.contains("run_id") ||
      !run_json["run_id"].is_string()) {
    return Status::Error(run_path + " is not a valid run.json (no run_id)");
  }
  const std::string run_id = run_json["run_id"].get<std::string>();
  auto manifest = evidence::LoadManifest(evidence_root, run_id);
  if (!manifest.ok()) {
    return manifest.status().WithContext("run " + run_id + " from " + run_dir +
                                         " has no manifest in the evidence store " + evidence_root +
                                         " (store its evidence first)");
  }
  // The warehouse must describe the stored evidence: a file that changed since is refused (sizes
  // only: re-hashing every byte would double the cost of an ingest; `verify` re-hashes).
  for (const evidence::Artifact& artifact : manifest->artifacts) {
    std::error_code ec;
    const std::string path = run_dir + "/" + artifact.name;
    auto size = std::filesystem::file_size(path, ec);
    if (!ec && static_cast<int64_t>(size) != artifact.size) {
      return Status::Error(fmt::format(
          "{} has {} bytes but the stored evidence of run {} records {}: the file changed after it "
          "was stored; store the run again (with replace) or restore the file",
          path, size, run_id, artifact.size));
    }
  }
  // Artifacts removed from the directory since are read from the evidence store.
  return IngestRun(db, *manifest,
                   DirectoryThenEvidenceReader{run_dir, EvidenceReader(evidence_root, *manifest)},
                   evidence_root);
}

Result<int64_t> RebuildWarehouse(const std::string& warehouse_path,
                                 const std::string& evidence_root) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const std::string temp = warehouse_path + ".rebuild-" + std::to_string(::getpid());
  fs::remove(temp, ec);
  fs::remove(temp + ".wal", ec);

  // Hold the old file as the writer for the whole rebuild, so no ingest lands in it unseen.
  std::unique_ptr<Database> old;
  if (fs::exists(warehouse_path, ec)) {
    OpenOptions options;
    options.mode = AccessMode::kReadWrite;
    auto opened = Database::Open(warehouse_path, options);
    if (!opened.ok()) return opened.status().WithContext("rebuilding " + warehouse_path);
    old = std::move(opened.value());
  }

  int64_t ingested = 0;
  {
    OpenOptions options;
    options.mode = AccessMode::kReadWrite;
    options.create = true;
    auto rebuilt = Database::Open(temp, options);
    if (!rebuilt.ok()) return rebuilt.status().WithContext("rebuilding " + warehouse_path);
    std::vector<std::string> run_ids;
    const fs::path manifests = fs::path(evidence_root) / "manifests";
    if (fs::is_directory(manifests, ec)) {
      for (const auto& entry : fs::directory_iterator(manifests, ec)) {
        if (entry.path().extension() == ".json") run_ids.push_back(entry.path().stem().string());
      }
    }
    std::sort(run_ids.begin(), run_ids.end());
    for (const std::string& run_id : run_ids) {
      auto manifest = evidence::LoadManifest(evidence_root, run_id);
      if (!manifest.ok()) {
        fs::remove(temp, ec);
        return manifest.status().WithContext("rebuilding " + warehouse_path + " (left unchanged)");
      }
      if (!manifest->Find("run.json")) continue;  // an unfinished run: never ingestable
      auto stats =
          IngestRun(**rebuilt, *manifest, EvidenceReader(evidence_root, *manifest), evidence_root);
      if (!stats.ok()) {
        rebuilt->reset();
        fs::remove(temp, ec);
        return stats.status().WithContext("rebuilding " + warehouse_path + " (left unchanged)");
      }
      ++ingested;
    }
  }

  if (old) {
    // The user-entered tables come over from the old file as they are.
    std::string quoted;
    for (char c : fs::absolute(temp, ec).string())
      quoted += c == '\'' ? std::string("''") : std::string(1, c);
    Status copied = old->Execute("ATTACH '" + quoted + "' AS rebuilt");
    for (const char* table : {"baseline", "published_rollup", "training_outcome_fact"}) {
      if (!copied.ok()) break;
      copied = old->Execute(
          fmt::format("INSERT INTO rebuilt.{0} BY NAME SELECT * FROM main.{0}", table));
    }
    Status detached = old->Execute("DETACH rebuilt");
    if (copied.ok()) copied = detached;
    if (!copied.ok()) {
      fs::remove(temp, ec);
      return copied.WithContext("rebuilding " + warehouse_path +
                                ": copying the user tables (left unchanged)");
    }
    old.reset();
  }
  fs::remove(warehouse_path + ".wal", ec);
  fs::rename(temp, warehouse_path, ec);
  if (ec) {
    return Status::Error("rebuilding " + warehouse_path + ": cannot replace it with " + temp +
                         ": " + ec.message());
  }
  return ingested;
}

}  // namespace inferbench::warehouse
