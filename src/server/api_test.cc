#include "server/api.h"

#include <unistd.h>

#include <string>
#include <vector>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "server/dashboard.h"
#include "server/serve.h"
#include "spec/contract.h"
#include "warehouse/database.h"
#include "warehouse/test_warehouse.h"

namespace inferbench::server {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

constexpr char kRunA[] = "20260101T000000Z-aaaa1111";
constexpr char kRunB[] = "20260102T000000Z-bbbb2222";
constexpr char kRunOther[] = "20260103T000000Z-cccc3333";

// Three stored runs: A and B measure the same workload (B's TPOT 10 % slower), the third another.
class ApiTest : public ::testing::Test {
 protected:
  // Filled once per suite: the tests only read (one puts back what it changes).
  static void SetUpTestSuite() {
    db_ = &warehouse::testing::EmptyTestWarehouse();
    std::string sql;
    AddRun(sql, kRunA, "nightly", "2026-01-01 00:00:00", "wd1", 10.0);
    AddRun(sql, kRunB, "nightly", "2026-01-02 00:00:00", "wd1", 11.0);
    AddRun(sql, kRunOther, "adhoc", "2026-01-03 00:00:00", "wd2", 10.0);
    Status s = db_->Execute(sql);
    ASSERT_TRUE(s.ok()) << s.message();
  }

  void Exec(const std::string& sql, const std::vector<warehouse::Value>& params = {}) {
    Status s = db_->ExecuteParams(sql, params);
    ASSERT_TRUE(s.ok()) << s.message();
  }

  // One run at concurrency=4 with five replicates of tpot_ms.p50 around `tpot`.
  static void AddRun(std::string& sql, const std::string& id, const std::string& name,
                     const std::string& started, const std::string& digest, double tpot) {
    sql += fmt::format(
        "INSERT INTO benchmark_run_fact (run_id, name, started_at, status, tier, gate_status, "
        "workload_spec_digest, point_count, request_count, intent_kpis) VALUES ('{}', '{}', "
        "TIMESTAMP '{}', 'ok', 'VERDICT', 'passed', '{}', 1, 80, '[\"tpot_ms.p50\"]');\n",
        id, name, started, digest);
    const double values[] = {tpot * 0.995, tpot, tpot * 1.004, tpot * 0.998, tpot * 1.003};
    double sum = 0;
    for (int r = 0; r < 5; ++r) {
      sql += fmt::format(
          "INSERT INTO serving_replicate_fact VALUES ('{}', 'concurrency=4', 'case-c4', {}, "
          "'tpot_ms.p50', {}, NULL);\n",
          id, r, values[r]);
      sum += values[r];
    }
    const double mean = sum / 5;
    sql += fmt::format(
        "INSERT INTO serving_outcome_fact (run_id, point, benchmark_case_id, metric, mean, std, "
        "ci_low, ci_high, confidence, ci_method, n, tier) VALUES ('{}', 'concurrency=4', "
        "'case-c4', 'tpot_ms.p50', {}, 0.03, {}, {}, 0.95, 't', 5, 'VERDICT');\n",
        id, mean, mean * 0.99, mean * 1.01);
  }

  Response Get(const std::string& target) {
    BorrowedStore store(*db_);
    return HandleApiRequest(store, "GET", target);
  }

  static json Body(const Response& response) {
    json body = json::parse(response.body, nullptr, false);
    EXPECT_FALSE(body.is_discarded()) << response.body;
    return body;
  }

  // The error code of an error response, checking its shape.
  static std::string ErrorCode(const Response& response) {
    EXPECT_EQ(response.content_type, "application/json");
    json body = Body(response);
    EXPECT_TRUE(body["error"]["message"].is_string()) << response.body;
    return body["error"].value("code", "");
  }

