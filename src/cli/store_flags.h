// The flags every command that reads or writes stored runs shares: `--warehouse FILE` and
// `--evidence DIR`, defaulting to $INFERBENCH_HOME (or ./.inferbench) as core/home.h says.
#pragma once

#include <memory>
#include <string>

#include "core/status.h"
#include "warehouse/database.h"

namespace CLI {
class App;
}

namespace inferbench::cli {

struct StoreFlags {
  std::string warehouse;  // "" = DefaultWarehousePath()
  std::string evidence;   // "" = DefaultEvidenceRoot()

  std::string WarehousePath() const;
  std::string EvidenceRoot() const;
};

void AddStoreFlags(CLI::App* command, StoreFlags* flags);

// A short read-only connection (retries briefly while a writer holds the file). A missing file
// is an error that says no run has been stored yet and how to store one.
Result<std::unique_ptr<warehouse::Database>> OpenWarehouseReader(const StoreFlags& flags);
// A read-write connection (creates the file and migrates the schema), waiting up to `wait_ns`.
Result<std::unique_ptr<warehouse::Database>> OpenWarehouseWriter(const StoreFlags& flags,
                                                                  int64_t wait_ns = 10'000'000'000);

}  // namespace inferbench::cli
