#include "report/report.h"

#include "report/audience.h"
#include "report/render.h"
#include "report/report_model.h"
#include "report/triage.h"

namespace inferbench::report {

Result<Audience> ParseAudience(std::string_view text) {
  if (text == "engineering") return Audience::kEngineering;
  if (text == "product") return Audience::kProduct;
  if (text == "partner") return Audience::kPartner;
  return Status::Error("unknown audience \"" + std::string(text) +
                       "\": use engineering, product or partner");
}

std::string_view AudienceName(Audience audience) {
  switch (audience) {
    case Audience::kEngineering:
      return "engineering";
    case Audience::kProduct:
      return "product";
    case Audience::kPartner:
      return "partner";
  }
  return "engineering";
}

Result<Format> ParseFormat(std::string_view text) {
  if (text == "text") return Format::kText;
  if (text == "md" || text == "markdown") return Format::kMarkdown;
  if (text == "json") return Format::kJson;
  if (text == "html") return Format::kHtml;
  return Status::Error("unknown report format \"" + std::string(text) +
                       "\": use text, md, json or html");
}

Result<std::string> RenderRunReport(warehouse::Database& db, const std::string& run_id,
                                    const ReportOptions& options) {
  LoadOptions load;
  load.vs_run_ids = options.vs_run_ids;
  load.evidence_root_override = options.evidence_root_override;
  auto model = LoadReportModel(db, run_id, load);
  if (!model.ok()) return model.status();
  const std::vector<Finding> findings = Triage(*model);
  const ReportDocument document = BuildDocument(*model, findings, options.audience);
  switch (options.format) {
    case Format::kText:
      return RenderText(document, options.text_width);
    case Format::kMarkdown:
      return RenderMarkdown(document);
    case Format::kJson:
      return RenderJson(*model, findings, document, options.audience).dump(2) + "\n";
    case Format::kHtml:
      return RenderHtml(*model, document, options);
  }
  return Status::Error("unknown report format");
}

}  // namespace inferbench::report
