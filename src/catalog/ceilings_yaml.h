// Parsing one hardware or model entry from YAML: the table's own entries, and the inline
// `hardware:` / `model:` mappings a simulator profile file may give instead of a key. Separate
// from ceilings.h so only callers that already use yaml-cpp see it.
#pragma once

#include <string>

#include <yaml-cpp/yaml.h>

#include "catalog/ceilings.h"
#include "core/status.h"

namespace inferbench::catalog {

// Fields as in data/ceilings.yaml; unknown keys, missing required keys, wrong types and values
// that are not > 0 are errors that start with `where` and name the key.
Result<HardwareCeiling> ParseHardwareEntry(const YAML::Node& node, std::string key,
                                           const std::string& where);
Result<ModelShape> ParseModelEntry(const YAML::Node& node, std::string key,
                                   const std::string& where);

}  // namespace inferbench::catalog
