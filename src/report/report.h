// report/: what a stored run means, rendered for the audience that reads it (issue 7, DESIGN.md
// §2.3: no bare numbers). Start here.
//
//   ReportModel (report_model.h)  everything a report shows, loaded from the warehouse (and the
//                                 run's evidence for token times): context, points, metrics
//                                 with CI and n, telemetry, %SoL, cost, tier, comparisons
//   triage.h                      rule findings with the evidence that triggered them
//   audience.h                    engineering / product / partner views and the next lever
//   render_*.cc                   text, Markdown, JSON (inferbench.report/v1), HTML + SVG
//   svg_chart.h                   our chart module
//
// Readers open short read-only warehouse connections (DESIGN.md §7); nothing here writes.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace inferbench::warehouse {
class Database;
}

namespace inferbench::report {

enum class Audience { kEngineering, kProduct, kPartner };
enum class Format { kText, kMarkdown, kJson, kHtml };

// "engineering" | "product" | "partner"; the error lists them.
Result<Audience> ParseAudience(std::string_view text);
std::string_view AudienceName(Audience audience);
// "text" | "md" | "json" | "html"; the error lists them.
Result<Format> ParseFormat(std::string_view text);

struct ReportOptions {
  Audience audience = Audience::kEngineering;
  Format format = Format::kText;
  // Runs to compare against (exact run ids): a side-by-side report built on compare's verdicts,
  // the first one being the baseline.
  std::vector<std::string> vs_run_ids;
  // Where the run's evidence lives when the warehouse's evidence_uri is not reachable ("" = the
  // recorded one); used for token times (chunk-gap CDF).
  std::string evidence_root_override;
  // HTML served by `inferbench serve`: links between dashboard pages are emitted ("" = none,
  // the standalone file). E.g. "/" makes run ids link to "/runs/<id>".
  std::string link_base;
  // Text format: paragraphs are wrapped to this many columns (tables are never cut).
  int text_width = 100;
};

inline constexpr std::string_view kReportSchema = "inferbench.report/v1";

// The whole report of one stored run (exact run id, resolved by the caller), in the requested
// format. HTML is one self-contained document.
Result<std::string> RenderRunReport(warehouse::Database& db, const std::string& run_id,
                                    const ReportOptions& options);

}  // namespace inferbench::report
