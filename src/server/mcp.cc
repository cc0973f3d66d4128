#include "server/mcp.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <exception>
#include <string>
#include <utility>

#include "core/log.h"
#include "results/metric_names.h"
#include "results/point.h"

namespace inferbench::server {
namespace {

using nlohmann::json;

constexpr std::array<std::string_view, 4> kVersions = {"2025-11-25", "2025-06-18", "2025-03-26",
                                                       "2024-11-05"};
// structuredContent exists from this revision on.
constexpr std::string_view kStructuredContentSince = "2025-06-18";

std::string Clip(std::string_view text, size_t max = 120) {
  if (text.size() <= max) return std::string(text);
  return std::string(text.substr(0, max)) + "…";
}

json ErrorMessage(const json& id, int code, const std::string& message) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", message}}}};
}

json Success(const json& id, json result) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
}

// Depth of [ and { nesting outside strings; stops counting past `limit`.
size_t NestingDepth(std::string_view text, size_t limit) {
  size_t depth = 0;
  size_t deepest = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
      if (deepest > limit) return deepest;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

size_t CodePoints(const std::string& text) {
  size_t n = 0;
  for (unsigned char c : text) n += (c & 0xC0) != 0x80;
  return n;
}

json StringProperty(std::string description, int max_length = 200) {
  return {{"type", "string"},
          {"minLength", 1},
          {"maxLength", max_length},
          {"description", std::move(description)}};
}

json ObjectSchema(json properties, json required) {
  json schema = {
      {"type", "object"}, {"properties", std::move(properties)}, {"additionalProperties", false}};
  if (!required.empty()) schema["required"] = std::move(required);
  return schema;
}

json Tool(std::string name, std::string title, std::string description, json input_schema) {
  return {{"name", std::move(name)},
          {"title", std::move(title)},
          {"description", std::move(description)},
          {"inputSchema", std::move(input_schema)},
          {"annotations",
           {{"readOnlyHint", true}, {"idempotentHint", true}, {"openWorldHint", false}}}};
}

const json& ToolDefinitions() {
  static const json tools = [] {
    const std::string run_text =
        "Run id or a unique prefix of one (6+ characters), as list_runs shows them";
    json list = json::array();
    list.push_back(
        Tool("benchmark_contracts", "BenchmarkRun contract",
             "The BenchmarkRun spec contract: every key a spec may write with its type, default, "
             "allowed values and meaning, plus the mode rules (what `inferbench tools "
             "benchmark-contracts --json` prints). Use it to write or check a spec.",
             ObjectSchema(json::object(), json::array())));
    list.push_back(Tool(
        "list_runs", "List stored runs",
        "Stored benchmark runs, newest first: run_id, name, started_at, status (ok/partial/"
        "failed), tier (VERDICT/DRAFT), gate_status, points, requests, workload digest, signed.",
        ObjectSchema({{"limit",
                       {{"type", "integer"},
                        {"minimum", 1},
                        {"maximum", 1000},
                        {"description", "At most this many runs (default 50)"}}},
                      {"name", StringProperty("Only runs whose metadata.name is exactly this")}},
                     json::array())));
    list.push_back(Tool(
        "get_run", "Show one run",
        "One stored run: its facts (status, tier and draft reasons, digests), software, hardware, "
        "cluster and workload dimensions, evidence lineage, and per load point every metric's "
        "mean with its confidence interval and n.",
        ObjectSchema({{"run", StringProperty(run_text, 64)}}, {"run"})));
    list.push_back(Tool(
        "compare_runs", "Compare two runs",
        "Compares a candidate run with a baseline run of the same workload point by point: for "
        "every metric both means with CIs, the relative change with a CI, and a verdict "
        "(improved, regressed, no-change, inconclusive; Holm-corrected), plus the dimensions "
        "that changed between the runs.",
        ObjectSchema(
            {{"baseline", StringProperty("The baseline run: " + run_text, 64)},
             {"candidate", StringProperty("The candidate run: " + run_text, 64)},
             {"exploratory",
              {{"type", "boolean"},
               {"description", "Compare runs of different workloads too (labelled exploratory)"}}},
             {"noise",
              {{"type", "number"},
               {"minimum", 0},
               {"exclusiveMaximum", 1},
               {"description", "Relative change regarded as noise (default 0.02 = ±2 %)"}}},
             {"confidence",
              {{"type", "number"},
               {"exclusiveMinimum", 0},
               {"exclusiveMaximum", 1},
               {"description",
                "Confidence of the intervals; 1 − confidence is the Holm family-wise "
                "error rate (default 0.95)"}}}},
            {"baseline", "candidate"})));
    list.push_back(Tool(
        "lineage", "Trace a number to its evidence",
        "Walks one number of a run (default: its headline KPI) back to the query that reads it, "
        "the run and manifest digests and the raw artifacts, checking every link; says whether "
        "the number is publication-safe and why not.",
        ObjectSchema({{"run", StringProperty(run_text, 64)},
                      {"metric", StringProperty("Metric path, e.g. tpot_ms.p99", 100)},
                      {"point", StringProperty("Load point, e.g. concurrency=16", 100)}},
                     {"run"})));
    return list;
  }();
  return tools;
}

const json* FindTool(const std::string& name) {
  for (const json& tool : ToolDefinitions()) {
    if (tool["name"] == name) return &tool;
  }
  return nullptr;
}

std::string ArgString(const json& args, const char* key) {
  auto it = args.find(key);
  return it != args.end() && it->is_string() ? it->get<std::string>() : std::string();
}

ApiResult RunTool(RunStore& store, const std::string& name, const json& args) {
  if (name == "benchmark_contracts") return BenchmarkContracts();
  if (name == "list_runs") {
    warehouse::ListFilter filter;
    if (auto it = args.find("limit"); it != args.end()) {
      filter.limit = static_cast<int64_t>(it->get<double>());
    }
    filter.name = ArgString(args, "name");
    ApiResult runs = ListStoredRuns(store, filter);
    if (!runs.ok()) return runs;
    return json{{"runs", runs.value()}};
  }
  if (name == "get_run") return GetStoredRun(store, ArgString(args, "run"));
  if (name == "compare_runs") {
    warehouse::CompareOptions options;
    options.alpha = 1 - args.value("confidence", kDefaultConfidence);
    if (auto it = args.find("exploratory"); it != args.end()) options.exploratory = it->get<bool>();
    if (auto it = args.find("noise"); it != args.end()) options.noise = it->get<double>();
    ApiResult result = CompareStoredRuns(
        store, {ArgString(args, "baseline"), ArgString(args, "candidate")}, options);
    if (!result.ok() && result.error().code == "compare_refused" && !options.exploratory) {
      ApiError error = result.error();
      error.message += " (set exploratory: true to compare anyway)";
      return error;
    }
    return result;
  }
  if (name == "lineage") {
    warehouse::LineageRequest request;
    request.metric = ArgString(args, "metric");
    request.point = ArgString(args, "point");
    if (!request.metric.empty()) {
      auto path = results::ParseMetricPath(request.metric);
      if (!path.ok()) return BadRequest("metric: " + path.status().message());
    }
    if (!request.point.empty()) {
      auto point = results::Point::Parse(request.point);
      if (!point.ok()) return BadRequest("point: " + point.status().message());
    }
    return TraceLineage(store, ArgString(args, "run"), request);
  }
  return ApiError{500, "internal", "tool " + name + " has no implementation"};
}

}  // namespace

