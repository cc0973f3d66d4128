// The read-only API over stored runs, shared by the dashboard's JSON endpoints and the MCP tools
// (issue 7, DESIGN.md §7 "One writer"): every call opens one short read-only warehouse connection
// through a RunStore, asks the warehouse library, and closes it again, so a `run` that is
// ingesting is never blocked for longer than one request.
//
//   GET /api/benchmark/contracts      spec::ContractJson() (`tools benchmark-contracts --json`)
//   GET /api/runs[?limit=N&name=S]    ListRuns rows, newest first (`runs list --json`)
//   GET /api/runs/{run}               ShowRun (`runs show --json`); {run} = id or unique prefix
//   GET /api/compare?a=RUN&b=RUN[&exploratory=true&noise=0.02&confidence=0.95]
//                                     Comparison::ToJson (`compare --json`), a = baseline
//   GET /api/lineage/{run}[?metric=M&point=P]
//                                     LineageReport::ToJson (`lineage --json`)
//
// Errors are {"error": {"code", "message"}} with 400 (bad parameter), 404 (unknown run or path),
// 405 (not GET/HEAD), 503 (a writer holds the warehouse; Retry-After), 500 (anything else).
// Everything here is a pure function of (store contents, request), so tests need no sockets.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "warehouse/compare.h"
#include "warehouse/lineage.h"
#include "warehouse/runs.h"

namespace inferbench::warehouse {
class Database;
}

namespace inferbench::server {

// One HTTP response, whole.
struct Response {
  int status = 200;
  std::string content_type;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // beyond Content-Type/Length
};

// One read-only warehouse connection, held for one request: owned (opened from a file) or
// borrowed (tests). A null lease means no warehouse exists yet, i.e. no run has been stored.
class ReaderLease {
 public:
  ReaderLease() = default;
  explicit ReaderLease(std::unique_ptr<warehouse::Database> owned);
  explicit ReaderLease(warehouse::Database& borrowed) : db_(&borrowed) {}
  ReaderLease(ReaderLease&&) noexcept;
  ReaderLease& operator=(ReaderLease&&) noexcept;
  ~ReaderLease();

  warehouse::Database* get() const { return db_; }

 private:
  std::unique_ptr<warehouse::Database> owned_;
  warehouse::Database* db_ = nullptr;
};

// Where the API reads stored runs. Implementations are used from one thread at a time.
class RunStore {
 public:
  virtual ~RunStore() = default;
  // A connection for one request. Errors whose message starts with warehouse::kLockTimeout mean
  // a writer held the file for longer than the store waits.
  virtual Result<ReaderLease> Open() = 0;
  // The evidence store root given on the command line ("" = each run's recorded evidence_uri).
  virtual const std::string& evidence_root() const = 0;
};

// The warehouse file: opened read-only per request, waiting up to `lock_wait_ns` while a writer
// holds it. A missing file is the empty store (null lease), not an error.
class WarehouseFileStore : public RunStore {
 public:
  WarehouseFileStore(std::string warehouse_path, std::string evidence_root,
                     int64_t lock_wait_ns = 1'000'000'000);
  Result<ReaderLease> Open() override;
  const std::string& evidence_root() const override { return evidence_root_; }
  const std::string& warehouse_path() const { return warehouse_path_; }

 private:
  std::string warehouse_path_;
  std::string evidence_root_;
  int64_t lock_wait_ns_;
};

// An open database lent for the store's lifetime (unit tests, in-process callers).
class BorrowedStore : public RunStore {
 public:
  explicit BorrowedStore(warehouse::Database& db, std::string evidence_root = "")
      : db_(db), evidence_root_(std::move(evidence_root)) {}
  Result<ReaderLease> Open() override { return ReaderLease(db_); }
  const std::string& evidence_root() const override { return evidence_root_; }

 private:
  warehouse::Database& db_;
  std::string evidence_root_;
};

// --- The calls, shared with the MCP tools -------------------------------------------------------

struct ApiError {
  int status = 500;  // the HTTP status
  std::string code;  // stable: bad_request, not_found, ambiguous_run, compare_refused,
                     // method_not_allowed, unauthorized, warehouse_busy, internal
  std::string message;
};

// A JSON value or an ApiError.
class ApiResult {
 public:
  ApiResult(nlohmann::json value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  ApiResult(ApiError error) : error_(std::move(error)) {}        // NOLINT: implicit by design
  bool ok() const { return !error_.has_value(); }
  const nlohmann::json& value() const { return value_; }  // REQUIRES: ok()
  const ApiError& error() const { return *error_; }       // REQUIRES: !ok()

 private:
  nlohmann::json value_;
  std::optional<ApiError> error_;
};

// Compare's default confidence level; α = 1 − confidence, derived as the CLI derives it so the
// API's and MCP's comparisons are byte-identical to `inferbench compare --json`.
inline constexpr double kDefaultConfidence = 0.95;

ApiError BadRequest(std::string message);
ApiError NotFound(std::string message);
// A warehouse failure: 503 warehouse_busy when the message says a writer held the lock, else 500.
ApiError StoreFailure(const Status& status);
// The error for a store without a warehouse file (404: nothing stored yet).
ApiError NoWarehouse();

// True for the run argument the API accepts: 1–64 characters of [A-Za-z0-9_-]. Paths are refused
// (ResolveRunId would read a run directory's run.json from the server's file system).
bool IsRunArgument(std::string_view text);

// The exact run id of a run argument (id or unique prefix), else the error: 400 for a malformed
// argument or an ambiguous prefix, 404 for an unknown run.
Result<std::string> ResolveRunArgument(warehouse::Database& db, std::string_view run,
                                       ApiError* error);

nlohmann::json BenchmarkContracts();
// Missing warehouse: an empty array. REQUIRES: filter.limit >= 1.
ApiResult ListStoredRuns(RunStore& store, const warehouse::ListFilter& filter);
ApiResult GetStoredRun(RunStore& store, std::string_view run);
// `runs[0]` is the baseline. REQUIRES: at least two runs.
ApiResult CompareStoredRuns(RunStore& store, const std::vector<std::string>& runs,
                            const warehouse::CompareOptions& options);
// request.deep is honoured; the HTTP and MCP surfaces never set it (re-hashing every artifact
// is too costly to offer to remote callers).
ApiResult TraceLineage(RunStore& store, std::string_view run,
                       const warehouse::LineageRequest& request);

// --- HTTP ---------------------------------------------------------------------------------------

// The query string decoded (percent-escapes, '+' as space). Errors: a bad escape or a key given
// twice, naming it.
Result<std::map<std::string, std::string>> ParseQuery(std::string_view query);
// Percent-decodes one path segment or query component; nullopt on a malformed escape.
std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space);

// The JSON error response: {"error": {"code", "message"}}; 503 carries Retry-After: 1 and 405
// carries Allow: GET, HEAD.
Response ErrorResponse(const ApiError& error);
Response JsonResponse(int status, const nlohmann::json& body);

// Answers `method target` for a target under /api/. REQUIRES: target starts with "/api".
Response HandleApiRequest(RunStore& store, std::string_view method, std::string_view target);

// Whether an `Authorization` header value carries exactly `Bearer <token>`, compared in time
// independent of where the bytes differ. REQUIRES: !token.empty().
bool BearerTokenMatches(std::string_view authorization, std::string_view token);

}  // namespace inferbench::server
