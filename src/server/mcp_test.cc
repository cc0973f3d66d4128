#include "server/mcp.h"

#include <memory>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "spec/contract.h"
#include "warehouse/database.h"
#include "warehouse/test_warehouse.h"

namespace inferbench::server {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

constexpr char kRunA[] = "20260101T000000Z-aaaa1111";
constexpr char kRunB[] = "20260102T000000Z-bbbb2222";

class McpTest : public ::testing::Test {
 protected:
  // Two runs of one workload, B's TPOT 10 % above A's; filled once per suite (tests only read).
  static void SetUpTestSuite() {
    db_ = &warehouse::testing::EmptyTestWarehouse();
    std::string sql;
    for (const auto& [id, day, tpot] :
         {std::tuple{kRunA, "2026-01-01", 10.0}, std::tuple{kRunB, "2026-01-02", 11.0}}) {
      sql += fmt::format(
          "INSERT INTO benchmark_run_fact (run_id, name, started_at, status, tier, "
          "workload_spec_digest, intent_kpis) VALUES ('{}', 'nightly', TIMESTAMP '{} 00:00:00', "
          "'ok', 'VERDICT', 'wd1', '[\"tpot_ms.p50\"]');\n",
          id, day);
      const double values[] = {tpot * 0.995, tpot, tpot * 1.004, tpot * 0.998, tpot * 1.003};
      for (int r = 0; r < 5; ++r) {
        sql += fmt::format(
            "INSERT INTO serving_replicate_fact VALUES ('{}', 'concurrency=4', 'case-c4', {}, "
            "'tpot_ms.p50', {}, NULL);\n",
            id, r, values[r]);
      }
      sql += fmt::format(
          "INSERT INTO serving_outcome_fact (run_id, point, benchmark_case_id, metric, mean, "
          "ci_low, ci_high, n, tier) VALUES ('{}', 'concurrency=4', 'case-c4', 'tpot_ms.p50', {}, "
          "{}, {}, 5, 'VERDICT');\n",
          id, tpot, tpot * 0.99, tpot * 1.01);
    }
    Status s = db_->Execute(sql);
    ASSERT_TRUE(s.ok()) << s.message();
  }

  void SetUp() override {
    store_ = std::make_unique<BorrowedStore>(*db_);
    McpOptions options;
    options.server_version = "1.2.3";
    server_ = std::make_unique<McpServer>(*store_, options);
  }

  // Sends one line and parses the answer (null when there is none).
  json Send(std::string_view line) {
    std::optional<std::string> answer = server_->HandleLine(line);
    if (!answer) return nullptr;
    EXPECT_EQ(answer->find('\n'), std::string::npos) << "one message per line";
    json parsed = json::parse(*answer, nullptr, false);
    EXPECT_FALSE(parsed.is_discarded()) << *answer;
    return parsed;
  }

  json Call(const std::string& tool, const json& arguments, int id = 7) {
    json request = {{"jsonrpc", "2.0"},
                    {"id", id},
                    {"method", "tools/call"},
                    {"params", {{"name", tool}, {"arguments", arguments}}}};
    return Send(request.dump());
  }

  static int ErrorCode(const json& response) { return response["error"].value("code", 0); }

