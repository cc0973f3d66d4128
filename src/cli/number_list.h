// Comma-separated numeric lists of the command line ("1,4,16,64", "0.5,1,2").
#pragma once

#include <string_view>
#include <vector>

#include "core/status.h"

namespace inferbench::cli {

// Every item a finite number > 0 (a whole number when `integers`); the error names the item.
Result<std::vector<double>> ParseNumberList(std::string_view text, bool integers);

}  // namespace inferbench::cli
