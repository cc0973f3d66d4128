// (internal) How the gate spells numbers in names, messages and the console table, so the three
// agree: thresholds as the user wrote them, measurements with a precision that suits their size.
#pragma once

#include <string>

namespace inferbench::gate {

// A declared number (value, threshold): shortest round-trip form, "5000", "0.25", "1e+20".
std::string FormatDeclared(double value);
// A threshold derived from a declared number (value × (1 ± tol)): ten significant digits, so
// binary noise does not show ("0.805", not "0.8049999999999999").
std::string FormatThreshold(double value);
// A measured number: one decimal from 100 up, two from 1, three significant digits below;
// "-" when not finite.
std::string FormatMeasured(double value);
// A fraction as a percentage: 0.1 → "10%", 0.025 → "2.5%", 0.95 → "95%".
std::string FormatPercent(double fraction);

}  // namespace inferbench::gate
