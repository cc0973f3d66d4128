// inferbench: measure, judge and remember LLM inference performance. Thin entry point: flag
// parsing lives in one file per subcommand (cli/*_command.cc).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"inferbench: defensible performance claims about LLM inference servers"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("inferbench ") + INFERBENCH_VERSION);
  int exit_code = inferbench::cli::kExitOk;
  inferbench::cli::RegisterSimCommand(app, &exit_code);
  inferbench::cli::RegisterBenchCommand(app, &exit_code);
  inferbench::cli::RegisterRunCommand(app, &exit_code);
  inferbench::cli::RegisterSpecCommand(app, &exit_code);
  inferbench::cli::RegisterToolsCommand(app, &exit_code);
  inferbench::cli::RegisterGateCommand(app, &exit_code);
  inferbench::cli::RegisterEnvCommand(app, &exit_code);
  inferbench::cli::RegisterRunsCommand(app, &exit_code);
  inferbench::cli::RegisterCompareCommand(app, &exit_code);
  inferbench::cli::RegisterBaselineCommand(app, &exit_code);
  inferbench::cli::RegisterRegressionsCommand(app, &exit_code);
  inferbench::cli::RegisterLineageCommand(app, &exit_code);
  inferbench::cli::RegisterVerifyCommand(app, &exit_code);
  inferbench::cli::RegisterWarehouseCommand(app, &exit_code);
  inferbench::cli::RegisterReportCommand(app, &exit_code);
  inferbench::cli::RegisterServeCommand(app, &exit_code);
  inferbench::cli::RegisterMcpCommand(app, &exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    // Help and version are successes; every other parse problem is a usage error (exit 2).
    return rc == 0 ? 0 : inferbench::cli::kExitError;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "inferbench: %s\n", e.what());
    return inferbench::cli::kExitError;
  }
  return exit_code;
}
