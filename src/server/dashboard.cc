#include "server/dashboard.h"

#include <charconv>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "report/report.h"
#include "warehouse/database.h"
#include "warehouse/runs.h"

namespace inferbench::server {
namespace {

using nlohmann::json;

constexpr std::string_view kStyle = R"css(
:root { color-scheme: light; --fg: #1d2430; --muted: #5b6472; --line: #d8dde5; --bg: #ffffff;
        --head: #f3f5f8; --link: #0b57b0; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif;
       color: var(--fg); background: var(--bg); }
header { padding: 16px 28px; border-bottom: 1px solid var(--line); background: var(--head); }
header h1 { margin: 0; font-size: 20px; }
header p { margin: 4px 0 0; color: var(--muted); }
main { padding: 20px 28px 40px; max-width: 1200px; }
a { color: var(--link); }
table { border-collapse: collapse; width: 100%; margin: 12px 0 24px; }
caption { text-align: left; font-weight: 600; padding: 0 0 6px; }
th, td { border-bottom: 1px solid var(--line); padding: 6px 10px; text-align: left;
         vertical-align: top; }
th { background: var(--head); font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
code, .id { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 13px; }
.badge { display: inline-block; padding: 0 6px; border-radius: 4px; border: 1px solid; }
.ok { color: #17663a; border-color: #17663a; }
.partial { color: #8a5a00; border-color: #8a5a00; }
.failed { color: #a1261b; border-color: #a1261b; }
.verdict { font-weight: 600; }
.draft { font-style: italic; }
form { display: flex; gap: 12px; align-items: end; flex-wrap: wrap; padding: 12px;
       border: 1px solid var(--line); border-radius: 6px; background: var(--head); }
label { display: flex; flex-direction: column; font-size: 13px; color: var(--muted); }
select, button { font: inherit; padding: 4px 8px; }
.empty { padding: 16px; border: 1px dashed var(--line); border-radius: 6px; }
footer { color: var(--muted); font-size: 13px; }
)css";

std::string Page(std::string_view title, std::string_view subtitle, std::string_view content) {
  return fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>{}</title>\n<style>{}</style>\n</head>\n<body>\n<header><h1>{}</h1><p>{}</p>"
      "</header>\n<main>\n{}\n</main>\n</body>\n</html>\n",
      EscapeHtml(title), kStyle, EscapeHtml(title), subtitle, content);
}

std::string Text(const json& value) {
  if (value.is_null()) return "–";
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean()) return value.get<bool>() ? "yes" : "no";
  return value.dump();
}

std::string Cell(const json& row, const char* key) {
  auto it = row.find(key);
  return EscapeHtml(it == row.end() ? "–" : Text(*it));
}

std::string StatusBadge(const json& row) {
  const std::string status = Text(row.value("status", json()));
  const char* css = status == "ok" ? "ok" : status == "partial" ? "partial" : "failed";
  return fmt::format("<span class=\"badge {}\">{}</span>", css, EscapeHtml(status));
}

std::string TierCell(const json& row) {
  const std::string tier = Text(row.value("tier", json()));
  return fmt::format("<span class=\"{}\">{}</span>", tier == "VERDICT" ? "verdict" : "draft",
                     EscapeHtml(tier));
}

// "/runs/<id>" with the id percent-encoded (ids are [A-Za-z0-9_-] in practice).
std::string RunHref(const std::string& run_id) {
  std::string out = "/runs/";
  for (unsigned char c : run_id) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '-' || c == '_' || c == '.';
    if (plain) {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

std::string CompareForm(const json& runs) {
  if (runs.size() < 2) return "";
  auto options = [&](size_t selected) {
    std::string out;
    for (size_t i = 0; i < runs.size(); ++i) {
      const std::string id = Text(runs[i].value("run_id", json()));
      out += fmt::format("<option value=\"{}\"{}>{} — {}</option>", EscapeHtml(id),
                         i == selected ? " selected" : "", EscapeHtml(id), Cell(runs[i], "name"));
    }
    return out;
  };
  // Newest first: the baseline defaults to the second newest run, the candidate to the newest.
  return fmt::format(
      "<form method=\"get\" action=\"/compare\" aria-label=\"Compare two runs\">"
      "<label>Baseline (a)<select name=\"a\">{}</select></label>"
      "<label>Candidate (b)<select name=\"b\">{}</select></label>"
      "<button type=\"submit\">Compare</button></form>",
      options(1), options(0));
}

Result<int64_t> ParseLimit(const std::map<std::string, std::string>& params) {
  auto it = params.find("limit");
  if (it == params.end()) return int64_t{100};
  int64_t limit = 0;
  const std::string& text = it->second;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), limit);
  if (ec != std::errc() || end != text.data() + text.size() || limit < 1 || limit > 1000) {
    return Status::Error("limit=" + text.substr(0, 40) + ": give a whole number from 1 to 1000");
  }
  return limit;
}

std::optional<ApiError> OnlyParameters(const std::map<std::string, std::string>& params,
                                       std::initializer_list<std::string_view> allowed) {
  for (const auto& [key, unused] : params) {
    bool known = false;
    for (std::string_view name : allowed) known = known || key == name;
    if (!known) return BadRequest("unknown query parameter \"" + key.substr(0, 80) + "\"");
  }
  return std::nullopt;
}

// A rendered report as a page response; report failures keep the API's status mapping.
Response ReportResponse(Result<std::string> html) {
  if (!html.ok()) return HtmlErrorResponse(StoreFailure(html.status()));
  return HtmlResponse(200, std::move(*html));
}

}  // namespace

std::string EscapeHtml(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

Response HtmlResponse(int status, std::string body) {
  Response response;
  response.status = status;
  response.content_type = "text/html; charset=utf-8";
  response.body = std::move(body);
  response.headers = {{"Content-Security-Policy", std::string(kContentSecurityPolicy)},
                      {"X-Content-Type-Options", "nosniff"},
                      {"Referrer-Policy", "no-referrer"},
                      {"X-Frame-Options", "DENY"},
                      {"Cache-Control", "no-store"}};
  return response;
}

Response HtmlErrorResponse(const ApiError& error) {
  const std::string title = fmt::format("{} — inferbench", error.status);
  Response response = HtmlResponse(
      error.status,
      Page(title, EscapeHtml(error.code),
           fmt::format("<p>{}</p>\n<p><a href=\"/\">All runs</a></p>", EscapeHtml(error.message))));
  if (error.status == 503) response.headers.emplace_back("Retry-After", "1");
  if (error.status == 405) response.headers.emplace_back("Allow", "GET, HEAD");
  return response;
}

Response RunsPage(RunStore& store, const std::map<std::string, std::string>& params) {
  if (auto bad = OnlyParameters(params, {"limit", "name"})) return HtmlErrorResponse(*bad);
  auto limit = ParseLimit(params);
  if (!limit.ok()) return HtmlErrorResponse(BadRequest(limit.status().message()));
  warehouse::ListFilter filter;
  filter.limit = *limit;
  if (auto it = params.find("name"); it != params.end()) filter.name = it->second;
  ApiResult listed = ListStoredRuns(store, filter);
  if (!listed.ok()) return HtmlErrorResponse(listed.error());
  const json& runs = listed.value();

  std::string content;
  if (runs.empty()) {
    content =
        "<p class=\"empty\">No runs stored yet. <code>inferbench run SPEC.yaml</code> measures "
        "and stores one; <code>inferbench warehouse ingest RUN_DIR</code> adds an existing run "
        "directory.</p>";
  } else {
    content += CompareForm(runs);
    content +=
        "<table id=\"runs\"><caption>Stored runs, newest first</caption>\n<thead><tr><th>run "
        "id</th><th>name</th><th>started</th><th>status</th><th>tier</th><th>gate</th>"
        "<th>points</th><th>requests</th><th>signed</th></tr></thead>\n<tbody>\n";
    for (const json& row : runs) {
      const std::string id = Text(row.value("run_id", json()));
      content += fmt::format(
          "<tr><td><a class=\"id\" href=\"{}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td>"
          "<td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td>"
          "</tr>\n",
          EscapeHtml(RunHref(id)), EscapeHtml(id), Cell(row, "name"), Cell(row, "started_at"),
          StatusBadge(row), TierCell(row), Cell(row, "gate_status"), Cell(row, "points"),
          Cell(row, "requests"), Cell(row, "signed"));
    }
    content += "</tbody></table>\n";
  }
  content +=
      "<footer>JSON: <a href=\"/api/runs\">/api/runs</a> · "
      "<a href=\"/api/benchmark/contracts\">/api/benchmark/contracts</a></footer>";
  const std::string subtitle =
      fmt::format("{} run{} shown{}", runs.size(), runs.size() == 1 ? "" : "s",
                  filter.name.empty() ? "" : " named " + EscapeHtml(filter.name));
  return HtmlResponse(200, Page("inferbench — stored runs", subtitle, content));
}

Response RunPage(RunStore& store, std::string_view run) {
  auto lease = store.Open();
  if (!lease.ok()) return HtmlErrorResponse(StoreFailure(lease.status()));
  if (lease->get() == nullptr) return HtmlErrorResponse(NoWarehouse());
  ApiError error;
  auto id = ResolveRunArgument(*lease->get(), run, &error);
  if (!id.ok()) return HtmlErrorResponse(error);
  report::ReportOptions options;
  options.format = report::Format::kHtml;
  options.link_base = "/";
  options.evidence_root_override = store.evidence_root();
  return ReportResponse(report::RenderRunReport(*lease->get(), *id, options));
}

Response ComparePage(RunStore& store, const std::map<std::string, std::string>& params) {
  if (auto bad = OnlyParameters(params, {"a", "b"})) return HtmlErrorResponse(*bad);
  auto a = params.find("a");
  auto b = params.find("b");
  if (a == params.end() || b == params.end() || a->second.empty() || b->second.empty()) {
    return HtmlErrorResponse(
        BadRequest("give both runs: /compare?a=BASELINE&b=CANDIDATE (run ids or prefixes)"));
  }
  auto lease = store.Open();
  if (!lease.ok()) return HtmlErrorResponse(StoreFailure(lease.status()));
  if (lease->get() == nullptr) return HtmlErrorResponse(NoWarehouse());
  ApiError error;
  auto baseline = ResolveRunArgument(*lease->get(), a->second, &error);
  if (!baseline.ok()) return HtmlErrorResponse(error);
  auto candidate = ResolveRunArgument(*lease->get(), b->second, &error);
  if (!candidate.ok()) return HtmlErrorResponse(error);
  report::ReportOptions options;
  options.format = report::Format::kHtml;
  options.link_base = "/";
  options.vs_run_ids = {*baseline};
  options.evidence_root_override = store.evidence_root();
  return ReportResponse(report::RenderRunReport(*lease->get(), *candidate, options));
}

Response HandleDashboardRequest(RunStore& store, std::string_view method, std::string_view target) {
  const size_t question = target.find('?');
  const std::string_view path = target.substr(0, question);
  const std::string_view query =
      question == std::string_view::npos ? std::string_view() : target.substr(question + 1);
  if (method != "GET" && method != "HEAD") {
    return HtmlErrorResponse(
        ApiError{405, "method_not_allowed", "the dashboard is read-only; use GET"});
  }
  if (path == "/favicon.ico") {
    Response none;
    none.status = 204;
    none.headers = {{"Cache-Control", "max-age=86400"}};
    return none;
  }
  auto params = ParseQuery(query);
  if (!params.ok()) return HtmlErrorResponse(BadRequest(params.status().message()));
  if (path == "/" || path == "/runs" || path == "/runs/") return RunsPage(store, *params);
  if (path.substr(0, 6) == "/runs/" && path.find('/', 6) == std::string_view::npos) {
    if (auto bad = OnlyParameters(*params, {})) return HtmlErrorResponse(*bad);
    auto run = PercentDecode(path.substr(6), false);
    return RunPage(store, run.value_or("/"));
  }
  if (path == "/compare") return ComparePage(store, *params);
  return HtmlErrorResponse(NotFound("no page " + std::string(path.substr(0, 200)) +
                                    "; the pages are /, /runs/{run} and /compare?a=&b="));
}

}  // namespace inferbench::server
