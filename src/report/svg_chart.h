// SvgChart: our own small chart module for the HTML report and the dashboard (issue 7). Draws a
// complete inline <svg> element: title, axes with ticks and unit labels, a legend, and series as
// lines with markers. Readable without colour alone: each series also differs in marker shape
// and dash pattern, and the legend shows both. No scripts, no fonts beyond generic families, no
// external references; text is XML-escaped. Deterministic output (fixed number formatting), so
// golden tests can compare it.
//
// Every chart carries `<title>` (the chart title, for screen readers and the browser test) and
// the attribute data-chart="<id>" on the <svg> element. Ids inside the chart (title, desc, clip
// path, fill patterns) are prefixed with the chart id, so several charts fit in one page as long
// as their ids differ (the svg uses url(#<id>-…) for its own clip path and fill patterns, nothing
// else). Elements carry data-role attributes ("line", "ci", "markers", "point-label",
// "legend-item", "note", "no-data"; timeline: "bar", "wait", "ttft", "decode", "error") for tests
// and page scripts.
//
// Non-finite values are skipped (and non-positive ones on a log axis); a chart with nothing to
// draw shows its frame and "no data". All functions are pure and thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace inferbench::report {

struct ChartPoint {
  double x = 0;
  double y = 0;
  // Optional error bar (e.g. a CI across replicates): drawn as a vertical whisker.
  std::optional<double> y_low;
  std::optional<double> y_high;
  std::string label;  // optional text shown next to the marker (e.g. "c=16"); "" = none
};

struct ChartSeries {
  std::string name;  // legend text
  std::vector<ChartPoint> points;
  bool step = false;  // draw as a step function (CDFs)
  // Draw markers: at each point up to 40 points; above that at 10 evenly spaced points, which
  // identify the series (shape) without hiding the line.
  bool markers = true;
};

enum class AxisScale { kLinear, kLog };

struct LineChartSpec {
  std::string id;       // data-chart attribute, e.g. "throughput-vs-load"
  std::string title;    // e.g. "Output throughput vs concurrency"
  std::string x_label;  // with unit, e.g. "concurrency (requests in flight)"
  std::string y_label;  // with unit, e.g. "output throughput (tok/s)"
  AxisScale x_scale = AxisScale::kLinear;
  AxisScale y_scale = AxisScale::kLinear;
  std::optional<double> y_min;  // default: 0 for linear axes, data minimum for log axes
  std::optional<double> y_max;  // default: data maximum (e.g. 100 for a percentage)
  std::optional<double> x_min;  // default: data minimum (e.g. 0 for time since the start)
  std::optional<double> x_max;  // default: data maximum
  std::vector<ChartSeries> series;
  int width = 640;
  int height = 360;
  std::string note;  // optional caption under the plot (e.g. "n = 3 replicates; bars: 95 % CI")
};

// A line/scatter chart. Empty series (or all-empty) draw the frame with "no data".
std::string RenderLineChart(const LineChartSpec& spec);

// One horizontal bar per request of a replicate: queue/schedule wait (t_sched→t_send), time to
// first token (t_send→t_first) and decode (t_first→t_last), on a shared time axis in seconds.
struct TimelineBar {
  double sched_s = 0;
  double send_s = 0;
  double first_s = 0;  // NaN when no token arrived
  double last_s = 0;
  bool error = false;  // drawn hatched/marked as an error
};

struct TimelineSpec {
  std::string id;
  std::string title;
  std::string x_label = "time since the replicate began (s)";
  std::vector<TimelineBar> bars;  // drawn in order, top to bottom (thinned above max_bars)
  int max_bars = 200;
  int width = 640;
  int height = 360;
  std::string note;
};

std::string RenderTimeline(const TimelineSpec& spec);

// An empirical CDF series of `values` (sorted copy; at most max_points steps, evenly thinned,
// always keeping the minimum and maximum), y in [0, 1]: one point per distinct value v at the
// share of values <= v; non-finite values are dropped. A step series with (sparse) markers.
ChartSeries CdfSeries(std::string name, std::vector<double> values, size_t max_points = 400);

// Escapes &, <, >, " and ' for XML text and attributes; drops control characters that XML 1.0
// does not allow (keeps tab, newline, carriage return).
std::string XmlEscape(const std::string& text);

// One axis tick: its value and its label ("" = an unlabelled minor tick, drawn as a faint grid
// line only).
struct AxisTick {
  double value = 0;
  std::string label;
  bool major = true;
};

// The axis a chart draws for data in [lo, hi]: the range rounded outwards to "nice" ticks.
// Linear: steps of 1, 2 or 5 × 10^k, about `target_ticks` of them; a zero-width range is padded
// (±10 %, or [0, 1] at zero). Labels use the decimals the step needs ("0.3", never
// "0.30000000000000004"); when the largest value reaches 10^4 every label of the axis is scaled
// with one suffix (k = 10^3, M = 10^6, G = 10^9: "2k", "12k"). Zero is always "0".
// Log: whole decades (lo must be > 0; a non-positive lo becomes hi / 10), labelled at 10^k (every
// n-th decade when more than 8), with 2 and 5 labelled when the range spans at most two decades
// and unlabelled 2..9 minor ticks up to three decades; values from 1000 up use the suffixes when
// the axis reaches 10^4.
// Absurd ranges stay finite: values beyond ±10^300 are clamped, labels from 10^13 up or with
// steps below 10^-8 use scientific notation ("1.5e+14"). Non-finite input yields [0, 1] (log:
// [1, 10]); lo > hi is swapped.
struct AxisRange {
  double min = 0;
  double max = 1;
  AxisScale scale = AxisScale::kLinear;
  std::vector<AxisTick> ticks;  // ascending
};
AxisRange NiceAxis(double lo, double hi, AxisScale scale, int target_ticks = 5);

}  // namespace inferbench::report