  static warehouse::Database* db_;
};

warehouse::Database* ApiTest::db_ = nullptr;

TEST_F(ApiTest, ContractsAreTheSpecLibrarysJson) {
  Response r = Get("/api/benchmark/contracts");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(Body(r), spec::ContractJson());
  EXPECT_EQ(Get("/api/benchmark/contracts?x=1").status, 400);
}

TEST_F(ApiTest, RunsListNewestFirstWithLimitAndName) {
  Response all = Get("/api/runs");
  ASSERT_EQ(all.status, 200) << all.body;
  json runs = Body(all);
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_EQ(runs[0]["run_id"], kRunOther);
  EXPECT_EQ(runs[2]["run_id"], kRunA);
  EXPECT_EQ(runs[0]["status"], "ok");
  EXPECT_EQ(runs[0]["tier"], "VERDICT");

  EXPECT_EQ(Body(Get("/api/runs?limit=1")).size(), 1u);
  json nightly = Body(Get("/api/runs?name=nightly"));
  ASSERT_EQ(nightly.size(), 2u);
  EXPECT_EQ(nightly[0]["run_id"], kRunB);
  EXPECT_EQ(Body(Get("/api/runs?name=no+such+name")).size(), 0u);
}

TEST_F(ApiTest, RunsListRejectsBadParameters) {
  for (const char* target : {"/api/runs?limit=0", "/api/runs?limit=abc", "/api/runs?limit=1001",
                             "/api/runs?limit=5x", "/api/runs?limit=-3", "/api/runs?colour=red",
                             "/api/runs?limit=1&limit=2", "/api/runs?name=%zz"}) {
    Response r = Get(target);
    EXPECT_EQ(r.status, 400) << target;
    EXPECT_EQ(ErrorCode(r), "bad_request") << target;
  }
  EXPECT_THAT(Body(Get("/api/runs?colour=red"))["error"]["message"].get<std::string>(),
              HasSubstr("limit, name"));
}

TEST_F(ApiTest, OneRunByIdOrPrefix) {
  Response exact = Get(std::string("/api/runs/") + kRunA);
  ASSERT_EQ(exact.status, 200) << exact.body;
  json run = Body(exact);
  EXPECT_EQ(run["run"]["run_id"], kRunA);
  EXPECT_EQ(run["points"][0]["point"], "concurrency=4");

  Response prefix = Get("/api/runs/20260102T");
  ASSERT_EQ(prefix.status, 200) << prefix.body;
  EXPECT_EQ(Body(prefix)["run"]["run_id"], kRunB);
}

TEST_F(ApiTest, UnknownAmbiguousAndPathLikeRuns) {
  Response unknown = Get("/api/runs/20991231T000000Z-deadbeef");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(ErrorCode(unknown), "not_found");

  Response ambiguous = Get("/api/runs/202601");
  EXPECT_EQ(ambiguous.status, 400);
  EXPECT_EQ(ErrorCode(ambiguous), "ambiguous_run");

  // A run directory path would make the server read files: refused before any lookup.
  for (const char* target :
       {"/api/runs/..", "/api/runs/%2Fetc", "/api/runs/a%20b", "/api/lineage/%2E%2E"}) {
    Response r = Get(target);
    EXPECT_EQ(r.status, 400) << target;
  }
  EXPECT_EQ(Get("/api/runs/a/b").status, 404);  // not an endpoint
}

TEST_F(ApiTest, CompareIsTheLibrarysJsonWithVerdicts) {
  Response r = Get(std::string("/api/compare?a=") + kRunA + "&b=" + kRunB);
  ASSERT_EQ(r.status, 200) << r.body;
  json c = Body(r);
  EXPECT_EQ(c["schema"], "inferbench.compare/v1");
  EXPECT_EQ(c["runs"][0]["run_id"], kRunA);  // a is the baseline
  EXPECT_TRUE(c["any_regressed"].get<bool>());
  const json& metric = c["comparisons"][0]["points"][0]["metrics"][0];
  EXPECT_EQ(metric["metric"], "tpot_ms.p50");
  EXPECT_EQ(metric["verdict"], "regressed");

  // Swapped, B is the baseline and A improved.
  json swapped = Body(Get(std::string("/api/compare?a=") + kRunB + "&b=" + kRunA));
  EXPECT_EQ(swapped["comparisons"][0]["points"][0]["metrics"][0]["verdict"], "improved");
}

TEST_F(ApiTest, CompareParameterErrors) {
  const std::string ab = std::string("a=") + kRunA + "&b=" + kRunB;
  EXPECT_EQ(Get(std::string("/api/compare?a=") + kRunA).status, 400);
  EXPECT_EQ(Get("/api/compare").status, 400);
  EXPECT_EQ(Get("/api/compare?" + ab + "&noise=2").status, 400);
  EXPECT_EQ(Get("/api/compare?" + ab + "&noise=nan").status, 400);
  EXPECT_EQ(Get("/api/compare?" + ab + "&confidence=1").status, 400);
  EXPECT_EQ(Get("/api/compare?" + ab + "&confidence=0.9").status, 200);
  EXPECT_EQ(Get("/api/compare?" + ab + "&exploratory=maybe").status, 400);
  EXPECT_EQ(Get("/api/compare?" + ab + "&metric=x").status, 400);
  Response unknown = Get(std::string("/api/compare?a=") + kRunA + "&b=20991231T000000Z-00000000");
  EXPECT_EQ(unknown.status, 404);

  // Different workloads: refused unless exploratory, and the message says how over HTTP.
  const std::string other = std::string("/api/compare?a=") + kRunA + "&b=" + kRunOther;
  Response refused = Get(other);
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(ErrorCode(refused), "compare_refused");
  EXPECT_THAT(refused.body, HasSubstr("exploratory=true"));
  Response forced = Get(other + "&exploratory=true&noise=0.05");
  ASSERT_EQ(forced.status, 200) << forced.body;
  EXPECT_TRUE(Body(forced)["exploratory"].get<bool>());
}

TEST_F(ApiTest, LineageOfARunAndItsParameterErrors) {
  Response r = Get(std::string("/api/lineage/") + kRunA);
  ASSERT_EQ(r.status, 200) << r.body;
  json walk = Body(r);
  EXPECT_EQ(walk["run_id"], kRunA);
  EXPECT_EQ(walk["number"]["metric"], "tpot_ms.p50");
  // No evidence was stored for this test run: the walk cannot be publication-safe.
  EXPECT_FALSE(walk["publication_safe"].get<bool>());

  const std::string base = std::string("/api/lineage/") + kRunA;
  EXPECT_EQ(Get(base + "?metric=tpot_ms.p50&point=concurrency%3D4").status, 200);
  EXPECT_EQ(Get(base + "?metric=not_a_metric").status, 400);
  EXPECT_EQ(Get(base + "?point=banana").status, 400);
  EXPECT_EQ(Get(base + "?deep=true").status, 400);
  Response missing_point = Get(base + "?point=concurrency%3D999");
  EXPECT_EQ(missing_point.status, 404);
  EXPECT_EQ(ErrorCode(missing_point), "not_found");
  EXPECT_EQ(Get(base + "?metric=ttft_ms.p99").status, 404);
  EXPECT_EQ(Get("/api/lineage/20991231T000000Z-00000000").status, 404);
}

TEST_F(ApiTest, MethodsAndUnknownPaths) {
  BorrowedStore store(*db_);
  Response post = HandleApiRequest(store, "POST", "/api/runs");
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(ErrorCode(post), "method_not_allowed");
  bool allow = false;
  for (const auto& [name, value] : post.headers) allow = allow || (name == "Allow");
  EXPECT_TRUE(allow);
  EXPECT_EQ(HandleApiRequest(store, "HEAD", "/api/runs").status, 200);

  Response nowhere = Get("/api/nowhere");
  EXPECT_EQ(nowhere.status, 404);
  EXPECT_THAT(nowhere.body, HasSubstr("/api/runs"));
  EXPECT_EQ(Get("/api").status, 404);
}

// A store whose warehouse is held by a writer for longer than it waits.
class BusyStore : public RunStore {
 public:
  Result<ReaderLease> Open() override {
    return Status::Error(std::string(warehouse::kLockTimeout) + ": /x.duckdb is locked by PID 1");
  }
  const std::string& evidence_root() const override { return root_; }

