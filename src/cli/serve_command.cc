// `inferbench serve [--port 8080] [--bind 127.0.0.1] [--token-env VAR]`: the dashboard and the
// JSON API over the stored runs (issue 7, server/serve.h). Loopback by default; any other address
// needs a bearer token named by --token-env. Exit 0 after SIGINT/SIGTERM, 2 for bad flags, a
// missing token or an address that cannot be bound.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "cli/store_flags.h"
#include "server/serve.h"

namespace inferbench::cli {
namespace {

struct ServeFlags {
  int port = 8080;
  std::string bind = "127.0.0.1";
  std::string token_env;
  StoreFlags store;
};

int Fail(const std::string& message) {
  std::fprintf(stderr, "inferbench serve: %s\n", message.c_str());
  return kExitError;
}

int RunServeCommand(const ServeFlags& f) {
  if (f.port < 0 || f.port > 65535) return Fail("--port must be 0..65535 (0 picks a free port)");
  server::ServeOptions options;
  options.port = static_cast<uint16_t>(f.port);
  options.bind_address = f.bind;
  options.warehouse_path = f.store.WarehousePath();
  options.evidence_root = f.store.evidence;
  if (!f.token_env.empty()) {
    const char* token = std::getenv(f.token_env.c_str());
    if (token == nullptr || *token == '\0') {
      return Fail("--token-env " + f.token_env + ": the environment variable " + f.token_env +
                  " is not set or empty; put the bearer token clients must send in it");
    }
    options.token = token;
    options.token_source = "$" + f.token_env;
  }
  return server::RunServe(options);
}

}  // namespace

void RegisterServeCommand(CLI::App& app, int* exit_code) {
  auto f = std::make_shared<ServeFlags>();
  CLI::App* cmd = app.add_subcommand(
      "serve", "Serve the dashboard (runs, run reports, compare) and a read-only JSON API");
  cmd->add_option("--port", f->port, "TCP port (0 picks a free one; the startup line shows it)")
      ->capture_default_str();
  cmd->add_option("--bind", f->bind,
                  "Address to listen on; anything but loopback needs --token-env")
      ->capture_default_str();
  cmd->add_option("--token-env", f->token_env,
                  "Name of an environment variable holding a bearer token; every request must "
                  "then send `Authorization: Bearer <token>`");
  AddStoreFlags(cmd, &f->store);
  cmd->callback([f, exit_code] { *exit_code = RunServeCommand(*f); });
}

}  // namespace inferbench::cli