std::span<const std::string_view> SupportedMcpVersions() { return kVersions; }

json McpToolDefinitions() { return ToolDefinitions(); }

std::string CheckAgainstSchema(const json& value, const json& schema) {
  const std::string type = schema.value("type", "");
  if (type == "object") {
    if (!value.is_object()) return "must be an object";
    const json& properties = schema.contains("properties") ? schema["properties"] : json::object();
    const bool closed = schema.value("additionalProperties", true) == false;
    for (const auto& [key, item] : value.items()) {
      if (properties.contains(key)) {
        std::string problem = CheckAgainstSchema(item, properties[key]);
        if (!problem.empty()) return key + ": " + problem;
      } else if (closed) {
        std::string accepted;
        for (const auto& [name, unused] : properties.items()) {
          accepted += (accepted.empty() ? "" : ", ") + name;
        }
        return "unknown argument \"" + Clip(key, 60) + "\"" +
               (accepted.empty() ? std::string("; this tool takes no arguments")
                                 : "; accepted: " + accepted);
      }
    }
    if (schema.contains("required")) {
      for (const json& name : schema["required"]) {
        if (!value.contains(name.get<std::string>())) {
          return "missing required argument \"" + name.get<std::string>() + "\"";
        }
      }
    }
    return "";
  }
  if (type == "string") {
    if (!value.is_string()) return "must be a string";
    const size_t length = CodePoints(value.get<std::string>());
    if (schema.contains("minLength") && length < schema["minLength"].get<size_t>()) {
      return "must not be empty";
    }
    if (schema.contains("maxLength") && length > schema["maxLength"].get<size_t>()) {
      return "must be at most " + schema["maxLength"].dump() + " characters";
    }
    return "";
  }
  if (type == "boolean") return value.is_boolean() ? "" : "must be true or false";
  if (type == "integer" || type == "number") {
    if (!value.is_number()) return "must be a number";
    const double x = value.get<double>();
    if (type == "integer" && !value.is_number_integer() &&
        !(x > -9.2e18 && x < 9.2e18 && x == std::trunc(x))) {
      return "must be a whole number";
    }
    if (schema.contains("minimum") && x < schema["minimum"].get<double>()) {
      return "must be at least " + schema["minimum"].dump();
    }
    if (schema.contains("exclusiveMinimum") && x <= schema["exclusiveMinimum"].get<double>()) {
      return "must be greater than " + schema["exclusiveMinimum"].dump();
    }
    if (schema.contains("maximum") && x > schema["maximum"].get<double>()) {
      return "must be at most " + schema["maximum"].dump();
    }
    if (schema.contains("exclusiveMaximum") && x >= schema["exclusiveMaximum"].get<double>()) {
      return "must be less than " + schema["exclusiveMaximum"].dump();
    }
    return "";
  }
  return "";  // no constraint
}

