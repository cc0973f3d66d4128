#include "gate/gate_table.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <set>
#include <string_view>
#include <vector>

#include "gate/gate_numbers.h"

namespace inferbench::gate {
namespace {

constexpr size_t kColumns = 6;
using Row = std::array<std::string, kColumns>;

std::string_view StatusWord(std::string_view status) {
  if (status == "passed") return "PASS";
  if (status == "failed") return "FAIL";
  if (status == "skipped") return "SKIP";
  return "ERROR";
}

// The name without its " @ point" suffix: the point has a column of its own.
std::string ConstraintColumn(const results::GateOutcome& o) {
  const size_t at = o.name.rfind(" @ ");
  return at == std::string::npos ? o.name : o.name.substr(0, at);
}

std::string MeasuredColumn(const results::GateOutcome& o) {
  if (!std::isfinite(o.measured)) return "-";
  std::string text = FormatMeasured(o.measured);
  if (std::isfinite(o.ci_low) && std::isfinite(o.ci_high)) {
    text += fmt::format(" [{}, {}]", FormatMeasured(o.ci_low), FormatMeasured(o.ci_high));
  }
  return text + fmt::format(" n={}", o.n);
}

std::string ThresholdColumn(const results::GateOutcome& o) {
  if (o.op == ">=") return ">= " + FormatThreshold(o.value * (1 - o.tolerance));
  if (o.op == "<=") return "<= " + FormatThreshold(o.value * (1 + o.tolerance));
  return "-";
}

}  // namespace

std::string FormatGateTable(const GateReport& report) {
  std::string out;
  if (!report.outcomes.empty()) {
    std::vector<Row> rows;
    rows.push_back({"STATUS", "CONSTRAINT", "POINT", "MEASURED [CI] n", "THRESHOLD", "TIER"});
    for (const results::GateOutcome& o : report.outcomes) {
      rows.push_back({std::string(StatusWord(o.status)), ConstraintColumn(o),
                      o.point.empty() ? "-" : o.point, MeasuredColumn(o), ThresholdColumn(o),
                      o.tier.empty() ? "-" : o.tier});
    }
    std::array<size_t, kColumns> width{};
    for (const Row& row : rows) {
      for (size_t i = 0; i < kColumns; ++i) width[i] = std::max(width[i], row[i].size());
    }
    for (const Row& row : rows) {
      std::string line;
      for (size_t i = 0; i < kColumns; ++i) {
        line += row[i];
        if (i + 1 < kColumns) line += std::string(width[i] - row[i].size() + 2, ' ');
      }
      while (!line.empty() && line.back() == ' ') line.pop_back();
      out += line + "\n";
    }

    // Why each failed or erroneous row came out as it did (skips are among the warnings), and
    // why DRAFT points are DRAFT.
    std::string details;
    for (const results::GateOutcome& o : report.outcomes) {
      if (o.status == "passed" || o.status == "skipped") continue;
      details += fmt::format("  {} {}: {}\n", StatusWord(o.status), o.name, o.message);
    }
    if (!details.empty()) out += "\n" + details;
    std::set<std::string> seen;
    std::string drafts;
    for (const results::GateOutcome& o : report.outcomes) {
      if (o.draft_reasons.empty() || !seen.insert(o.point).second) continue;
      drafts += fmt::format("  {} {}: {}\n", o.tier.empty() ? "DRAFT" : o.tier, o.point,
                            fmt::join(o.draft_reasons, "; "));
    }
    if (!drafts.empty()) out += "\n" + drafts;
  }
  if (!report.warnings.empty()) {
    out += "\n";
    for (const std::string& w : report.warnings) out += "warning: " + w + "\n";
  }
  std::string verdict = report.status;
  std::transform(verdict.begin(), verdict.end(), verdict.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (!out.empty()) out += "\n";
  out += fmt::format("gate: {} ({})\n", verdict, report.message);
  return out;
}

}  // namespace inferbench::gate
