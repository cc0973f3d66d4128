#include "cli/number_list.h"

#include <charconv>
#include <cmath>
#include <string>

namespace inferbench::cli {

Result<std::vector<double>> ParseNumberList(std::string_view text, bool integers) {
  std::vector<double> values;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string_view item = text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    double value = 0;
    auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), value);
    if (item.empty() || ec != std::errc() || end != item.data() + item.size() || !std::isfinite(value) ||
        value <= 0 || (integers && value != std::floor(value))) {
      return Result<std::vector<double>>::Error(
          "\"" + std::string(item) + "\" is not a " + (integers ? "whole number" : "number") +
          " greater than 0; write a comma-separated list like " + (integers ? "1,4,16" : "0.5,1,2"));
    }
    values.push_back(value);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return values;
}

}  // namespace inferbench::cli
