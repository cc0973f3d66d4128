// The HTML report: report_template.html (embedded by report_template.h) filled with the audience
// document, each chart block replaced by its inline SVG (svg_chart.h). Self-contained: no
// scripts, no external references, no web fonts.
#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "report/render.h"
#include "report/report_template.h"
#include "report/svg_chart.h"

namespace inferbench::report {
namespace {

bool Finite(double v) { return std::isfinite(v); }

// x of a point on the load axis: its load level, else its position (trace).
double LoadX(const PointModel& p, size_t index) {
  return Finite(p.load) ? p.load : static_cast<double>(index + 1);
}

ChartPoint EstimatePoint(double x, const Estimate* e, const std::string& label) {
  ChartPoint c;
  c.x = x;
  c.y = e ? e->mean : kNaN;
  if (e && e->has_ci()) {
    c.y_low = e->ci_low;
    c.y_high = e->ci_high;
  }
  c.label = label;
  return c;
}

std::string CiNote(const ReportModel& m) {
  const double confidence = Finite(m.run.confidence) ? m.run.confidence : 0.95;
  return fmt::format("means across n = {} replicates per point; bars: {:g} % CI",
                     m.run.replicate_count, 100 * confidence);
}

ChartSeries MetricVsLoad(const ReportModel& m, const std::string& name, const std::string& path,
                         bool labels) {
  ChartSeries s;
  s.name = name;
  for (size_t i = 0; i < m.points.size(); ++i) {
    const PointModel& p = m.points[i];
    const Estimate* e = p.Find(path);
    if (!e || !e->has_mean()) continue;
    s.points.push_back(EstimatePoint(LoadX(p, i), e, labels ? p.point : ""));
  }
  return s;
}

std::string ThroughputChart(const ReportModel& m) {
  LineChartSpec c;
  c.id = "throughput-vs-load";
  c.title = "Output throughput vs load";
  c.x_label = LoadAxisLabel(m.points);
  c.y_label = "output throughput (tok/s)";
  c.series.push_back(MetricVsLoad(m, "output throughput (whole run)", "output_throughput_tok_s", true));
  c.series.push_back(
      MetricVsLoad(m, "steady-window output throughput", "steady_output_throughput_tok_s", false));
  c.note = CiNote(m);
  return RenderLineChart(c);
}

std::string LatencyChart(const ReportModel& m, const std::string& id, const std::string& title,
                         const std::string& metric, const std::string& what) {
  LineChartSpec c;
  c.id = id;
  c.title = title;
  c.x_label = LoadAxisLabel(m.points);
  c.y_label = what + " (ms)";
  c.series.push_back(MetricVsLoad(m, what + " p50", metric + ".p50", false));
  c.series.push_back(MetricVsLoad(m, what + " p99", metric + ".p99", false));
  c.note = CiNote(m);
  bool low_n = false;
  for (const PointModel& p : m.points) {
    const Estimate* e = p.Find(metric + ".p99");
    low_n = low_n || (e && e->low_n);
  }
  if (low_n) c.note += "; p99 is low_n at some points (fewer than 500 requests per replicate)";
  return RenderLineChart(c);
}

std::string ParetoChart(const ReportModel& m) {
  LineChartSpec c;
  c.id = "pareto";
  c.title = "Latency–throughput trade-off (Pareto)";
  c.x_label = "output throughput (tok/s)";
  c.y_label = "TTFT p99 (ms)";
  ChartSeries all;
  all.name = "load points";
  std::vector<ChartPoint> points;
  for (const PointModel& p : m.points) {
    const double x = p.Mean("output_throughput_tok_s");
    const double y = p.Mean("ttft_ms.p99");
    if (!Finite(x) || !Finite(y)) continue;
    ChartPoint cp;
    cp.x = x;
    cp.y = y;
    cp.label = p.point;
    points.push_back(cp);
  }
  all.points = points;
  // The frontier: points no other point beats on both throughput (higher) and latency (lower).
  ChartSeries frontier;
  frontier.name = "Pareto frontier";
  for (const ChartPoint& a : points) {
    bool dominated = false;
    for (const ChartPoint& b : points) {
      if (b.x >= a.x && b.y <= a.y && (b.x > a.x || b.y < a.y)) dominated = true;
    }
    if (!dominated) frontier.points.push_back({a.x, a.y, std::nullopt, std::nullopt, ""});
  }
  std::sort(frontier.points.begin(), frontier.points.end(),
            [](const ChartPoint& a, const ChartPoint& b) { return a.x < b.x; });
  all.markers = true;
  c.series.push_back(std::move(frontier));
  c.series.push_back(std::move(all));
  c.note = "each marker is one load point (means across replicates); up and left is worse";
  return RenderLineChart(c);
}

std::string CdfChart(const std::string& id, const std::string& title, const std::string& x_label,
                     const std::vector<PointSamples>& samples, const std::string& note) {
  LineChartSpec c;
  c.id = id;
  c.title = title;
  c.x_label = x_label;
  c.y_label = "share of samples ≤ x";
  c.y_min = 0;
  c.y_max = 1;
  for (const PointSamples& s : samples) {
    c.series.push_back(CdfSeries(fmt::format("{} (n={})", s.point, s.values.size()), s.values));
  }
  c.note = note;
  return RenderLineChart(c);
}

std::string TimelineChart(const ReportModel& m) {
  TimelineSpec t;
  t.id = "timeline";
  t.title = m.timeline.point.empty()
                ? std::string("Per-request timeline")
                : fmt::format("Per-request timeline: {} replicate {}", m.timeline.point,
                              m.timeline.replicate);
  for (const TimelineRequest& r : m.timeline.requests) {
    TimelineBar b;
    b.sched_s = r.sched_s;
    b.send_s = r.send_s;
    b.first_s = r.first_s;
    b.last_s = Finite(r.last_s) ? r.last_s : r.send_s;
    b.error = r.error;
    t.bars.push_back(b);
  }
  t.note = fmt::format("{} requests{}; wait (scheduled → sent), TTFT (sent → first token), decode "
                       "(first → last token)",
                       m.timeline.requests.size(),
                       m.timeline.omitted > 0 ? fmt::format(" ({} more omitted)", m.timeline.omitted)
                                              : std::string());
  return RenderTimeline(t);
}

std::string TelemetryChart(const ReportModel& m, const std::string& id, const std::string& title,
                           const std::string& y_label, const std::string& unit) {
  LineChartSpec c;
  c.id = id;
  c.title = title;
  c.x_label = "time since the run began (s)";
  c.y_label = y_label;
  c.x_min = 0;
  if (unit == "%") {
    c.y_min = 0;
    c.y_max = 100;
  }
  for (const TimeSeries& s : m.telemetry) {
    if (s.unit != unit) continue;
    ChartSeries series;
    series.name = s.name;
    for (auto [t, v] : s.points) series.points.push_back({t, v, std::nullopt, std::nullopt, ""});
    series.markers = series.points.size() <= 40;
    c.series.push_back(std::move(series));
  }
  c.note = "server /metrics scraped about once a second; gaps between points are between scrapes";
  return RenderLineChart(c);
}

std::string CompareChart(const ReportModel& m) {
  LineChartSpec c;
  c.id = "compare-throughput";
  c.title = "Output throughput vs load, runs compared";
  c.x_label = LoadAxisLabel(m.points);
  c.y_label = "output throughput (tok/s)";
  if (m.comparison) {
    for (size_t r = 0; r < m.comparison->runs.size(); ++r) {
      const warehouse::RunData& run = m.comparison->runs[r];
      ChartSeries s;
      s.name = fmt::format("{}{}", run.run_id, r == 0 ? " (baseline)" : "");
      std::vector<std::pair<double, ChartPoint>> sorted;
      for (const warehouse::PointData& p : run.points) {
        auto it = p.metrics.find("output_throughput_tok_s");
        if (it == p.metrics.end() || !it->second.has_outcome) continue;
        const warehouse::MetricOutcome& o = it->second.outcome;
        ChartPoint cp;
        cp.x = PointLoad(p.point);
        if (!Finite(cp.x)) continue;
        cp.y = o.mean;
        if (Finite(o.ci_low) && Finite(o.ci_high)) {
          cp.y_low = o.ci_low;
          cp.y_high = o.ci_high;
        }
        sorted.push_back({cp.x, cp});
      }
      std::sort(sorted.begin(), sorted.end(),
                [](const auto& a, const auto& b) { return a.first < b.first; });
      for (auto& [x, cp] : sorted) s.points.push_back(cp);
      c.series.push_back(std::move(s));
    }
  }
  c.note = "means with CI bars per run; verdicts in the table above";
  return RenderLineChart(c);
}

std::string Escape(const std::string& text) { return XmlEscape(text); }

void Replace(std::string& text, std::string_view placeholder, const std::string& value) {
  const size_t at = text.find(placeholder);
  if (at != std::string::npos) text.replace(at, placeholder.size(), value);
}

std::string TableHtml(const Block& b) {
  const TextTable& t = b.table;
  auto cls = [&t](size_t i) {
    return i < t.right_aligned.size() && t.right_aligned[i] ? " class=\"num\"" : "";
  };
  std::string out = "<table>\n<thead><tr>";
  for (size_t i = 0; i < t.header.size(); ++i) {
    out += fmt::format("<th scope=\"col\"{}>{}</th>", cls(i), Escape(t.header[i]));
  }
  out += "</tr></thead>\n<tbody>\n";
  for (const auto& row : t.rows) {
    out += "<tr>";
    for (size_t i = 0; i < row.size(); ++i) {
      out += fmt::format("<td{}>{}</td>", cls(i), Escape(row[i]));
    }
    out += "</tr>\n";
  }
  out += "</tbody>\n</table>\n";
  if (!b.caption.empty()) out += "<p class=\"caption\">" + Escape(b.caption) + "</p>\n";
  return out;
}

}  // namespace

const std::vector<std::string>& EngineeringChartIds() {
  static const std::vector<std::string> ids = {
      "throughput-vs-load", "ttft-vs-load", "tpot-vs-load",    "pareto",         "ttft-cdf",
      "chunk-gap-cdf",      "timeline",     "telemetry-batch", "telemetry-cache"};
  return ids;
}

std::vector<ChartEntry> BuildCharts(const ReportModel& m) {
  std::vector<ChartEntry> charts;
  auto add = [&charts](std::string id, std::string title, std::string svg) {
    charts.push_back({std::move(id), std::move(title), std::move(svg)});
  };
  add("throughput-vs-load", "Output throughput vs load", ThroughputChart(m));
  add("ttft-vs-load", "TTFT p50 and p99 vs load",
      LatencyChart(m, "ttft-vs-load", "TTFT p50 and p99 vs load", "ttft_ms", "TTFT"));
  add("tpot-vs-load", "TPOT p50 and p99 vs load",
      LatencyChart(m, "tpot-vs-load", "TPOT p50 and p99 vs load", "tpot_ms", "TPOT"));
  add("pareto", "Latency–throughput trade-off (Pareto)", ParetoChart(m));
  add("ttft-cdf", "TTFT distribution (CDF)",
      CdfChart("ttft-cdf", "TTFT distribution (CDF)", "time to first token (ms)", m.ttft_ms,
               "every completed request of every replicate, pooled per point"));
  add("chunk-gap-cdf", "Chunk-gap distribution (CDF)",
      CdfChart("chunk-gap-cdf", "Chunk-gap distribution (CDF)",
               "gap between token-carrying events (ms)", m.chunk_gap_ms,
               m.token_times_available
                   ? "every gap between consecutive token events, pooled per point"
                   : "token times unreachable: no per-token data (see Notes)"));
  add("timeline", "Per-request timeline", TimelineChart(m));
  add("telemetry-batch", "Server batch over time: running and waiting requests",
      TelemetryChart(m, "telemetry-batch", "Server batch over time: running and waiting requests",
                     "requests", "requests"));
  add("telemetry-cache", "KV-cache usage and prefix-cache hit rate over time",
      TelemetryChart(m, "telemetry-cache", "KV-cache usage and prefix-cache hit rate over time",
                     "share (%)", "%"));
  if (m.comparison) add("compare-throughput", "Output throughput vs load, runs compared", CompareChart(m));
  return charts;
}

std::string RenderHtml(const ReportModel& m, const ReportDocument& d, const ReportOptions& options) {
  std::map<std::string, const ChartEntry*> by_id;
  const std::vector<ChartEntry> charts = BuildCharts(m);
  for (const ChartEntry& c : charts) by_id[c.id] = &c;

  std::string nav;
  for (const Section& s : d.sections) {
    nav += fmt::format("<a href=\"#{}\">{}</a>", Escape(s.id), Escape(s.heading));
  }
  if (!options.link_base.empty()) {
    nav += fmt::format("<a href=\"{}\">all runs</a>", Escape(options.link_base));
    if (m.comparison) {
      for (const warehouse::RunHeader& r : m.comparison->comparison.runs) {
        if (r.run_id == m.run.run_id) continue;
        nav += fmt::format("<a href=\"{}runs/{}\">{}</a>", Escape(options.link_base),
                           Escape(r.run_id), Escape(r.run_id));
      }
    }
  }

  std::string content;
  for (const Section& s : d.sections) {
    content += fmt::format("<section id=\"{}\"{}>\n<h2>{}</h2>\n", Escape(s.id),
                           s.id == "next-lever" ? " class=\"lever\"" : "", Escape(s.heading));
    for (const Block& b : s.blocks) {
      switch (b.kind) {
        case Block::Kind::kParagraph:
          content += "<p>" + Escape(b.text) + "</p>\n";
          break;
        case Block::Kind::kBullets:
          content += "<ul>\n";
          for (const std::string& item : b.items) content += "<li>" + Escape(item) + "</li>\n";
          content += "</ul>\n";
          break;
        case Block::Kind::kTable:
          content += TableHtml(b);
          break;
        case Block::Kind::kCode:
          content += "<pre><code>" + Escape(b.text) + "</code></pre>\n";
          break;
        case Block::Kind::kChart: {
          auto it = by_id.find(b.text);
          if (it == by_id.end()) break;
          content += fmt::format("<figure id=\"chart-{}\" data-chart-id=\"{}\" aria-label=\"{}\">\n",
                                 Escape(b.text), Escape(b.text), Escape(it->second->title));
          content += it->second->svg;
          content += "\n</figure>\n";
          break;
        }
      }
    }
    content += "</section>\n";
  }

  std::string html(kReportTemplate);
  Replace(html, "{{title}}", Escape(d.title));  // <title>
  Replace(html, "{{title}}", Escape(d.title));  // <h1>
  Replace(html, "{{subtitle}}", Escape(d.subtitle));
  Replace(html, "{{nav}}", nav);
  Replace(html, "{{content}}", content);
  return html;
}

}  // namespace inferbench::report