  static warehouse::Database* db_;
  std::unique_ptr<BorrowedStore> store_;
  std::unique_ptr<McpServer> server_;
};

warehouse::Database* McpTest::db_ = nullptr;

TEST_F(McpTest, InitializeEchoesASupportedVersionAndNamesTheServer) {
  json r = Send(
      R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18",)"
      R"("capabilities":{},"clientInfo":{"name":"test","version":"0"}}})");
  EXPECT_EQ(r["jsonrpc"], "2.0");
  EXPECT_EQ(r["id"], 1);
  EXPECT_EQ(r["result"]["protocolVersion"], "2025-06-18");
  EXPECT_EQ(r["result"]["serverInfo"]["name"], "inferbench");
  EXPECT_EQ(r["result"]["serverInfo"]["version"], "1.2.3");
  EXPECT_TRUE(r["result"]["capabilities"]["tools"].is_object());
  EXPECT_EQ(server_->protocol_version(), "2025-06-18");

  // The initialized notification gets no answer.
  EXPECT_TRUE(Send(R"({"jsonrpc":"2.0","method":"notifications/initialized"})").is_null());
}

TEST_F(McpTest, InitializeWithAnUnknownVersionOffersOurNewest) {
  json r = Send(R"({"jsonrpc":"2.0","id":"x","method":"initialize",)"
                R"("params":{"protocolVersion":"1999-01-01","capabilities":{}}})");
  EXPECT_EQ(r["id"], "x");
  EXPECT_EQ(r["result"]["protocolVersion"], std::string(SupportedMcpVersions().front()));
  json missing = Send(R"({"jsonrpc":"2.0","id":2,"method":"initialize","params":{}})");
  EXPECT_EQ(ErrorCode(missing), kInvalidParams);
}

TEST_F(McpTest, ToolsListHasFiveToolsWithClosedObjectSchemas) {
  json r = Send(R"({"jsonrpc":"2.0","id":3,"method":"tools/list"})");
  const json& tools = r["result"]["tools"];
  ASSERT_EQ(tools.size(), 5u);
  std::vector<std::string> names;
  for (const json& tool : tools) {
    names.push_back(tool["name"]);
    EXPECT_FALSE(tool["description"].get<std::string>().empty());
    EXPECT_EQ(tool["inputSchema"]["type"], "object");
    EXPECT_EQ(tool["inputSchema"]["additionalProperties"], false);
    EXPECT_TRUE(tool["inputSchema"]["properties"].is_object());
  }
  EXPECT_THAT(names, ::testing::ElementsAre("benchmark_contracts", "list_runs", "get_run",
                                            "compare_runs", "lineage"));
}

TEST_F(McpTest, EachToolAnswersWithTextAndStructuredContent) {
  Send(
      R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18"}})");

  json contracts = Call("benchmark_contracts", json::object());
  ASSERT_FALSE(contracts["result"]["isError"].get<bool>()) << contracts.dump();
  EXPECT_EQ(json::parse(contracts["result"]["content"][0]["text"].get<std::string>()),
            spec::ContractJson());
  EXPECT_EQ(contracts["result"]["content"][0]["type"], "text");
  EXPECT_EQ(contracts["result"]["structuredContent"], spec::ContractJson());

  json runs = Call("list_runs", {{"limit", 1}});
  ASSERT_FALSE(runs["result"]["isError"].get<bool>()) << runs.dump();
  ASSERT_EQ(runs["result"]["structuredContent"]["runs"].size(), 1u);
  EXPECT_EQ(runs["result"]["structuredContent"]["runs"][0]["run_id"], kRunB);

  json run = Call("get_run", {{"run", "20260101T"}});
  ASSERT_FALSE(run["result"]["isError"].get<bool>()) << run.dump();
  EXPECT_EQ(run["result"]["structuredContent"]["run"]["run_id"], kRunA);

  json compare = Call("compare_runs", {{"baseline", kRunA}, {"candidate", kRunB}});
  ASSERT_FALSE(compare["result"]["isError"].get<bool>()) << compare.dump();
  EXPECT_EQ(compare["result"]["structuredContent"]["schema"], "inferbench.compare/v1");
  EXPECT_EQ(compare["result"]["structuredContent"]["comparisons"][0]["points"][0]["metrics"][0]
                   ["verdict"],
            "regressed");

  json lineage = Call("lineage", {{"run", kRunA}, {"metric", "tpot_ms.p50"}});
  ASSERT_FALSE(lineage["result"]["isError"].get<bool>()) << lineage.dump();
  EXPECT_EQ(lineage["result"]["structuredContent"]["run_id"], kRunA);
}

TEST_F(McpTest, OldProtocolVersionsGetNoStructuredContent) {
  Send(
      R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2024-11-05"}})");
  json runs = Call("list_runs", json::object());
  EXPECT_FALSE(runs["result"].contains("structuredContent"));
  EXPECT_EQ(json::parse(runs["result"]["content"][0]["text"].get<std::string>())["runs"].size(),
            2u);
}

TEST_F(McpTest, ToolFailuresAreIsErrorResults) {
  json unknown_run = Call("get_run", {{"run", "20991231T000000Z-00000000"}});
  ASSERT_TRUE(unknown_run.contains("result")) << unknown_run.dump();
  EXPECT_TRUE(unknown_run["result"]["isError"].get<bool>());
  EXPECT_THAT(unknown_run["result"]["content"][0]["text"].get<std::string>(),
              HasSubstr("unknown run"));

  json bad_metric = Call("lineage", {{"run", kRunA}, {"metric", "nope"}});
  EXPECT_TRUE(bad_metric["result"]["isError"].get<bool>());
  json path = Call("get_run", {{"run", "../../etc"}});
  EXPECT_TRUE(path["result"]["isError"].get<bool>());
}

TEST_F(McpTest, BadArgumentsAndUnknownToolsAreInvalidParams) {
  EXPECT_EQ(ErrorCode(Call("no_such_tool", json::object())), kInvalidParams);
  EXPECT_EQ(ErrorCode(Call("get_run", json::object())), kInvalidParams);         // required
  EXPECT_EQ(ErrorCode(Call("get_run", {{"run", 5}})), kInvalidParams);           // type
  EXPECT_EQ(ErrorCode(Call("get_run", {{"run", ""}})), kInvalidParams);          // minLength
  EXPECT_EQ(ErrorCode(Call("list_runs", {{"limit", 0}})), kInvalidParams);       // minimum
  EXPECT_EQ(ErrorCode(Call("list_runs", {{"limit", 2.5}})), kInvalidParams);     // integer
  EXPECT_EQ(ErrorCode(Call("list_runs", {{"limit", 1e300}})), kInvalidParams);   // maximum
  EXPECT_EQ(ErrorCode(Call("list_runs", {{"colour", "red"}})), kInvalidParams);  // closed
  EXPECT_EQ(
      ErrorCode(Call("compare_runs", {{"baseline", kRunA}, {"candidate", kRunB}, {"noise", 1}})),
      kInvalidParams);  // exclusiveMaximum
  EXPECT_EQ(ErrorCode(Call("compare_runs",
                           {{"baseline", kRunA}, {"candidate", kRunB}, {"confidence", 0}})),
            kInvalidParams);  // exclusiveMinimum
  EXPECT_EQ(ErrorCode(Call("benchmark_contracts", json::array())), kInvalidParams);
  json message = Call("list_runs", {{"colour", "red"}});
  EXPECT_THAT(message["error"]["message"].get<std::string>(), HasSubstr("limit, name"));
  // A whole-number double is an integer to JSON Schema.
  EXPECT_FALSE(Call("list_runs", {{"limit", 1.0}})["result"]["isError"].get<bool>());
  json no_name = Send(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{}})");
  EXPECT_EQ(ErrorCode(no_name), kInvalidParams);
}

