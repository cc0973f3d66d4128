// Durations as people write them in specs and flags ("500ms", "30s", "5m", "2.5s", "1h30m") and
// as inferbench prints them. DESIGN.md §9: durations are written 500ms, 30s, 5m.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace inferbench {

// Parses one or more <number><unit> groups, summed: "250us", "1.5s", "1m30s". Units: ns, us
// (also µs), ms, s, m, h. Numbers are unsigned decimals, optionally with a fraction; the result is
// exact to the nanosecond (finer parts are truncated). A bare "0" is accepted.
// Errors name the text and show the accepted forms; negative durations and values beyond
// ~292 years (int64 nanoseconds) are errors.
Result<int64_t> ParseDurationNs(std::string_view text);

// The shortest natural spelling that parses back to the same value: whole hours "2h", whole
// minutes "90m", otherwise the largest unit of s/ms/us/ns not above the value with an exact
// decimal fraction ("2.5s", "1.25ms", "750us", "12ns"); 0 is "0s"; negative values get a "-"
// (for display only: ParseDurationNs rejects them).
std::string FormatDurationNs(int64_t ns);

}  // namespace inferbench