 private:
  std::string root_;
};

TEST(ApiStoreTest, BusyWarehouseIs503WithRetryAfter) {
  BusyStore store;
  for (const char* target :
       {"/api/runs", "/api/runs/abcdef", "/api/lineage/abcdef", "/api/compare?a=abcdef&b=abcdeg"}) {
    Response r = HandleApiRequest(store, "GET", target);
    EXPECT_EQ(r.status, 503) << target;
    EXPECT_THAT(r.body, HasSubstr("warehouse_busy"));
    bool retry = false;
    for (const auto& [name, value] : r.headers) retry = retry || (name == "Retry-After");
    EXPECT_TRUE(retry) << target;
  }
  // The contract needs no warehouse.
  EXPECT_EQ(HandleApiRequest(store, "GET", "/api/benchmark/contracts").status, 200);
}

TEST(ApiStoreTest, MissingWarehouseFileIsAnEmptyStore) {
  WarehouseFileStore store("/nonexistent-dir-for-inferbench-tests/warehouse.duckdb", "");
  Response runs = HandleApiRequest(store, "GET", "/api/runs");
  EXPECT_EQ(runs.status, 200);
  EXPECT_EQ(json::parse(runs.body), json::array());
  Response run = HandleApiRequest(store, "GET", "/api/runs/abcdef");
  EXPECT_EQ(run.status, 404);
  EXPECT_THAT(run.body, HasSubstr("no run has been stored yet"));
}

TEST(ApiHttpTest, QueryStringsDecode) {
  auto params = ParseQuery("a=x+y&b=%41%2f&c=&d&&e=1%3D2");
  ASSERT_TRUE(params.ok()) << params.status().message();
  EXPECT_EQ((*params)["a"], "x y");
  EXPECT_EQ((*params)["b"], "A/");
  EXPECT_EQ((*params)["c"], "");
  EXPECT_EQ((*params)["d"], "");
  EXPECT_EQ((*params)["e"], "1=2");
  EXPECT_EQ(params->size(), 5u);
  EXPECT_FALSE(ParseQuery("a=%4").ok());
  EXPECT_FALSE(ParseQuery("a=%").ok());
  EXPECT_FALSE(ParseQuery("a=%g0").ok());
  EXPECT_FALSE(ParseQuery("a=1&a=2").ok());
  EXPECT_EQ(PercentDecode("a+b", false), "a+b");
}

TEST(ApiHttpTest, RunArgumentsAreIdsNotPaths) {
  EXPECT_TRUE(IsRunArgument("20260101T000000Z-aaaa1111"));
  EXPECT_TRUE(IsRunArgument("abc_DEF-1"));
  EXPECT_FALSE(IsRunArgument(""));
  EXPECT_FALSE(IsRunArgument("."));
  EXPECT_FALSE(IsRunArgument("runs/x"));
  EXPECT_FALSE(IsRunArgument("/tmp/run"));
  EXPECT_FALSE(IsRunArgument(std::string(65, 'a')));
}

TEST(ApiHttpTest, BearerTokensMatchExactly) {
  EXPECT_TRUE(BearerTokenMatches("Bearer s3cret", "s3cret"));
  EXPECT_TRUE(BearerTokenMatches("bearer s3cret", "s3cret"));
  EXPECT_FALSE(BearerTokenMatches("Bearer s3cre", "s3cret"));
  EXPECT_FALSE(BearerTokenMatches("Bearer s3cret2", "s3cret"));
  EXPECT_FALSE(BearerTokenMatches("Bearer S3cret", "s3cret"));
  EXPECT_FALSE(BearerTokenMatches("Basic s3cret", "s3cret"));
  EXPECT_FALSE(BearerTokenMatches("s3cret", "s3cret"));
  EXPECT_FALSE(BearerTokenMatches("", "s3cret"));
  EXPECT_FALSE(BearerTokenMatches("Bearer ", "s3cret"));
}

// --- serve: routing, the token, the bind rule ---------------------------------------------------

net::HttpRequest Request(std::string method, std::string target, std::string authorization = "") {
  net::HttpRequest request;
  request.method = std::move(method);
  request.target = std::move(target);
  if (!authorization.empty()) request.headers.emplace_back("Authorization", authorization);
  return request;
}

TEST_F(ApiTest, ServeNeedsTheTokenWhenOneIsSet) {
  BorrowedStore store(*db_);
  Response without = HandleServeRequest(store, Request("GET", "/api/runs"), "tok");
  EXPECT_EQ(without.status, 401);
  EXPECT_EQ(ErrorCode(without), "unauthorized");
  EXPECT_THAT(without.body, ::testing::Not(HasSubstr("tok\"")));
  EXPECT_EQ(HandleServeRequest(store, Request("GET", "/", "Bearer nope"), "tok").status, 401);
  EXPECT_EQ(HandleServeRequest(store, Request("GET", "/api/runs", "Bearer tok"), "tok").status,
            200);
  EXPECT_EQ(HandleServeRequest(store, Request("GET", "/api/runs"), "").status, 200);
  EXPECT_EQ(HandleServeRequest(store, Request("GET", "http://x/api/runs"), "").status, 400);
}

TEST(ServeTest, NonLoopbackBindsNeedAToken) {
  EXPECT_TRUE(IsLoopbackAddress("127.0.0.1"));
  EXPECT_TRUE(IsLoopbackAddress("127.1.2.3"));
  EXPECT_TRUE(IsLoopbackAddress("::1"));
  EXPECT_TRUE(IsLoopbackAddress("[::1]"));
  EXPECT_TRUE(IsLoopbackAddress("localhost"));
  EXPECT_FALSE(IsLoopbackAddress("0.0.0.0"));
  EXPECT_FALSE(IsLoopbackAddress("::"));
  EXPECT_FALSE(IsLoopbackAddress("10.0.0.1"));
  EXPECT_FALSE(IsLoopbackAddress("128.0.0.1"));
  EXPECT_FALSE(IsLoopbackAddress("example.com"));

  EXPECT_TRUE(CheckBindRule("127.0.0.1", false).ok());
  EXPECT_TRUE(CheckBindRule("0.0.0.0", true).ok());
  Status refused = CheckBindRule("0.0.0.0", false);
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.message(), HasSubstr("--token-env"));

