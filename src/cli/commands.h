// Each subcommand lives in its own file and registers itself on the CLI11 app here. A command's
// callback stores its exit code (DESIGN.md §6 table) in `*exit_code`.
#pragma once

namespace CLI {
class App;
}

namespace inferbench::cli {

// Exit codes of every command (DESIGN.md §6).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;       // a constraint failed / regression / mismatch
inline constexpr int kExitError = 2;        // bad input, unreachable target, I/O error
inline constexpr int kExitSkipped = 3;      // gate had nothing to evaluate
inline constexpr int kExitInterrupted = 130;

void RegisterSimCommand(CLI::App& app, int* exit_code);
void RegisterBenchCommand(CLI::App& app, int* exit_code);
void RegisterRunCommand(CLI::App& app, int* exit_code);
void RegisterSpecCommand(CLI::App& app, int* exit_code);
void RegisterToolsCommand(CLI::App& app, int* exit_code);
void RegisterGateCommand(CLI::App& app, int* exit_code);
void RegisterEnvCommand(CLI::App& app, int* exit_code);
void RegisterRunsCommand(CLI::App& app, int* exit_code);
void RegisterCompareCommand(CLI::App& app, int* exit_code);
void RegisterBaselineCommand(CLI::App& app, int* exit_code);
void RegisterRegressionsCommand(CLI::App& app, int* exit_code);
void RegisterLineageCommand(CLI::App& app, int* exit_code);
void RegisterVerifyCommand(CLI::App& app, int* exit_code);
void RegisterWarehouseCommand(CLI::App& app, int* exit_code);
void RegisterReportCommand(CLI::App& app, int* exit_code);
void RegisterServeCommand(CLI::App& app, int* exit_code);
void RegisterMcpCommand(CLI::App& app, int* exit_code);
// `warehouse retention|export|publish|import-training`, added to the `warehouse` subcommand
// by RegisterWarehouseCommand.
void RegisterWarehouseAdminCommands(CLI::App* warehouse, int* exit_code);

}  // namespace inferbench::cli
