// `inferbench tools benchmark-contracts [--json]`: print the BenchmarkRun contract — every key
// with its type, default and allowed values, and the mode rules — from the same table the parser
// and validator use (spec/contract.h).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "spec/contract.h"

namespace inferbench::cli {

void RegisterToolsCommand(CLI::App& app, int* exit_code) {
  CLI::App* cmd = app.add_subcommand("tools", "Reference tools");
  cmd->require_subcommand(1);
  auto json = std::make_shared<bool>(false);
  CLI::App* contracts = cmd->add_subcommand(
      "benchmark-contracts", "Print the BenchmarkRun contract: keys, types, defaults, rules");
  contracts->add_flag("--json", *json, "Print the contract as JSON");
  contracts->callback([json, exit_code] {
    if (*json) {
      std::printf("%s\n", spec::ContractJson().dump(2).c_str());
    } else {
      std::fputs(spec::FormatContractText().c_str(), stdout);
    }
    *exit_code = kExitOk;
  });
}

}  // namespace inferbench::cli
