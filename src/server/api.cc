#include "server/api.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <system_error>

#include "results/metric_names.h"
#include "results/point.h"
#include "spec/contract.h"
#include "warehouse/database.h"
#include "warehouse/run_data.h"

namespace inferbench::server {
namespace {

constexpr int64_t kMaxListLimit = 1000;

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

bool Contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

}  // namespace

ApiError StoreFailure(const Status& status) {
  const std::string& message = status.message();
  if (StartsWith(message, warehouse::kLockTimeout)) {
    return ApiError{503, "warehouse_busy", message};
  }
  return ApiError{500, "internal", message};
}

ApiError NoWarehouse() {
  return NotFound(
      "no run has been stored yet (the warehouse file does not exist): `inferbench run SPEC` "
      "stores one");
}

Result<std::string> ResolveRunArgument(warehouse::Database& db, std::string_view run,
                                       ApiError* error) {
  if (!IsRunArgument(run)) {
    *error = BadRequest("run \"" + std::string(run.substr(0, 80)) +
                        "\" is not a run id: give a run id or a unique prefix of one (6+ "
                        "characters of A-Z a-z 0-9 - _), as `inferbench runs list` shows them");
    return Status::Error(error->message);
  }
  auto id = warehouse::ResolveRunId(db, run);
  if (id.ok()) return id;
  const std::string message = id.status().message();
  if (StartsWith(message, "unknown run")) {
    *error = NotFound(message);
  } else if (Contains(message, "is ambiguous")) {
    *error = ApiError{400, "ambiguous_run", message};
  } else {
    *error = StoreFailure(id.status());
  }
  return id.status();
}

ReaderLease::ReaderLease(std::unique_ptr<warehouse::Database> owned)
    : owned_(std::move(owned)), db_(owned_.get()) {}
ReaderLease::ReaderLease(ReaderLease&&) noexcept = default;
ReaderLease& ReaderLease::operator=(ReaderLease&&) noexcept = default;
ReaderLease::~ReaderLease() = default;

WarehouseFileStore::WarehouseFileStore(std::string warehouse_path, std::string evidence_root,
                                       int64_t lock_wait_ns)
    : warehouse_path_(std::move(warehouse_path)),
      evidence_root_(std::move(evidence_root)),
      lock_wait_ns_(lock_wait_ns) {}

Result<ReaderLease> WarehouseFileStore::Open() {
  std::error_code ec;
  if (!std::filesystem::exists(warehouse_path_, ec)) return ReaderLease();
  warehouse::OpenOptions options;
  options.mode = warehouse::AccessMode::kReadOnly;
  options.lock_wait_ns = lock_wait_ns_;
  auto db = warehouse::Database::Open(warehouse_path_, options);
  if (!db.ok()) return db.status();
  return ReaderLease(std::move(*db));
}

ApiError BadRequest(std::string message) {
  return ApiError{400, "bad_request", std::move(message)};
}
ApiError NotFound(std::string message) { return ApiError{404, "not_found", std::move(message)}; }

bool IsRunArgument(std::string_view text) {
  if (text.empty() || text.size() > 64) return false;
  for (char c : text) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

nlohmann::json BenchmarkContracts() { return spec::ContractJson(); }

ApiResult ListStoredRuns(RunStore& store, const warehouse::ListFilter& filter) {
  auto lease = store.Open();
  if (!lease.ok()) return StoreFailure(lease.status());
  if (lease->get() == nullptr) return nlohmann::json::array();
  auto table = warehouse::ListRuns(*lease->get(), filter);
  if (!table.ok()) return StoreFailure(table.status());
  return table->ToJson();
}

ApiResult GetStoredRun(RunStore& store, std::string_view run) {
  auto lease = store.Open();
  if (!lease.ok()) return StoreFailure(lease.status());
  if (lease->get() == nullptr) return NoWarehouse();
  ApiError error;
  auto id = ResolveRunArgument(*lease->get(), run, &error);
  if (!id.ok()) return error;
  auto shown = warehouse::ShowRun(*lease->get(), *id);
  if (!shown.ok()) return StoreFailure(shown.status());
  return std::move(*shown);
}

ApiResult CompareStoredRuns(RunStore& store, const std::vector<std::string>& runs,
                            const warehouse::CompareOptions& options) {
  if (runs.size() < 2) return BadRequest("compare needs two runs: a (the baseline) and b");
  std::vector<warehouse::RunData> data;
  {
    auto lease = store.Open();
    if (!lease.ok()) return StoreFailure(lease.status());
    if (lease->get() == nullptr) return NoWarehouse();
    std::vector<std::string> ids;
    for (const std::string& run : runs) {
      ApiError error;
      auto id = ResolveRunArgument(*lease->get(), run, &error);
      if (!id.ok()) return error;
      ids.push_back(*id);
    }
    auto loaded = warehouse::LoadRunData(*lease->get(), ids);
    if (!loaded.ok()) return StoreFailure(loaded.status());
    data = std::move(*loaded);
  }  // the connection closes before the statistics run
  auto comparison = warehouse::CompareRuns(data, options);
  if (!comparison.ok()) {
    return ApiError{400, "compare_refused", comparison.status().message()};
  }
  return comparison->ToJson();
}

ApiResult TraceLineage(RunStore& store, std::string_view run,
                       const warehouse::LineageRequest& request) {
  auto lease = store.Open();
  if (!lease.ok()) return StoreFailure(lease.status());
  if (lease->get() == nullptr) return NoWarehouse();
  ApiError error;
  auto id = ResolveRunArgument(*lease->get(), run, &error);
  if (!id.ok()) return error;
  auto report = warehouse::Lineage(*lease->get(), store.evidence_root(), *id, request);
  if (!report.ok()) {
    const std::string message = report.status().message();
    // The run lacks the asked point or metric (the message lists what it has).
    if (StartsWith(message, "--point") || StartsWith(message, "--metric") ||
        StartsWith(message, "run ")) {
      return NotFound(message);
    }
    return StoreFailure(report.status());
  }
  return report->ToJson();
}

// --- HTTP ---------------------------------------------------------------------------------------

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Response ResultResponse(const ApiResult& result) {
  if (!result.ok()) return ErrorResponse(result.error());
  return JsonResponse(200, result.value());
}

// Rejects parameters other than `allowed`, naming the first unknown one.
std::optional<ApiError> CheckParameters(const std::map<std::string, std::string>& params,
                                        std::initializer_list<std::string_view> allowed) {
  for (const auto& [key, value] : params) {
    bool known = false;
    for (std::string_view name : allowed) known = known || key == name;
    if (known) continue;
    std::string list;
    for (std::string_view name : allowed) list += (list.empty() ? "" : ", ") + std::string(name);
    return BadRequest("unknown query parameter \"" + key.substr(0, 80) + "\"" +
                      (list.empty() ? std::string("; this endpoint takes none")
                                    : "; this endpoint takes: " + list));
  }
  return std::nullopt;
}

std::optional<bool> ParseBool(std::string_view text) {
  if (text == "true" || text == "1" || text == "yes") return true;
  if (text == "false" || text == "0" || text == "no") return false;
  return std::nullopt;
}

Response RunsList(RunStore& store, const std::map<std::string, std::string>& params) {
  if (auto bad = CheckParameters(params, {"limit", "name"})) return ErrorResponse(*bad);
  warehouse::ListFilter filter;
  if (auto it = params.find("limit"); it != params.end()) {
    const std::string& text = it->second;
    int64_t limit = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), limit);
    if (ec != std::errc() || end != text.data() + text.size() || limit < 1 ||
        limit > kMaxListLimit) {
      return ErrorResponse(BadRequest("limit=" + text.substr(0, 40) +
                                      ": give a whole number from 1 to " +
                                      std::to_string(kMaxListLimit)));
    }
    filter.limit = limit;
  }
  if (auto it = params.find("name"); it != params.end()) filter.name = it->second;
  return ResultResponse(ListStoredRuns(store, filter));
}

