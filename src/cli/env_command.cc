// `inferbench env`: print the environment a run on this machine would record (DESIGN.md §2.3,
// §7): host, GPUs via nvidia-smi, harness version and build. The engine and image sections stay
// "unknown" here; `inferbench run` fills them from the target's /version and the spec.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "evidence/environment.h"

namespace inferbench::cli {
namespace {

struct EnvFlags {
  bool json = false;
  std::string nvidia_smi = "nvidia-smi";
};

int RunEnvCommand(const EnvFlags& f) {
  evidence::EnvironmentInputs inputs;
  inputs.harness_version = INFERBENCH_VERSION;
  inputs.build_id = evidence::DescribeBuild();
  inputs.nvidia_smi = f.nvidia_smi;
  evidence::Environment env = evidence::CaptureEnvironment(inputs);
  if (f.json) {
    std::printf("%s\n", env.ToJson().dump(2).c_str());
  } else {
    std::fputs(evidence::FormatEnvironment(env).c_str(), stdout);
  }
  return kExitOk;
}

}  // namespace

void RegisterEnvCommand(CLI::App& app, int* exit_code) {
  auto f = std::make_shared<EnvFlags>();
  CLI::App* cmd = app.add_subcommand("env", "Print this machine's environment as a run records it");
  cmd->add_flag("--json", f->json, "Print the inferbench.environment/v1 document instead of text");
  cmd->add_option("--nvidia-smi", f->nvidia_smi, "nvidia-smi to run (a name on PATH or a path)")
      ->capture_default_str();
  cmd->callback([f, exit_code] { *exit_code = RunEnvCommand(*f); });
}

}  // namespace inferbench::cli
