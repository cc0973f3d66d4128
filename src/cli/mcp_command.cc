// `inferbench mcp`: a Model Context Protocol server on stdio (issue 7, server/mcp.h). JSON-RPC
// messages one per line on stdin, answers on stdout, logs on stderr. Exit 0 at end of input.
#include <CLI/CLI.hpp>

#include <csignal>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/store_flags.h"
#include "server/mcp.h"

namespace inferbench::cli {

void RegisterMcpCommand(CLI::App& app, int* exit_code) {
  auto store_flags = std::make_shared<StoreFlags>();
  CLI::App* cmd = app.add_subcommand(
      "mcp", "Model Context Protocol server on stdio: tools over the stored runs (read-only)");
  AddStoreFlags(cmd, store_flags.get());
  cmd->callback([store_flags, exit_code] {
    // A client that goes away mid-answer ends the session at the next read, not by SIGPIPE.
    std::signal(SIGPIPE, SIG_IGN);
    std::ios::sync_with_stdio(false);
    server::WarehouseFileStore store(store_flags->WarehousePath(), store_flags->evidence);
    server::McpOptions options;
    options.server_version = INFERBENCH_VERSION;
    server::McpServer mcp(store, options);
    mcp.Serve(std::cin, std::cout);
    *exit_code = kExitOk;
  });
}

}  // namespace inferbench::cli
