// The checked-in table of hardware ceilings and model shapes (data/ceilings.yaml, DESIGN.md §8),
// compiled into the binary. The simulator builds its profiles from it and the runner computes
// sol_pct from it, so peaks are referenced by key and never written into code.
//
// The table is parsed once, on first use; every function is safe to call from any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace inferbench::catalog {

// One GPU's published ceilings (an entry of `hardware:`). SI units.
struct HardwareCeiling {
  std::string key;  // "" for an inline entry of a simulator profile file
  std::string description;
  double peak_bf16_dense_flops = 0;
  double hbm_bw_bytes_s = 0;
  double hbm_bytes = 0;
};

// A model's shape (an entry of `models:`).
struct ModelShape {
  std::string key;
  std::string description;
  double params = 0;              // P: 2·P FLOPs per token
  double weight_bytes = 0;        // all weights, before tensor-parallel sharding
  double kv_bytes_per_token = 0;  // whole model (all layers, K and V)
  int max_model_len = 0;
};

// How errors name the embedded table.
inline constexpr std::string_view kCeilingsTableName = "data/ceilings.yaml (built in)";

// The entry whose key matches `key` ignoring case, with ' ' and '_' read as '-' (so
// "H100-SXM", "h100_sxm" and "H100 SXM" all find h100-sxm). The error lists the known keys.
Result<HardwareCeiling> LookupHardware(std::string_view key);
Result<ModelShape> LookupModel(std::string_view key);

// The table's keys in table order (empty if the embedded table is malformed, which its tests
// rule out).
std::vector<std::string> HardwareKeys();
std::vector<std::string> ModelKeys();

// The embedded text of data/ceilings.yaml (the simulator reads its `profiles:` from it).
std::string_view CeilingsYaml();

}  // namespace inferbench::catalog