Response Compare(RunStore& store, const std::map<std::string, std::string>& params) {
  if (auto bad = CheckParameters(params, {"a", "b", "exploratory", "noise", "confidence"})) {
    return ErrorResponse(*bad);
  }
  auto a = params.find("a");
  auto b = params.find("b");
  if (a == params.end() || b == params.end() || a->second.empty() || b->second.empty()) {
    return ErrorResponse(
        BadRequest("give both runs: /api/compare?a=BASELINE&b=CANDIDATE (run ids or prefixes)"));
  }
  warehouse::CompareOptions options;
  options.alpha = 1 - kDefaultConfidence;  // as `compare --confidence 0.95` derives it
  if (auto it = params.find("confidence"); it != params.end()) {
    const std::string& text = it->second;
    double confidence = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), confidence);
    if (ec != std::errc() || end != text.data() + text.size() || !(confidence > 0) ||
        !(confidence < 1)) {
      return ErrorResponse(
          BadRequest("confidence=" + text.substr(0, 40) + ": a level between 0 and 1, e.g. 0.95"));
    }
    options.alpha = 1 - confidence;
  }
  if (auto it = params.find("exploratory"); it != params.end()) {
    auto value = ParseBool(it->second);
    if (!value) {
      return ErrorResponse(
          BadRequest("exploratory=" + it->second.substr(0, 40) + ": give true or false"));
    }
    options.exploratory = *value;
  }
  if (auto it = params.find("noise"); it != params.end()) {
    const std::string& text = it->second;
    double noise = -1;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), noise);
    if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(noise) ||
        noise < 0 || noise >= 1) {
      return ErrorResponse(BadRequest("noise=" + text.substr(0, 40) +
                                      ": a relative change in [0, 1), e.g. 0.02 for ±2 %"));
    }
    options.noise = noise;
  }
  ApiResult result = CompareStoredRuns(store, {a->second, b->second}, options);
  if (!result.ok() && result.error().code == "compare_refused" && !options.exploratory) {
    ApiError error = result.error();
    error.message += " (over HTTP: add exploratory=true)";
    return ErrorResponse(error);
  }
  return ResultResponse(result);
}

