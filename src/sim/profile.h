// Simulator profiles (DESIGN.md §8): what `inferbench sim --profile NAME|FILE` models.
//   instant  no modelled latency (measures the client)
//   fixed    exact TTFT and inter-token time regardless of load (measures measurement accuracy)
//   model    a GPU group serving a model, from the checked-in table data/ceilings.yaml
//            (hardware ceilings and model shapes via catalog/, named profiles here), compiled
//            into the binary.
// Command-line overrides (--max-num-seqs, --kv-blocks, --time-scale, --ttft-ms …) are applied by
// the caller to the returned SimProfile's fields.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "catalog/ceilings.h"
#include "core/status.h"
#include "sim/engine_params.h"

namespace inferbench::sim {

inline constexpr std::string_view kDefaultProfileName = "h100-llama3-8b";

enum class ProfileKind { kInstant, kFixed, kModel };

struct SimProfile {
  std::string name;
  ProfileKind kind = ProfileKind::kModel;
  EngineParams engine;
  int64_t fixed_ttft_ns = 0;  // kFixed: time from request arrival to the first token
  int64_t fixed_itl_ns = 0;   // kFixed: time between later tokens
  std::string hardware;       // table key (or the description of an inline entry); "" if none
  std::string model;

  // Everything that shapes the simulated timings, for GET /version "params" (the runner records
  // it as the target's serving configuration).
  nlohmann::json ToJson() const;
};

// The ceilings table lives in catalog/ (the runner reads it too, for sol_pct).
using catalog::CeilingsYaml;
using catalog::HardwareCeiling;
using catalog::LookupHardware;
using catalog::LookupModel;
using catalog::ModelShape;

// Built-in names first ("instant", "fixed"), then every `profiles:` entry in table order.
std::vector<std::string> BuiltinProfileNames();

// A built-in profile by name, else a YAML file at that path (the fields of one `profiles:` entry;
// see data/ceilings.yaml). Errors name the file or table entry and the offending key, and list
// the built-in profiles when the name is neither.
Result<SimProfile> LoadProfile(std::string_view name_or_path);

// KV-cache capacity in blocks, as vLLM sizes it: the memory share left after the weights,
//   floor((hbm_bytes·tp·gpu_memory_utilization − weight_bytes) / (kv_bytes_per_token·block_size)).
// Zero or negative when the weights do not fit.
int64_t KvBlocksFor(const HardwareCeiling& hardware, const ModelShape& model, int tp,
                    double gpu_memory_utilization, int block_size);

}  // namespace inferbench::sim