  EXPECT_EQ(ServeUrl("127.0.0.1", 8080), "http://127.0.0.1:8080/");
  EXPECT_EQ(ServeUrl("::1", 80), "http://[::1]:80/");
}

// --- dashboard -----------------------------------------------------------------------------------

std::string HeaderOf(const Response& response, const std::string& name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return "";
}

TEST_F(ApiTest, RunsPageListsEveryRunWithLinksAndACompareForm) {
  BorrowedStore store(*db_);
  Response page = HandleDashboardRequest(store, "GET", "/");
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(HeaderOf(page, "Content-Security-Policy"),
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:");
  for (const char* id : {kRunA, kRunB, kRunOther}) {
    EXPECT_THAT(page.body, HasSubstr(std::string("<a class=\"id\" href=\"/runs/") + id + "\">"));
  }
  EXPECT_THAT(page.body, HasSubstr("action=\"/compare\""));
  EXPECT_THAT(page.body, ::testing::Not(HasSubstr("<script")));
  EXPECT_THAT(page.body, ::testing::Not(HasSubstr("http://")));
  EXPECT_THAT(page.body, ::testing::Not(HasSubstr("https://")));

  Response filtered = HandleDashboardRequest(store, "GET", "/?name=adhoc");
  EXPECT_THAT(filtered.body, HasSubstr(kRunOther));
  EXPECT_THAT(filtered.body, ::testing::Not(HasSubstr(kRunA)));
  EXPECT_EQ(HandleDashboardRequest(store, "GET", "/?limit=0").status, 400);
}

TEST_F(ApiTest, RunsPageEscapesStoredText) {
  Exec("UPDATE benchmark_run_fact SET name = '<img src=x onerror=alert(1)>' WHERE run_id = ?",
       {std::string(kRunA)});
  BorrowedStore store(*db_);
  Response page = HandleDashboardRequest(store, "GET", "/");
  Exec("UPDATE benchmark_run_fact SET name = 'nightly' WHERE run_id = ?", {std::string(kRunA)});
  EXPECT_THAT(page.body, ::testing::Not(HasSubstr("<img src=x")));
  EXPECT_THAT(page.body, HasSubstr("&lt;img src=x onerror=alert(1)&gt;"));
}

TEST_F(ApiTest, RunAndComparePagesAreTheReportWithLinksAndTheCsp) {
  BorrowedStore store(*db_);
  Response run = HandleDashboardRequest(store, "GET", std::string("/runs/") + kRunA);
  ASSERT_EQ(run.status, 200) << run.body.substr(0, 2000);
  EXPECT_EQ(HeaderOf(run, "Content-Security-Policy"), std::string(kContentSecurityPolicy));
  EXPECT_THAT(run.body, HasSubstr("<svg"));
  EXPECT_THAT(run.body, HasSubstr(kRunA));
  EXPECT_THAT(run.body, ::testing::Not(HasSubstr("<script")));

  Response compare = HandleDashboardRequest(
      store, "GET", std::string("/compare?a=") + kRunA + "&b=" + std::string(kRunB).substr(0, 20));
  ASSERT_EQ(compare.status, 200) << compare.body.substr(0, 2000);
  EXPECT_THAT(compare.body, HasSubstr(kRunA));
  EXPECT_THAT(compare.body, HasSubstr(kRunB));
}

TEST_F(ApiTest, DashboardErrorsArePagesWithTheApiStatus) {
  BorrowedStore store(*db_);
  EXPECT_EQ(HandleDashboardRequest(store, "GET", "/runs/20991231T000000Z-00000000").status, 404);
  EXPECT_EQ(HandleDashboardRequest(store, "GET", "/runs/..").status, 400);
  EXPECT_EQ(HandleDashboardRequest(store, "GET", "/compare?a=x").status, 400);
  EXPECT_EQ(HandleDashboardRequest(store, "GET", "/nowhere").status, 404);
  Response post = HandleDashboardRequest(store, "POST", "/");
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(post.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(HandleDashboardRequest(store, "GET", "/favicon.ico").status, 204);
}

TEST(DashboardTest, EmptyStoreSaysHowToStoreARun) {
  WarehouseFileStore store("/nonexistent-dir-for-inferbench-tests/warehouse.duckdb", "");
  Response page = HandleDashboardRequest(store, "GET", "/");
  EXPECT_EQ(page.status, 200);
  EXPECT_THAT(page.body, HasSubstr("No runs stored yet"));
  EXPECT_EQ(EscapeHtml("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
}

}  // namespace
}  // namespace inferbench::server
