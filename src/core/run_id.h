// Run ids: the stable key of a run in the evidence store and the warehouse (DESIGN.md §7).
//
// Format "YYYYMMDDTHHMMSSZ-xxxxxxxx": the UTC start time to the second, then 8 lower-case hex
// digits of randomness. Ids sort by start time as plain strings and stay unique when several
// runs start in the same second (2^32 suffixes). Uniqueness, not reproducibility, is the goal,
// so the suffix comes from the operating system's entropy, not from a run's seeds.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace inferbench {

// A fresh id for a run starting now. Thread-safe.
std::string NewRunId();

// The id for a given wall-clock time (ns since the Unix epoch) and suffix. Deterministic; tests
// and imports of old runs use it.
std::string FormatRunId(int64_t system_ns, uint32_t suffix);

// True when text has the run id format (digits and separators in place, hex suffix).
bool IsRunId(std::string_view text);

// The first hex_chars (1..64) characters of the SHA-256 of bytes: a short content tag for
// display and file names where a full digest is too long (never for integrity checks).
std::string ShortHash(std::string_view bytes, size_t hex_chars = 12);

}  // namespace inferbench
