// ImportTraining: `inferbench warehouse import-training FILE` (DESIGN.md §7) puts training
// outcomes measured elsewhere into training_outcome_fact.
//
// File format, schema "inferbench.training/v1" (JSON; unknown keys are errors, to catch typos):
//   {"schema": "inferbench.training/v1",
//    "run_id": "20261126T010203Z-0a1b2c3d",        non-empty, [A-Za-z0-9._-], at most 128
//    "outcomes": [                                   at least one
//      {"phase": "pretrain",                         required, non-empty string
//       "scale_point": "64xH100",                    required, non-empty string
//       "gpu_count": 64,                             required, integer >= 1
//       "step_time_s": 1.92,                         > 0       (each metric below is optional:
//       "tokens_per_s": 412000,                      > 0        absent or null = not measured,
//       "time_to_train_s": 86400,                    > 0        but at least one must be given)
//       "mfu": 0.41,                                 0..1  model FLOPs utilisation
//       "scaling_efficiency": 0.93,                  0..1  vs. linear scaling from the base point
//       "reliability": 0.998},                       0..1  share of time training made progress
//      …]}
// (phase, scale_point) must be unique within the file.
//
// Errors name the file, the JSON path (outcomes[2].mfu) and the rule. The import is
// all-or-nothing in one transaction; rows with the same (run_id, phase, scale_point) are
// replaced. The run_id need not be a serving run of this warehouse.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace inferbench::warehouse {

class Database;

inline constexpr std::string_view kTrainingSchema = "inferbench.training/v1";

struct TrainingImportStats {
  std::string run_id;
  int64_t rows = 0;      // outcomes written
  int64_t replaced = 0;  // of which replaced an existing row
};

// REQUIRES: `db` is read-write.
Result<TrainingImportStats> ImportTraining(
    Database& db, const std::string& file,
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

}  // namespace inferbench::warehouse
