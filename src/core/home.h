// Where inferbench keeps its state by default (DESIGN.md §7): $INFERBENCH_HOME when set and not
// empty, else ./.inferbench relative to the working directory. Every command that writes or reads
// runs (`run`, `runs`, `compare`, `lineage`, `verify`, `warehouse`, `gate --run`, …) uses these,
// so a run stored by one command is found by the others.
#pragma once

#include <string>

namespace inferbench {

std::string InferbenchHome();        // "$INFERBENCH_HOME" or "./.inferbench"
std::string DefaultRunsDirectory();  // <home>/runs
std::string DefaultEvidenceRoot();   // <home>/evidence
std::string DefaultWarehousePath();  // <home>/warehouse.duckdb

}  // namespace inferbench
