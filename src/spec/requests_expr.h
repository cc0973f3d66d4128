// requestsPerLevel: how many measured requests one point sends, as an expression of its load
// level x (DESIGN.md §5):
//
//   expr := NUMBER | NUMBER "x" | "x" | ("max" | "min") "(" expr ("," expr)+ ")"
//
// e.g. "64", "4x", "0.5x", "max(64, 4x)", "min(1000, max(64, 8x))". Spaces are allowed between
// tokens. The value is computed in double precision and rounded up to a whole request (a rate
// level of 2.5 with "4x" gives 10; "x" gives 3).
#pragma once

#include <cstdint>
#include <string_view>

#include "core/status.h"

namespace inferbench::spec {

// Checks the syntax only; the error names the expression, the position and the accepted forms.
Status CheckRequestsPerLevel(std::string_view expr);

// The request count at `level`. Errors: bad syntax (as above), or a result below 1 or above
// 10^12 (the message names the expression and the level).
Result<int64_t> EvaluateRequestsPerLevel(std::string_view expr, double level);

}  // namespace inferbench::spec
