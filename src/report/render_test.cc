#include <fstream>
#include <sstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "report/render.h"
#include "report/report.h"
#include "report/report_template.h"
#include "report/report_test_fixture.h"

namespace inferbench::report {
namespace {

using ::testing::HasSubstr;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::string GoldenPath(const std::string& name) {
  return std::string(INFERBENCH_SOURCE_DIR) + "/src/report/testdata/" + name;
}

// Compares `actual` with the golden file; INFERBENCH_UPDATE_GOLDENS=1 rewrites it instead.
void ExpectGolden(const std::string& name, const std::string& actual) {
  const std::string path = GoldenPath(name);
  const char* update = std::getenv("INFERBENCH_UPDATE_GOLDENS");
  if (update && std::string(update) == "1") {
    std::ofstream(path, std::ios::binary) << actual;
    return;
  }
  const std::string expected = ReadFile(path);
  ASSERT_FALSE(expected.empty()) << path
                                 << " is missing: run with INFERBENCH_UPDATE_GOLDENS=1 to create it";
  EXPECT_EQ(actual, expected) << "differs from " << path
                              << " (INFERBENCH_UPDATE_GOLDENS=1 rewrites it after review)";
}

class RenderTest : public testing::ReportFixture {
 protected:
  std::string Render(Audience audience, Format format, std::vector<std::string> vs = {}) {
    ReportOptions options;
    options.audience = audience;
    options.format = format;
    options.vs_run_ids = std::move(vs);
    auto out = RenderRunReport(*db_, "run-a", options);
    EXPECT_TRUE(out.ok()) << out.status().message();
    return out.ok() ? *out : std::string();
  }
};

TEST_F(RenderTest, EngineeringTextMatchesItsGolden) {
  MakeRuns();
  ExpectGolden("report_engineering.txt", Render(Audience::kEngineering, Format::kText));
}

TEST_F(RenderTest, EngineeringMarkdownMatchesItsGolden) {
  MakeRuns();
  ExpectGolden("report_engineering.md", Render(Audience::kEngineering, Format::kMarkdown));
}

TEST_F(RenderTest, EngineeringJsonMatchesItsGolden) {
  MakeRuns();
  const std::string json = Render(Audience::kEngineering, Format::kJson);
  ExpectGolden("report_engineering.json", json);
  const nlohmann::json parsed = nlohmann::json::parse(json);
  EXPECT_EQ(parsed["schema"], "inferbench.report/v1");
  EXPECT_EQ(parsed["points"][1]["metrics"]["output_throughput_tok_s"]["n"], 3);
  EXPECT_EQ(parsed["findings"][0]["rule_id"], "client-bound");
}

TEST_F(RenderTest, ProductTextMatchesItsGolden) {
  MakeRuns();
  ExpectGolden("report_product.txt", Render(Audience::kProduct, Format::kText));
}

TEST_F(RenderTest, PartnerMarkdownMatchesItsGolden) {
  MakeRuns();
  ExpectGolden("report_partner.md", Render(Audience::kPartner, Format::kMarkdown));
}

TEST_F(RenderTest, VsTextMatchesItsGoldenWithWhatChangedOnTop) {
  MakeRuns(/*second=*/true);
  const std::string text = Render(Audience::kEngineering, Format::kText, {"run-b"});
  ExpectGolden("report_vs.txt", text);
  const size_t changed = text.find("What changed:");
  ASSERT_NE(changed, std::string::npos);
  EXPECT_LT(changed, text.find("Metrics per point"));
  EXPECT_THAT(text, HasSubstr("software: software.engine_version: 0.11.1 → 0.11.0"));
  EXPECT_THAT(text, HasSubstr("regressed"));
}

TEST_F(RenderTest, TextWrapsParagraphsToTheWidth) {
  MakeRuns();
  ReportOptions options;
  options.text_width = 60;
  auto out = RenderRunReport(*db_, "run-a", options);
  ASSERT_TRUE(out.ok());
  std::istringstream lines(*out);
  std::string line;
  bool in_table = false;
  while (std::getline(lines, line)) {
    if (line.rfind("  -", 0) == 0 || line.rfind("    ", 0) == 0 || line.empty()) continue;
    in_table = line.rfind("  ", 0) == 0;  // table rows and captions are indented
    if (in_table) continue;
    size_t columns = 0;
    for (unsigned char c : line) columns += (c & 0xC0) != 0x80 ? 1 : 0;
    const bool one_word = line.find(' ') == std::string::npos;
    if (!one_word) {
      EXPECT_LE(columns, 60u) << line;
    }
  }
}

TEST_F(RenderTest, HtmlIsOneSelfContainedDocumentWithEveryChart) {
  MakeRuns();
  const std::string html = Render(Audience::kEngineering, Format::kHtml);
  for (const std::string& id : EngineeringChartIds()) {
    EXPECT_THAT(html, HasSubstr("data-chart=\"" + id + "\"")) << id;
    EXPECT_THAT(html, HasSubstr("id=\"chart-" + id + "\"")) << id;
  }
  for (const char* title : {"Output throughput vs load", "TTFT p50 and p99 vs load",
                            "TPOT p50 and p99 vs load", "Pareto", "TTFT distribution (CDF)",
                            "Chunk-gap distribution (CDF)", "Per-request timeline",
                            "running and waiting requests", "KV-cache usage and prefix-cache hit rate"}) {
    EXPECT_THAT(html, HasSubstr(title)) << title;
  }
  auto count = [&html](const std::string& needle) {
    size_t n = 0;
    for (size_t at = html.find(needle); at != std::string::npos; at = html.find(needle, at + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count("<html"), 1u);
  EXPECT_EQ(count("</html>"), 1u);
  EXPECT_EQ(count("<script"), 0u);
  EXPECT_EQ(count("{{"), 0u) << "an unfilled template placeholder";
  // No external reference of any kind: every src/href/url() is an in-page fragment, no imports.
  std::string lower = html;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* attribute : {"src=\"", "href=\""}) {
    for (size_t at = lower.find(attribute); at != std::string::npos;
         at = lower.find(attribute, at + 1)) {
      const size_t value = at + std::string(attribute).size();
      EXPECT_EQ(lower[value], '#') << "external reference: " << lower.substr(at, 60);
    }
  }
  for (size_t at = lower.find("url("); at != std::string::npos; at = lower.find("url(", at + 1)) {
    EXPECT_EQ(lower[at + 4], '#') << "external url(): " << lower.substr(at, 60);  // in-page ids only
  }
  EXPECT_EQ(lower.find("@import"), std::string::npos);
  EXPECT_EQ(lower.find("@font-face"), std::string::npos);
  EXPECT_EQ(lower.find("src=//"), std::string::npos);
  EXPECT_THAT(html, HasSubstr("Next lever: "));
}

TEST_F(RenderTest, HtmlWithVsAddsTheComparisonChartAndDashboardLinks) {
  MakeRuns(/*second=*/true);
  ReportOptions options;
  options.format = Format::kHtml;
  options.vs_run_ids = {"run-b"};
  options.link_base = "/";
  auto html = RenderRunReport(*db_, "run-a", options);
  ASSERT_TRUE(html.ok()) << html.status().message();
  EXPECT_THAT(*html, HasSubstr("data-chart=\"compare-throughput\""));
  EXPECT_THAT(*html, HasSubstr("href=\"/runs/run-b\""));
  EXPECT_THAT(*html, HasSubstr("What changed:"));
}

TEST_F(RenderTest, EveryAudienceRendersInEveryFormat) {
  MakeRuns();
  auto model = LoadReportModel(*db_, "run-a", LoadOptions());  // once: loading is the slow part
  ASSERT_TRUE(model.ok()) << model.status().message();
  const std::vector<Finding> findings = Triage(*model);
  for (Audience a : {Audience::kEngineering, Audience::kProduct, Audience::kPartner}) {
    const ReportDocument d = BuildDocument(*model, findings, a);
    const nlohmann::json json = RenderJson(*model, findings, d, a);
    EXPECT_EQ(json["audience"], AudienceName(a));
    EXPECT_THAT(json["next_lever"]["lever"].get<std::string>(), HasSubstr("load generator"));
    for (const std::string& out : {RenderText(d, 100), RenderMarkdown(d),
                                   RenderHtml(*model, d, ReportOptions())}) {
      EXPECT_THAT(out, HasSubstr("Next lever: scale the load generator")) << AudienceName(a);
    }
  }
}

TEST_F(RenderTest, AnUnknownRunIsAnError) {
  MakeRuns();
  auto out = RenderRunReport(*db_, "nope", ReportOptions());
  ASSERT_FALSE(out.ok());
  EXPECT_THAT(out.status().message(), HasSubstr("nope"));
}

TEST(TemplateTest, TheGeneratedHeaderMatchesTheHtmlFile) {
  const std::string html =
      ReadFile(std::string(INFERBENCH_SOURCE_DIR) + "/src/report/report_template.html");
  ASSERT_FALSE(html.empty());
  EXPECT_EQ(std::string(kReportTemplate), html)
      << "src/report/report_template.h is stale: run scripts/gen_report_template";
  const std::string header =
      ReadFile(std::string(INFERBENCH_SOURCE_DIR) + "/src/report/report_template.h");
  EXPECT_THAT(header, HasSubstr("generated by scripts/gen_report_template from "
                                "report_template.html; do not edit"));
  for (const char* placeholder : {"{{title}}", "{{subtitle}}", "{{nav}}", "{{content}}"}) {
    EXPECT_THAT(html, HasSubstr(placeholder));
  }
}

TEST(ParseTest, FormatsAndAudiencesNameTheChoices) {
  EXPECT_EQ(*ParseFormat("md"), Format::kMarkdown);
  EXPECT_EQ(*ParseFormat("html"), Format::kHtml);
  auto bad = ParseFormat("pdf");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("text, md, json or html"));
  EXPECT_EQ(*ParseAudience("partner"), Audience::kPartner);
  auto bad_audience = ParseAudience("sales");
  ASSERT_FALSE(bad_audience.ok());
  EXPECT_THAT(bad_audience.status().message(), HasSubstr("engineering, product or partner"));
  EXPECT_EQ(AudienceName(Audience::kProduct), "product");
}

}  // namespace
}  // namespace inferbench::report
