// Audience views (reference/seeds/performance_warehouse.txt: the same evidence rendered for each
// reader): a format-neutral ReportDocument of sections, each a list of blocks (paragraphs,
// bullets, tables, charts by id, commands) that render_text/render_html turn into text,
// Markdown or HTML.
//
//   engineering  context, metrics per point with CI and n, distributions, telemetry, triage,
//                the minimal repro command and the proposed experiment
//   product      impact on latency/throughput/cost in plain words, confidence, expected user
//                impact, next step
//   partner      what is ours (client/harness, workload) vs upstream (engine) or deployment,
//                the minimal repro, the smallest actionable change
//
// Every view ends with the next lever (NextLever: a deterministic table keyed by the most
// severe finding, else by %SoL), its expected unlock and the check that would prove it.
#pragma once

#include <string>
#include <vector>

#include "report/report.h"
#include "report/report_model.h"
#include "report/triage.h"

namespace inferbench::report {

struct TextTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::vector<bool> right_aligned;  // per column (numbers); missing = left
};

struct Block {
  enum class Kind { kParagraph, kBullets, kTable, kChart, kCode };
  Kind kind = Kind::kParagraph;
  std::string text;                // paragraph; chart id; code
  std::vector<std::string> items;  // bullets
  TextTable table;
  std::string caption;  // tables: the line under it (footnotes)
};

struct Section {
  std::string id;  // stable anchor, e.g. "metrics"
  std::string heading;
  std::vector<Block> blocks;
};

struct NextLever {
  std::string rule_id;  // the finding it comes from, "" = none (from %SoL)
  std::string lever;
  std::string expected_unlock;
  std::string check;
};

struct ReportDocument {
  std::string title;
  std::string subtitle;
  std::vector<Section> sections;
  NextLever next_lever;
};

NextLever ChooseNextLever(const ReportModel& model, const std::vector<Finding>& findings);

ReportDocument BuildDocument(const ReportModel& model, const std::vector<Finding>& findings,
                             Audience audience);

// Shared number formatting (deterministic): about four significant digits, "–" for NaN.
std::string FormatNumber(double value);
// "1547 tok/s (95% CI 1508–1587, n=3)", "10.45 ms (n=1, no CI)", with " low_n" when flagged.
std::string FormatEstimate(const Estimate& estimate, std::string_view unit);
// "1547 [1508, 1587]" (table cell; "*" appended when low_n).
std::string FormatEstimateCell(const Estimate* estimate);

}  // namespace inferbench::report
