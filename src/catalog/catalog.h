// catalog/: reference data compiled into the binary. Start here.
//
//   ceilings.h       HardwareCeiling, ModelShape and their lookups in data/ceilings.yaml.
//   ceilings_yaml.h  parsing one such entry from YAML (for simulator profile files).
//
// Namespace: inferbench::catalog. Depends on core/ (yaml-cpp inside). Used by runner/ for
// sol_pct and by sim/ for its profiles, so neither depends on the other.
#pragma once

#include "catalog/ceilings.h"