TEST_F(McpTest, MalformedMessagesGetJsonRpcErrors) {
  json parse = Send("{not json");
  EXPECT_EQ(ErrorCode(parse), kParseError);
  EXPECT_TRUE(parse["id"].is_null());
  EXPECT_EQ(ErrorCode(Send("\"just a string\"")), kInvalidRequest);
  EXPECT_EQ(ErrorCode(Send("42")), kInvalidRequest);
  EXPECT_EQ(ErrorCode(Send("[]")), kInvalidRequest);
  EXPECT_EQ(ErrorCode(Send(R"({"jsonrpc":"1.0","id":1,"method":"ping"})")), kInvalidRequest);
  EXPECT_EQ(ErrorCode(Send(R"({"jsonrpc":"2.0","id":1})")), kInvalidRequest);
  EXPECT_EQ(ErrorCode(Send(R"({"jsonrpc":"2.0","id":1,"method":5})")), kInvalidRequest);
  EXPECT_EQ(ErrorCode(Send(R"({"jsonrpc":"2.0","id":null,"method":"ping"})")), kInvalidRequest);
  EXPECT_EQ(ErrorCode(Send(R"({"jsonrpc":"2.0","id":{"a":1},"method":"ping"})")), kInvalidRequest);
  EXPECT_EQ(ErrorCode(Send(R"({"jsonrpc":"2.0","id":1,"method":"ping","params":3})")),
            kInvalidRequest);
  EXPECT_EQ(ErrorCode(Send(R"({"jsonrpc":"2.0","id":1,"method":"ping","params":[]})")),
            kInvalidParams);
  EXPECT_EQ(ErrorCode(Send(R"({"jsonrpc":"2.0","id":1,"method":"resources/list"})")),
            kMethodNotFound);
  // Invalid UTF-8 and a number too large for a double are parse errors, not crashes.
  EXPECT_EQ(ErrorCode(Send("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"\xff\"}")), kParseError);
  EXPECT_EQ(ErrorCode(Send(R"({"jsonrpc":"2.0","id":1e999,"method":"ping"})")), kParseError);
  // Deep nesting is refused before parsing.
  EXPECT_EQ(ErrorCode(Send(std::string(100000, '['))), kInvalidRequest);
  // Blank lines and client responses need no answer.
  EXPECT_TRUE(Send("   ").is_null());
  EXPECT_TRUE(Send(R"({"jsonrpc":"2.0","id":9,"result":{}})").is_null());
}

