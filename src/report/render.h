// Internal to report/: the renderers behind RenderRunReport (report.cc). Each takes the loaded
// model, the triage findings and the audience document; none touches the warehouse.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "report/audience.h"
#include "report/report.h"
#include "report/report_model.h"
#include "report/triage.h"

namespace inferbench::report {

// Plain text: headings underlined, paragraphs wrapped to `width`, aligned tables.
std::string RenderText(const ReportDocument& document, int width);
// GitHub-flavoured Markdown (pipe tables, fenced code).
std::string RenderMarkdown(const ReportDocument& document);
// Schema inferbench.report/v1 (docs: .helpers/docs-report.md); keys sorted, so output is stable.
nlohmann::json RenderJson(const ReportModel& model, const std::vector<Finding>& findings,
                          const ReportDocument& document, Audience audience);
// One self-contained HTML document: report_template.html with inline CSS and SVG charts.
std::string RenderHtml(const ReportModel& model, const ReportDocument& document,
                       const ReportOptions& options);

struct ChartEntry {
  std::string id;
  std::string title;
  std::string svg;
};
// Every chart of the model, in document order (each has an id and a title even without data).
std::vector<ChartEntry> BuildCharts(const ReportModel& model);
// The chart ids of a full engineering HTML report (comparison chart only with --vs).
const std::vector<std::string>& EngineeringChartIds();

}  // namespace inferbench::report
