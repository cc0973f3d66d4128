#include "core/home.h"

#include <cstdlib>

namespace inferbench {

std::string InferbenchHome() {
  const char* home = std::getenv("INFERBENCH_HOME");
  if (home != nullptr && *home != '\0') return home;
  return "./.inferbench";
}

std::string DefaultRunsDirectory() { return InferbenchHome() + "/runs"; }
std::string DefaultEvidenceRoot() { return InferbenchHome() + "/evidence"; }
std::string DefaultWarehousePath() { return InferbenchHome() + "/warehouse.duckdb"; }

}  // namespace inferbench
