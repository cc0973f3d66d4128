#include "gate/gate_numbers.h"

#include <fmt/format.h>

#include <cmath>

namespace inferbench::gate {

std::string FormatDeclared(double value) {
  if (!std::isfinite(value)) return "-";
  return fmt::format("{}", value);
}

std::string FormatThreshold(double value) {
  if (!std::isfinite(value)) return "-";
  return fmt::format("{:.10g}", value);
}

std::string FormatMeasured(double value) {
  if (!std::isfinite(value)) return "-";
  const double magnitude = std::fabs(value);
  if (magnitude >= 100) return fmt::format("{:.1f}", value);
  if (magnitude >= 1) return fmt::format("{:.2f}", value);
  if (value == 0) return "0";
  return fmt::format("{:.3g}", value);
}

std::string FormatPercent(double fraction) {
  if (!std::isfinite(fraction)) return "-";
  // 4 significant digits hide the binary noise of e.g. 0.07 × 100 = 7.000000000000001.
  return fmt::format("{:.4g}%", fraction * 100);
}

}  // namespace inferbench::gate