McpServer::McpServer(RunStore& store, McpOptions options)
    : store_(store), options_(std::move(options)) {}

std::optional<std::string> McpServer::HandleLine(std::string_view line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
    line.remove_suffix(1);
  }
  if (line.find_first_not_of(" \t") == std::string_view::npos) return std::nullopt;
  auto dump = [](const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); };
  try {
    if (line.size() > options_.max_line_bytes) {
      return dump(ErrorMessage(
          nullptr, kParseError,
          "message longer than " + std::to_string(options_.max_line_bytes) + " bytes"));
    }
    if (NestingDepth(line, options_.max_nesting) > options_.max_nesting) {
      return dump(ErrorMessage(
          nullptr, kInvalidRequest,
          "message nested deeper than " + std::to_string(options_.max_nesting) + " levels"));
    }
    json message;
    try {
      message = json::parse(line);
    } catch (const json::exception& e) {
      return dump(ErrorMessage(nullptr, kParseError, std::string("parse error: ") + e.what()));
    }
    if (message.is_array()) {
      if (message.empty()) {
        return dump(ErrorMessage(nullptr, kInvalidRequest, "an empty batch is not a request"));
      }
      json responses = json::array();
      for (const json& element : message) {
        if (auto response = HandleMessage(element)) responses.push_back(std::move(*response));
      }
      if (responses.empty()) return std::nullopt;
      return dump(responses);
    }
    auto response = HandleMessage(message);
    if (!response) return std::nullopt;
    return dump(*response);
  } catch (const std::exception& e) {
    LogError("mcp: internal error: {}", e.what());
    return dump(ErrorMessage(nullptr, kInternalError, std::string("internal error: ") + e.what()));
  }
}

std::optional<json> McpServer::HandleMessage(const json& message) {
  if (!message.is_object()) {
    return ErrorMessage(nullptr, kInvalidRequest, "a JSON-RPC message is an object");
  }
  const bool has_id = message.contains("id");
  json id = nullptr;
  if (has_id) {
    const json& given = message["id"];
    if (!given.is_string() && !given.is_number()) {
      return ErrorMessage(
          nullptr, kInvalidRequest,
          "id must be a string or an integer (got " + std::string(given.type_name()) + ")");
    }
    id = given;
  }
  if (!message.contains("method")) {
    // A response to a request of ours (we send none): nothing to answer.
    if (message.contains("result") || message.contains("error")) return std::nullopt;
    return ErrorMessage(id, kInvalidRequest, "a request needs a \"method\"");
  }
  if (message.value("jsonrpc", json()) != "2.0") {
    return ErrorMessage(id, kInvalidRequest, "\"jsonrpc\" must be \"2.0\"");
  }
  const json& method = message["method"];
  if (!method.is_string()) return ErrorMessage(id, kInvalidRequest, "\"method\" must be a string");
  json params = json::object();
  if (message.contains("params")) {
    params = message["params"];
    if (!params.is_object() && !params.is_array()) {
      return ErrorMessage(id, kInvalidRequest, "\"params\" must be an object");
    }
  }
  const std::string name = method.get<std::string>();
  if (!has_id) {
    // Notifications (initialized, cancelled, …) need no answer, known or not.
    LogDebug("mcp: notification {}", Clip(name));
    return std::nullopt;
  }
  if (!params.is_object()) return ErrorMessage(id, kInvalidParams, "\"params\" must be an object");
  return Dispatch(name, params, id);
}