Response LineageOf(RunStore& store, std::string_view run,
                   const std::map<std::string, std::string>& params) {
  if (auto bad = CheckParameters(params, {"metric", "point"})) return ErrorResponse(*bad);
  warehouse::LineageRequest request;
  if (auto it = params.find("metric"); it != params.end()) {
    auto path = results::ParseMetricPath(it->second);
    if (!path.ok()) return ErrorResponse(BadRequest("metric: " + path.status().message()));
    request.metric = it->second;
  }
  if (auto it = params.find("point"); it != params.end()) {
    auto point = results::Point::Parse(it->second);
    if (!point.ok()) return ErrorResponse(BadRequest("point: " + point.status().message()));
    request.point = it->second;
  }
  return ResultResponse(TraceLineage(store, run, request));
}

}  // namespace

std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      const int hi = HexValue(text[i + 1]);
      const int lo = HexValue(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

Result<std::map<std::string, std::string>> ParseQuery(std::string_view query) {
  std::map<std::string, std::string> params;
  size_t start = 0;
  while (start <= query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    std::string_view pair = query.substr(start, end - start);
    start = end + 1;
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    auto key = PercentDecode(pair.substr(0, eq), true);
    auto value = PercentDecode(eq == std::string_view::npos ? "" : pair.substr(eq + 1), true);
    if (!key || !value) {
      return Status::Error("malformed percent-escape in the query parameter \"" +
                           std::string(pair.substr(0, 80)) + "\"");
    }
    if (!params.emplace(*key, *value).second) {
      return Status::Error("query parameter \"" + key->substr(0, 80) +
                           "\" is given twice; give it once");
    }
  }
  return params;
}

Response JsonResponse(int status, const nlohmann::json& body) {
  Response response;
  response.status = status;
  response.content_type = "application/json";
  response.body = body.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  response.headers = {{"Cache-Control", "no-store"}, {"X-Content-Type-Options", "nosniff"}};
  return response;
}

Response ErrorResponse(const ApiError& error) {
  Response response =
      JsonResponse(error.status, {{"error", {{"code", error.code}, {"message", error.message}}}});
  if (error.status == 503) response.headers.emplace_back("Retry-After", "1");
  if (error.status == 405) response.headers.emplace_back("Allow", "GET, HEAD");
  if (error.status == 401) response.headers.emplace_back("WWW-Authenticate", "Bearer");
  return response;
}

Response HandleApiRequest(RunStore& store, std::string_view method, std::string_view target) {
  const size_t question = target.find('?');
  const std::string_view path = target.substr(0, question);
  const std::string_view query =
      question == std::string_view::npos ? std::string_view() : target.substr(question + 1);
  if (method != "GET" && method != "HEAD") {
    return ErrorResponse(ApiError{405, "method_not_allowed",
                                  std::string(method.substr(0, 20)) + " " +
                                      std::string(path.substr(0, 200)) +
                                      ": the API is read-only; use GET"});
  }
  auto params = ParseQuery(query);
  if (!params.ok()) return ErrorResponse(BadRequest(params.status().message()));

  // "/api/runs/{run}" and "/api/lineage/{run}": one decoded segment after the prefix.
  auto segment_after = [&](std::string_view prefix) -> std::optional<std::string> {
    if (!StartsWith(path, prefix) || path.size() == prefix.size()) return std::nullopt;
    std::string_view rest = path.substr(prefix.size());
    if (rest.find('/') != std::string_view::npos) return std::nullopt;
    return PercentDecode(rest, false).value_or(std::string(1, '/'));  // '/' fails IsRunArgument
  };

  if (path == "/api/benchmark/contracts") {
    if (auto bad = CheckParameters(*params, {})) return ErrorResponse(*bad);
    return JsonResponse(200, BenchmarkContracts());
  }
  if (path == "/api/runs" || path == "/api/runs/") return RunsList(store, *params);
  if (auto run = segment_after("/api/runs/")) {
    if (auto bad = CheckParameters(*params, {})) return ErrorResponse(*bad);
    return ResultResponse(GetStoredRun(store, *run));
  }
  if (path == "/api/compare") return Compare(store, *params);
  if (auto run = segment_after("/api/lineage/")) return LineageOf(store, *run, *params);
  return ErrorResponse(
      NotFound("no API endpoint " + std::string(path.substr(0, 200)) +
               "; the endpoints are /api/benchmark/contracts, /api/runs, /api/runs/{run}, "
               "/api/compare?a=&b=, /api/lineage/{run}"));
}

bool BearerTokenMatches(std::string_view authorization, std::string_view token) {
  constexpr std::string_view kScheme = "Bearer ";
  // The scheme is case-insensitive (RFC 9110 §11.1); the token is compared exactly.
  if (authorization.size() < kScheme.size()) return false;
  for (size_t i = 0; i < kScheme.size(); ++i) {
    const char c = authorization[i];
    const char lower = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    const char want = kScheme[i] == 'B' ? 'b' : kScheme[i];
    if (lower != want) return false;
  }
  std::string_view given = authorization.substr(kScheme.size());
  // Every byte of the longer string is visited whatever differs, so the time depends only on
  // the lengths.
  const size_t n = std::max(given.size(), token.size());
  unsigned diff = given.size() == token.size() ? 0u : 1u;
  for (size_t i = 0; i < n; ++i) {
    const unsigned char a = i < given.size() ? static_cast<unsigned char>(given[i]) : 0;
    const unsigned char b = i < token.size() ? static_cast<unsigned char>(token[i]) : 0;
    diff |= static_cast<unsigned>(a ^ b);
  }
  return diff == 0;
}

}  // namespace inferbench::server
