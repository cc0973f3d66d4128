// McpServer: `inferbench mcp`, a Model Context Protocol server over the stdio transport (issue 7):
// newline-delimited JSON-RPC 2.0 messages on stdin, one response per line on stdout, logs only on
// stderr. Read-only on the warehouse through a RunStore (api.h), one short connection per call.
//
// Methods: initialize (protocol version negotiation: the client's version when supported, else
// the newest we speak), notifications/initialized and other notifications (no response), ping,
// tools/list, tools/call. Tools: benchmark_contracts, list_runs, get_run, compare_runs, lineage,
// each with a JSON Schema inputSchema (additionalProperties false) that calls are checked
// against before they run.
//
// Errors: -32700 parse error (id null), -32600 invalid request, -32601 method not found,
// -32602 invalid params (unknown tool, arguments not matching the schema), -32603 internal.
// A tool that runs and fails (unknown run, busy warehouse, refused comparison) answers with a
// result whose isError is true, so the model sees the message. Batches (JSON arrays) are answered
// element by element as JSON-RPC 2.0 says. No input ends the loop except end of file.
#pragma once

#include <cstddef>
#include <istream>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "server/api.h"

namespace inferbench::server {

// Protocol revisions we speak, newest first.
std::span<const std::string_view> SupportedMcpVersions();

// JSON-RPC 2.0 error codes.
inline constexpr int kParseError = -32700;
inline constexpr int kInvalidRequest = -32600;
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kInvalidParams = -32602;
inline constexpr int kInternalError = -32603;

struct McpOptions {
  std::string server_version;              // serverInfo.version
  std::size_t max_line_bytes = 16u << 20;  // longer lines are answered with -32700
  std::size_t max_nesting = 256;           // deeper JSON is answered with -32600
};

// The tool definitions tools/list returns: [{name, title, description, inputSchema,
// annotations}].
nlohmann::json McpToolDefinitions();

// Checks `value` against the subset of JSON Schema our tools use (type object/string/integer/
// number/boolean, properties, required, additionalProperties false, minimum, maximum,
// exclusiveMinimum, exclusiveMaximum, minLength, maxLength). Returns "" when it conforms, else what
// is wrong
// ("limit: must be an integer").
std::string CheckAgainstSchema(const nlohmann::json& value, const nlohmann::json& schema);

// One client session. Single-threaded.
class McpServer {
 public:
  McpServer(RunStore& store, McpOptions options);

  // One input line (one message or a batch) → the line to write back (no trailing newline), or
  // nullopt when nothing is to be written (notifications, responses, blank lines).
  std::optional<std::string> HandleLine(std::string_view line);

  // Reads lines from `in` until end of file (or until `out` fails: the client closed it), writing
  // each answer on its own line to `out` (flushed at once). Lines longer than max_line_bytes are
  // skipped and answered with -32700.
  void Serve(std::istream& in, std::ostream& out);

  // The version agreed by initialize ("" before it).
  const std::string& protocol_version() const { return protocol_version_; }

 private:
  // nullopt for notifications.
  std::optional<nlohmann::json> HandleMessage(const nlohmann::json& message);
  nlohmann::json Dispatch(const std::string& method, const nlohmann::json& params,
                          const nlohmann::json& id);
  nlohmann::json Initialize(const nlohmann::json& params, const nlohmann::json& id);
  nlohmann::json CallTool(const nlohmann::json& params, const nlohmann::json& id);

  RunStore& store_;
  McpOptions options_;
  std::string protocol_version_;
};

}  // namespace inferbench::server
