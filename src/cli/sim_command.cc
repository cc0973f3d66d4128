// `inferbench sim`: the built-in vLLM-like simulator (DESIGN.md §8).
#include <CLI/CLI.hpp>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "core/duration.h"
#include "sim/faults.h"
#include "sim/profile.h"
#include "sim/sim_server.h"

namespace inferbench::cli {
namespace {

struct SimFlags {
  int port = 0;
  std::string host = "127.0.0.1";
  std::string served_model_name = "sim";
  std::string profile = "h100-llama3-8b";
  double ttft_ms = -1;
  double itl_ms = -1;
  double time_scale = 1.0;
  std::string startup_delay = "0s";
  std::vector<std::string> faults;
  uint64_t seed = 0;
  std::string trace_file;
  int max_num_seqs = -1;
  int max_num_batched_tokens = -1;
  int kv_blocks = -1;
  int max_waiting = -1;
  int max_model_len = -1;
};

int Fail(const std::string& message) {
  std::fprintf(stderr, "inferbench sim: %s\n", message.c_str());
  return kExitError;
}

int RunSim(const SimFlags& f) {
  auto profile = sim::LoadProfile(f.profile);
  if (!profile.ok()) return Fail(profile.status().message());
  sim::SimOptions options;
  options.profile = std::move(profile.value());
  sim::EngineParams& engine = options.profile.engine;

  if (f.ttft_ms >= 0 || f.itl_ms >= 0) {
    if (options.profile.kind != sim::ProfileKind::kFixed) {
      return Fail("--ttft-ms and --itl-ms need --profile fixed (they set its exact latencies)");
    }
  }
  if (options.profile.kind == sim::ProfileKind::kFixed) {
    if (f.ttft_ms >= 0) options.profile.fixed_ttft_ns = std::llround(f.ttft_ms * 1e6);
    if (f.itl_ms >= 0) options.profile.fixed_itl_ns = std::llround(f.itl_ms * 1e6);
  }
  if (!(f.time_scale > 0)) return Fail("--time-scale must be a positive number, e.g. 0.1");
  engine.time_scale = f.time_scale;
  if (options.profile.kind == sim::ProfileKind::kFixed) {
    options.profile.fixed_ttft_ns = std::llround(options.profile.fixed_ttft_ns * f.time_scale);
    options.profile.fixed_itl_ns = std::llround(options.profile.fixed_itl_ns * f.time_scale);
  }
  if (f.max_num_seqs >= 0) engine.max_num_seqs = f.max_num_seqs;
  if (f.max_num_batched_tokens >= 0) engine.max_num_batched_tokens = f.max_num_batched_tokens;
  if (f.kv_blocks >= 0) engine.kv_blocks = f.kv_blocks;
  if (f.max_waiting >= 0) engine.max_waiting = f.max_waiting;
  if (f.max_model_len >= 0) engine.max_model_len = f.max_model_len;

  auto delay = ParseDurationNs(f.startup_delay);
  if (!delay.ok()) return Fail("--startup-delay: " + delay.status().message());
  options.startup_delay_ns = delay.value();
  for (const std::string& text : f.faults) {
    auto fault = sim::ParseFaultSpec(text);
    if (!fault.ok()) return Fail("--fault: " + fault.status().message());
    options.faults.push_back(fault.value());
  }
  if (f.port < 0 || f.port > 65535) return Fail("--port must be 0..65535 (0 picks a free port)");
  options.port = static_cast<uint16_t>(f.port);
  options.bind_address = f.host;
  options.served_model_name = f.served_model_name;
  options.seed = f.seed;
  options.trace_file = f.trace_file;
  options.version = INFERBENCH_VERSION;
  return sim::RunSimulator(std::move(options));
}

}  // namespace

void RegisterSimCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<SimFlags>();
  CLI::App* cmd = app.add_subcommand("sim", "Run the built-in vLLM-like OpenAI-compatible simulator");
  cmd->add_option("--port", flags->port, "TCP port; 0 picks a free one (printed on the first stdout line)");
  cmd->add_option("--host", flags->host, "Address to bind")->capture_default_str();
  cmd->add_option("--served-model-name", flags->served_model_name, "Model name the server answers to")
      ->capture_default_str();
  cmd->add_option("--profile", flags->profile,
                  "instant | fixed | a built-in hardware/model profile | a YAML file")
      ->capture_default_str();
  cmd->add_option("--ttft-ms", flags->ttft_ms, "fixed profile: exact time to first token (ms)");
  cmd->add_option("--itl-ms", flags->itl_ms, "fixed profile: exact inter-token time (ms)");
  cmd->add_option("--time-scale", flags->time_scale, "Multiply every modelled duration (0.1 = 10x faster)")
      ->capture_default_str();
  cmd->add_option("--startup-delay", flags->startup_delay,
                  "Cold start: completions wait this long (e.g. 5s); /health answers at once")
      ->capture_default_str();
  cmd->add_option("--fault", flags->faults,
                  "Inject faults (repeatable): error:STATUS:RATE, abort:RATE, stall:MS:RATE, "
                  "malformed:RATE, drip:RATE");
  cmd->add_option("--seed", flags->seed, "Seed for fault draws")->capture_default_str();
  cmd->add_option("--trace-file", flags->trace_file, "Write per-request ground-truth times (JSONL)");
  cmd->add_option("--max-num-seqs", flags->max_num_seqs, "Override the profile's max_num_seqs");
  cmd->add_option("--max-num-batched-tokens", flags->max_num_batched_tokens,
                  "Override the profile's max_num_batched_tokens");
  cmd->add_option("--kv-blocks", flags->kv_blocks, "Override the KV cache capacity (16-token blocks)");
  cmd->add_option("--max-waiting", flags->max_waiting, "Waiting-queue bound; beyond it requests get 429");
  cmd->add_option("--max-model-len", flags->max_model_len, "Override the context length limit");
  cmd->callback([flags, exit_code] { *exit_code = RunSim(*flags); });
}

}  // namespace inferbench::cli
