// The web pages of `inferbench serve` (issue 7): the runs list, a run page and a compare page.
// Every page is one self-contained HTML document (inline CSS, inline SVG charts from report/, no
// scripts, no external references), served with kContentSecurityPolicy so a browser would refuse
// anything else anyway.
//
//   GET /                        runs list (newest first; ?limit=N&name=S) and a compare form
//   GET /runs/{run}              report::RenderRunReport as HTML, links based at "/"
//   GET /compare?a=RUN&b=RUN     the report of b side by side with a (the baseline)
//
// Errors are small HTML pages with the same status codes as the API (400, 404, 405, 503).
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "server/api.h"

namespace inferbench::server {

inline constexpr std::string_view kContentSecurityPolicy =
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

// &, <, >, " and ' as character references.
std::string EscapeHtml(std::string_view text);

// A text/html response with the page security headers (CSP, nosniff, no-referrer, DENY framing).
Response HtmlResponse(int status, std::string body);
// A small page saying what went wrong, with a link back to the runs list.
Response HtmlErrorResponse(const ApiError& error);

Response RunsPage(RunStore& store, const std::map<std::string, std::string>& params);
Response RunPage(RunStore& store, std::string_view run);
Response ComparePage(RunStore& store, const std::map<std::string, std::string>& params);

// Answers `method target` for a page (any target outside /api/).
Response HandleDashboardRequest(RunStore& store, std::string_view method, std::string_view target);

}  // namespace inferbench::server