TEST_F(McpTest, HugeAndOddIdsAreEchoed) {
  json big = Send(R"({"jsonrpc":"2.0","id":123456789012345678901234567890,"method":"ping"})");
  EXPECT_TRUE(big["result"].is_object());
  EXPECT_TRUE(big["id"].is_number());
  json negative = Send(R"({"jsonrpc":"2.0","id":-5,"method":"ping"})");
  EXPECT_EQ(negative["id"], -5);
  json text = Send(R"({"jsonrpc":"2.0","id":"ab\u00e9","method":"ping"})");
  EXPECT_EQ(text["id"], "ab\u00e9");
}

TEST_F(McpTest, BatchesAreAnsweredElementByElement) {
  json r = Send(R"([{"jsonrpc":"2.0","id":1,"method":"ping"},)"
                R"({"jsonrpc":"2.0","method":"notifications/initialized"},)"
                R"({"jsonrpc":"2.0","id":2,"method":"nope"}, 7])");
  ASSERT_TRUE(r.is_array()) << r.dump();
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0]["id"], 1);
  EXPECT_EQ(ErrorCode(r[1]), kMethodNotFound);
  EXPECT_EQ(ErrorCode(r[2]), kInvalidRequest);
  EXPECT_TRUE(Send(R"([{"jsonrpc":"2.0","method":"notifications/initialized"}])").is_null());
}

TEST_F(McpTest, ServeAnswersLineByLineAndSurvivesBadLines) {
  McpOptions options;
  options.max_line_bytes = 64;
  McpServer small(*store_, options);
  std::istringstream in(
      "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\r\n"
      "garbage\n"
      "\n"
      "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n" +
      std::string(200, 'x') + "\n" +
      "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}");  // no final newline
  std::ostringstream out;
  small.Serve(in, out);
  std::vector<json> lines;
  std::istringstream written(out.str());
  for (std::string line; std::getline(written, line);) lines.push_back(json::parse(line));
  ASSERT_EQ(lines.size(), 4u) << out.str();
  EXPECT_EQ(lines[0]["id"], 1);
  EXPECT_EQ(ErrorCode(lines[1]), kParseError);
  EXPECT_EQ(ErrorCode(lines[2]), kParseError);  // the over-long line
  EXPECT_THAT(lines[2]["error"]["message"].get<std::string>(), HasSubstr("longer than 64"));
  EXPECT_EQ(lines[3]["id"], 2);
}

TEST(McpSchemaTest, CheckAgainstSchemaCoversTheSubsetWeUse) {
  json schema = {{"type", "object"},
                 {"properties",
                  {{"s", {{"type", "string"}, {"minLength", 1}, {"maxLength", 3}}},
                   {"b", {{"type", "boolean"}}},
                   {"n", {{"type", "number"}, {"minimum", 0}, {"exclusiveMaximum", 1}}}}},
                 {"required", {"s"}},
                 {"additionalProperties", false}};
  EXPECT_EQ(CheckAgainstSchema({{"s", "ab"}}, schema), "");
  EXPECT_EQ(CheckAgainstSchema({{"s", "\u00e9\u00e9\u00e9"}}, schema), "");  // code points
  EXPECT_THAT(CheckAgainstSchema({{"s", "abcd"}}, schema), HasSubstr("s: must be at most 3"));
  EXPECT_THAT(CheckAgainstSchema(json::object(), schema), HasSubstr("missing required"));
  EXPECT_THAT(CheckAgainstSchema({{"s", "a"}, {"b", 1}}, schema), HasSubstr("b: must be true"));
  EXPECT_THAT(CheckAgainstSchema({{"s", "a"}, {"n", 1}}, schema), HasSubstr("less than 1"));
  EXPECT_THAT(CheckAgainstSchema({{"s", "a"}, {"n", -0.5}}, schema), HasSubstr("at least 0"));
  EXPECT_THAT(CheckAgainstSchema("x", schema), HasSubstr("must be an object"));
}

}  // namespace
}  // namespace inferbench::server
