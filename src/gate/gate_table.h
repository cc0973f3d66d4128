// The gate's console table: one row per outcome with its status, the constraint, the point, the
// measured mean with its CI and n, the threshold after tolerance and the point's tier; then the
// DRAFT reasons of the points involved, the warnings and a one-line verdict. Plain ASCII so the
// columns line up in any terminal and in CI logs.
#pragma once

#include <string>

#include "gate/evaluate.h"

namespace inferbench::gate {

// Ends with a newline. A report without outcomes prints just the verdict line.
std::string FormatGateTable(const GateReport& report);

}  // namespace inferbench::gate