json McpServer::Dispatch(const std::string& method, const json& params, const json& id) {
  if (method == "initialize") return Initialize(params, id);
  if (method == "ping") return Success(id, json::object());
  if (method == "tools/list") return Success(id, {{"tools", ToolDefinitions()}});
  if (method == "tools/call") return CallTool(params, id);
  return ErrorMessage(id, kMethodNotFound,
                      "method not found: " + Clip(method, 80) +
                          " (this server offers initialize, ping, tools/list, tools/call)");
}

json McpServer::Initialize(const json& params, const json& id) {
  auto requested = params.find("protocolVersion");
  if (requested == params.end() || !requested->is_string()) {
    return ErrorMessage(id, kInvalidParams, "initialize needs params.protocolVersion (a string)");
  }
  const std::string wanted = requested->get<std::string>();
  protocol_version_ = std::string(kVersions.front());
  for (std::string_view version : kVersions) {
    if (wanted == version) protocol_version_ = wanted;
  }
  LogDebug("mcp: initialize (client asked {}, speaking {})", Clip(wanted, 40), protocol_version_);
  return Success(
      id,
      {{"protocolVersion", protocol_version_},
       {"capabilities", {{"tools", {{"listChanged", false}}}}},
       {"serverInfo",
        {{"name", "inferbench"}, {"title", "inferbench"}, {"version", options_.server_version}}},
       {"instructions",
        "Read-only access to inferbench's warehouse of stored LLM-inference benchmark runs: "
        "list_runs, then get_run, compare_runs (baseline vs candidate with CIs and verdicts) "
        "and lineage (is a number publication-safe). benchmark_contracts describes the "
        "BenchmarkRun spec. Every number comes with its confidence interval and n; quote "
        "them."}});
}

json McpServer::CallTool(const json& params, const json& id) {
  auto name_it = params.find("name");
  if (name_it == params.end() || !name_it->is_string()) {
    return ErrorMessage(id, kInvalidParams, "tools/call needs params.name (a string)");
  }
  const std::string name = name_it->get<std::string>();
  const json* tool = FindTool(name);
  if (tool == nullptr) {
    return ErrorMessage(id, kInvalidParams,
                        "unknown tool: " + Clip(name, 80) +
                            " (tools: benchmark_contracts, list_runs, get_run, compare_runs, "
                            "lineage)");
  }
  json args = json::object();
  if (auto it = params.find("arguments"); it != params.end() && !it->is_null()) args = *it;
  std::string problem = CheckAgainstSchema(args, (*tool)["inputSchema"]);
  if (!problem.empty()) {
    return ErrorMessage(id, kInvalidParams, name + " arguments: " + problem);
  }

  ApiResult outcome = RunTool(store_, name, args);
  const bool structured = protocol_version_.empty() || protocol_version_ >= kStructuredContentSince;
  json result;
  if (outcome.ok()) {
    result["content"] = json::array(
        {{{"type", "text"},
          {"text", outcome.value().dump(-1, ' ', false, json::error_handler_t::replace)}}});
    if (structured && outcome.value().is_object()) result["structuredContent"] = outcome.value();
    result["isError"] = false;
  } else {
    const ApiError& error = outcome.error();
    LogDebug("mcp: {} failed: {}", name, error.message);
    result["content"] =
        json::array({{{"type", "text"}, {"text", error.code + ": " + error.message}}});
    if (structured) {
      result["structuredContent"] = {{"error", {{"code", error.code}, {"message", error.message}}}};
    }
    result["isError"] = true;
  }
  return Success(id, std::move(result));
}

void McpServer::Serve(std::istream& in, std::ostream& out) {
  std::streambuf* buffer = in.rdbuf();
  std::string line;
  bool too_long = false;
  // False once `out` failed (the client closed our stdout): nobody reads the answers any more.
  auto answer = [&]() -> bool {
    std::optional<std::string> response;
    if (too_long) {
      response = ErrorMessage(nullptr, kParseError,
                              "message longer than " + std::to_string(options_.max_line_bytes) +
                                  " bytes; skipped")
                     .dump();
    } else {
      response = HandleLine(line);
    }
    if (response) {
      out << *response << '\n';
      out.flush();
    }
    line.clear();
    too_long = false;
    return static_cast<bool>(out);
  };
  for (;;) {
    const int c = buffer->sbumpc();
    if (c == std::char_traits<char>::eof()) {
      if (!line.empty() || too_long) answer();
      return;
    }
    if (c == '\n') {
      if (!answer()) {
        LogWarn("mcp: stdout is closed; stopping");
        return;
      }
    } else if (!too_long && line.size() < options_.max_line_bytes) {
      line.push_back(static_cast<char>(c));
    } else {
      too_long = true;
      line.clear();
    }
  }
}

}  // namespace inferbench::server
