#include "cli/store_flags.h"

#include <filesystem>

#include <CLI/CLI.hpp>

#include "core/home.h"

namespace inferbench::cli {

std::string StoreFlags::WarehousePath() const {
  return warehouse.empty() ? DefaultWarehousePath() : warehouse;
}

std::string StoreFlags::EvidenceRoot() const {
  return evidence.empty() ? DefaultEvidenceRoot() : evidence;
}

void AddStoreFlags(CLI::App* command, StoreFlags* flags) {
  command->add_option("--warehouse", flags->warehouse,
                      "Warehouse file (default $INFERBENCH_HOME/warehouse.duckdb, else "
                      "./.inferbench/warehouse.duckdb)");
  command->add_option("--evidence", flags->evidence,
                      "Evidence store (default $INFERBENCH_HOME/evidence, else ./.inferbench/evidence)");
}

Result<std::unique_ptr<warehouse::Database>> OpenWarehouseReader(const StoreFlags& flags) {
  const std::string path = flags.WarehousePath();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return Status::Error("no warehouse at " + path +
                         ": no run has been stored yet (`inferbench run SPEC` stores one; "
                         "`inferbench warehouse ingest RUN_DIR` adds an existing run directory), "
                         "or pass --warehouse FILE / set INFERBENCH_HOME");
  }
  warehouse::OpenOptions options;
  options.mode = warehouse::AccessMode::kReadOnly;
  return warehouse::Database::Open(path, options);
}

Result<std::unique_ptr<warehouse::Database>> OpenWarehouseWriter(const StoreFlags& flags,
                                                                  int64_t wait_ns) {
  warehouse::OpenOptions options;
  options.mode = warehouse::AccessMode::kReadWrite;
  options.create = true;
  options.lock_wait_ns = wait_ns;
  return warehouse::Database::Open(flags.WarehousePath(), options);
}

}  // namespace inferbench::cli
