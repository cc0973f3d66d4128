#include "report/svg_chart.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <iterator>
#include <limits>
#include <string_view>
#include <utility>

#include <fmt/format.h>

namespace inferbench::report {
namespace {

// Okabe–Ito based palette (distinguishable with the common colour-vision deficiencies); the
// series also differ in marker shape and dash pattern, so colour is never the only cue.
constexpr std::array<const char*, 8> kColours = {"#0072b2", "#d55e00", "#009e73", "#cc79a7",
                                                 "#e69f00", "#56b4e9", "#404040", "#8c6d31"};
constexpr std::array<const char*, 6> kDashes = {"", "7 3", "2 3", "9 3 2 3", "13 4", "4 2 1 2"};
enum class Marker { kCircle, kSquare, kTriangleUp, kDiamond, kCross, kPlus, kTriangleDown, kRing };
constexpr int kMarkerKinds = 8;

constexpr double kCharWidth = 6.2;  // mean advance of an 11 px sans-serif glyph
constexpr double kTitleY = 20;
constexpr double kPlotTop = 34;
constexpr double kRightMargin = 18;
constexpr double kLegendRow = 16;
constexpr double kNoteRow = 14;
constexpr double kInset = 8;  // gap between the outermost ticks of a line chart and its frame
// Above this many points a series shows markers only at kSparseMarkers evenly spaced points: the
// markers identify the series, they are not the data.
constexpr size_t kAllMarkersUpTo = 40;
constexpr size_t kSparseMarkers = 10;

constexpr const char* kTextColour = "#1a1a1a";
constexpr const char* kMutedColour = "#555555";
constexpr const char* kGridMajor = "#e4e4e4";
constexpr const char* kGridMinor = "#f1f1f1";
constexpr const char* kFrameColour = "#8a8a8a";
constexpr const char* kErrorColour = "#c00000";

using Out = std::back_insert_iterator<std::string>;

// A coordinate in user units: one decimal, trailing ".0" dropped, never "nan" or "-0". Points far
// outside the plot (an explicit axis bound below the data) are clipped anyway; the clamp keeps
// their coordinates short.
std::string C(double v) {
  if (!std::isfinite(v)) v = 0;
  v = std::clamp(v, -1e6, 1e6);
  double r = std::round(v * 10) / 10;
  if (r == 0) r = 0;
  std::string s = fmt::format("{:.1f}", r);
  if (s.size() > 2 && s.ends_with(".0")) s.resize(s.size() - 2);
  return s;
}

std::string Fixed(double v, int decimals) {
  std::string s = fmt::format("{:.{}f}", v, decimals);
  if (!s.empty() && s.front() == '-' && s.find_first_not_of("-0.") == std::string::npos) {
    s.erase(0, 1);
  }
  return s;
}

double Pow10(int exponent) {
  return exponent >= 0 ? std::pow(10.0, exponent) : 1.0 / std::pow(10.0, -exponent);
}

double TextWidth(std::string_view text, double char_width = kCharWidth) {
  size_t code_points = 0;
  for (unsigned char c : text) {
    if ((c & 0xC0) != 0x80) ++code_points;
  }
  return static_cast<double>(code_points) * char_width;
}

// Ids inside the chart start with this, so charts sharing a page do not collide.
std::string IdPrefix(const std::string& id) {
  std::string prefix;
  for (char c : id) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_';
    prefix += keep ? c : '-';
  }
  return prefix.empty() ? std::string("chart") : prefix;
}

bool Drawable(double v, AxisScale scale) {
  return std::isfinite(v) && (scale == AxisScale::kLinear || v > 0);
}

// --- axes -----------------------------------------------------------------------------------

struct Suffix {
  int exponent = 0;  // 0, 3, 6 or 9
  const char* text = "";
};

Suffix SuffixFor(double magnitude) {
  if (magnitude >= 1e9) return {9, "G"};
  if (magnitude >= 1e6) return {6, "M"};
  if (magnitude >= 1e4) return {3, "k"};
  return {};
}

AxisRange LinearAxis(double lo, double hi, int target) {
  AxisRange axis;
  axis.scale = AxisScale::kLinear;
  // Beyond these bounds a chart cannot show anything meaningful; they keep the arithmetic below
  // finite (no overflowing span, no 10^-400 step).
  constexpr double kLargest = 1e300;
  constexpr double kSmallest = 1e-200;
  lo = std::clamp(lo, -kLargest, kLargest);
  hi = std::clamp(hi, -kLargest, kLargest);
  const double magnitude = std::max(std::abs(lo), std::abs(hi));
  if (magnitude < kSmallest) {
    lo = 0;
    hi = 1;
  } else if (hi - lo <= std::max(magnitude * 1e-12, kSmallest)) {
    lo -= magnitude * 0.1;
    hi += magnitude * 0.1;
  }
  target = std::clamp(target, 2, 12);
  int exponent = static_cast<int>(std::floor(std::log10((hi - lo) / target)));
  const double norm = (hi - lo) / target / Pow10(exponent);
  int mult = norm <= 1 + 1e-9 ? 1 : norm <= 2 + 1e-9 ? 2 : norm <= 5 + 1e-9 ? 5 : 10;
  if (mult == 10) {
    mult = 1;
    ++exponent;
  }
  // k·mult·10^e computed so that 3 × 0.1 is 0.3 and not 0.30000000000000004.
  auto value_at = [&](long long k, int shift) {
    const int e = exponent - shift;
    const double units = static_cast<double>(k * mult);
    return e >= 0 ? units * Pow10(e) : units / Pow10(-e);
  };
  const double step = value_at(1, 0);
  const auto k0 = static_cast<long long>(std::floor(lo / step + 1e-9));
  const auto k1 = static_cast<long long>(std::ceil(hi / step - 1e-9));
  axis.min = value_at(k0, 0);
  axis.max = value_at(k1, 0);
  const double largest = std::max(std::abs(axis.min), std::abs(axis.max));
  // Past what the suffixes and a few decimals can say, labels switch to scientific notation.
  const bool scientific = largest >= 1e13 || exponent < -8;
  const int significant =
      std::clamp(static_cast<int>(std::floor(std::log10(largest))) - exponent, 0, 6);
  const Suffix suffix = SuffixFor(largest);
  const int decimals = std::max(0, suffix.exponent - exponent);
  for (long long k = k0; k <= k1; ++k) {
    AxisTick tick;
    tick.value = value_at(k, 0);
    if (k == 0) {
      tick.label = "0";
    } else if (scientific) {
      tick.label = fmt::format("{:.{}e}", tick.value, significant);
    } else {
      tick.label = Fixed(value_at(k, suffix.exponent), decimals) + suffix.text;
    }
    axis.ticks.push_back(std::move(tick));
  }
  return axis;
}

// m·10^d written out exactly ("2", "500", "0.05", "20k").
std::string LogLabel(int m, int d, bool use_suffix) {
  if (d < -6 || d > 15) return fmt::format("{}e{}", m, d);
  if (d < 0) return "0." + std::string(static_cast<size_t>(-d - 1), '0') + std::to_string(m);
  if (use_suffix && d >= 3) {
    const int e = d >= 9 ? 9 : d >= 6 ? 6 : 3;
    const char* text = d >= 9 ? "G" : d >= 6 ? "M" : "k";
    return std::to_string(m) + std::string(static_cast<size_t>(d - e), '0') + text;
  }
  return std::to_string(m) + std::string(static_cast<size_t>(d), '0');
}

AxisRange LogAxis(double lo, double hi) {
  AxisRange axis;
  axis.scale = AxisScale::kLog;
  if (!(hi > 0)) {
    lo = 1;
    hi = 10;
  }
  if (!(lo > 0)) lo = hi / 10;
  int dlo = static_cast<int>(std::floor(std::log10(lo) + 1e-9));
  int dhi = static_cast<int>(std::ceil(std::log10(hi) - 1e-9));
  dlo = std::clamp(dlo, -300, 299);
  dhi = std::clamp(dhi, dlo + 1, 300);
  const int decades = dhi - dlo;
  const int every = (decades + 7) / 8;
  const bool minor_ticks = decades <= 3;
  const bool minor_labels = decades <= 2;
  const bool use_suffix = dhi >= 4;
  axis.min = Pow10(dlo);
  axis.max = Pow10(dhi);
  for (int d = dlo; d <= dhi; ++d) {
    axis.ticks.push_back(
        {Pow10(d), (d - dlo) % every == 0 ? LogLabel(1, d, use_suffix) : "", true});
    if (d == dhi || !minor_ticks) continue;
    for (int m = 2; m <= 9; ++m) {
      const bool labelled = minor_labels && (m == 2 || m == 5);
      axis.ticks.push_back({m * Pow10(d), labelled ? LogLabel(m, d, use_suffix) : "", false});
    }
  }
  return axis;
}

// Maps values of an axis onto pixels: `p0` is where axis.min lands, `p1` where axis.max does.
struct Mapping {
  const AxisRange* axis = nullptr;
  double p0 = 0;
  double p1 = 1;

  double operator()(double v) const {
    double t;
    if (axis->scale == AxisScale::kLog) {
      const double l0 = std::log10(axis->min);
      t = (std::log10(v) - l0) / (std::log10(axis->max) - l0);
    } else {
      t = (v - axis->min) / (axis->max - axis->min);
    }
    return p0 + t * (p1 - p0);
  }
  bool Contains(double v) const {
    const double slack =
        (axis->scale == AxisScale::kLog ? axis->max : axis->max - axis->min) * 1e-9;
    return v >= axis->min - slack && v <= axis->max + slack;
  }
};

struct Extent {
  double lo = std::numeric_limits<double>::infinity();
  double hi = -std::numeric_limits<double>::infinity();
  bool empty() const { return lo > hi; }
  void Add(double v) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
};

// --- shared drawing -------------------------------------------------------------------------

struct Plot {
  double left = 0;
  double top = kPlotTop;
  double width = 0;
  double height = 0;
  double right() const { return left + width; }
  double bottom() const { return top + height; }
};

void OpenSvg(Out out, const std::string& prefix, const std::string& id, int width, int height,
             const std::string& title, const std::string& desc) {
  fmt::format_to(out,
                 "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {0} {1}\" width=\"{0}\" "
                 "height=\"{1}\" role=\"img\" aria-labelledby=\"{2}-title\" "
                 "aria-describedby=\"{2}-desc\" "
                 "data-chart=\"{3}\" font-family=\"sans-serif\" font-size=\"11\" "
                 "style=\"max-width:100%;height:auto\">\n",
                 width, height, prefix, XmlEscape(id));
  fmt::format_to(out, "<title id=\"{}-title\">{}</title>\n", prefix, XmlEscape(title));
  fmt::format_to(out, "<desc id=\"{}-desc\">{}</desc>\n", prefix, XmlEscape(desc));
  fmt::format_to(out,
                 "<rect data-role=\"background\" width=\"{}\" height=\"{}\" fill=\"#ffffff\"/>\n",
                 width, height);
  fmt::format_to(out,
                 "<text data-role=\"chart-title\" x=\"8\" y=\"{}\" font-size=\"14\" "
                 "font-weight=\"600\" fill=\"{}\">{}</text>\n",
                 C(kTitleY), kTextColour, XmlEscape(title));
}

void DrawFrame(Out out, const Plot& plot) {
  fmt::format_to(out,
                 "<rect data-role=\"frame\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" "
                 "fill=\"none\" stroke=\"{}\" stroke-width=\"1\"/>\n",
                 C(plot.left), C(plot.top), C(plot.width), C(plot.height), kFrameColour);
}

void DrawNoData(Out out, const Plot& plot) {
  fmt::format_to(out,
                 "<text data-role=\"no-data\" x=\"{}\" y=\"{}\" text-anchor=\"middle\" "
                 "font-size=\"13\" fill=\"{}\">no data</text>\n",
                 C(plot.left + plot.width / 2), C(plot.top + plot.height / 2), kMutedColour);
}

void DrawAxisLabels(Out out, const Plot& plot, const std::string& x_label,
                    const std::string& y_label) {
  if (!x_label.empty()) {
    fmt::format_to(out,
                   "<text data-role=\"x-label\" x=\"{}\" y=\"{}\" text-anchor=\"middle\" "
                   "fill=\"{}\">{}</text>\n",
                   C(plot.left + plot.width / 2), C(plot.bottom() + 32), kTextColour,
                   XmlEscape(x_label));
  }
  if (!y_label.empty()) {
    fmt::format_to(out,
                   "<text data-role=\"y-label\" transform=\"translate(14 {}) rotate(-90)\" "
                   "text-anchor=\"middle\" fill=\"{}\">{}</text>\n",
                   C(plot.top + plot.height / 2), kTextColour, XmlEscape(y_label));
  }
}

void DrawNotes(Out out, const std::vector<std::string>& notes, double first_baseline) {
  double y = first_baseline;
  for (const std::string& note : notes) {
    fmt::format_to(
        out, "<text data-role=\"note\" x=\"8\" y=\"{}\" font-size=\"10\" fill=\"{}\">{}</text>\n",
        C(y), kMutedColour, XmlEscape(note));
    y += kNoteRow;
  }
}

// Places legend items left to right, wrapping at `available`; returns the row count.
struct LegendSlot {
  double x = 0;
  int row = 0;
};
int LayoutLegend(const std::vector<double>& widths, double available,
                 std::vector<LegendSlot>* slots) {
  slots->clear();
  if (widths.empty()) return 0;
  double x = 0;
  int row = 0;
  for (double w : widths) {
    if (x > 0 && x + w > available) {
      x = 0;
      ++row;
    }
    slots->push_back({x, row});
    x += w + 14;
  }
  return row + 1;
}

void DrawMarker(Out out, Marker marker, double x, double y, const char* colour) {
  const double r = 3.6;
  switch (marker) {
    case Marker::kCircle:
      fmt::format_to(out, "<circle cx=\"{}\" cy=\"{}\" r=\"{}\" fill=\"{}\"/>", C(x), C(y), C(r),
                     colour);
      break;
    case Marker::kSquare:
      fmt::format_to(out, "<rect x=\"{}\" y=\"{}\" width=\"6.4\" height=\"6.4\" fill=\"{}\"/>",
                     C(x - 3.2), C(y - 3.2), colour);
      break;
    case Marker::kTriangleUp:
    case Marker::kTriangleDown: {
      const double s = marker == Marker::kTriangleUp ? 1 : -1;
      fmt::format_to(out, "<polygon points=\"{},{} {},{} {},{}\" fill=\"{}\"/>", C(x),
                     C(y - 4.4 * s), C(x + 4), C(y + 2.8 * s), C(x - 4), C(y + 2.8 * s), colour);
      break;
    }
    case Marker::kDiamond:
      fmt::format_to(out, "<polygon points=\"{},{} {},{} {},{} {},{}\" fill=\"{}\"/>", C(x),
                     C(y - 4.5), C(x + 4.5), C(y), C(x), C(y + 4.5), C(x - 4.5), C(y), colour);
      break;
    case Marker::kCross:
      fmt::format_to(out,
                     "<path d=\"M{} {}L{} {}M{} {}L{} {}\" fill=\"none\" stroke=\"{}\" "
                     "stroke-width=\"1.8\" stroke-dasharray=\"none\"/>",
                     C(x - 3.5), C(y - 3.5), C(x + 3.5), C(y + 3.5), C(x - 3.5), C(y + 3.5),
                     C(x + 3.5), C(y - 3.5), colour);
      break;
    case Marker::kPlus:
      fmt::format_to(out,
                     "<path d=\"M{} {}H{}M{} {}V{}\" fill=\"none\" stroke=\"{}\" "
                     "stroke-width=\"1.8\" stroke-dasharray=\"none\"/>",
                     C(x - 4.2), C(y), C(x + 4.2), C(x), C(y - 4.2), C(y + 4.2), colour);
      break;
    case Marker::kRing:
      fmt::format_to(out,
                     "<circle cx=\"{}\" cy=\"{}\" r=\"3.4\" fill=\"#ffffff\" stroke=\"{}\" "
                     "stroke-width=\"1.6\" stroke-dasharray=\"none\"/>",
                     C(x), C(y), colour);
      break;
  }
}

std::string DashAttribute(size_t series) {
  const char* dash = kDashes[series % kDashes.size()];
  return *dash == '\0' ? std::string() : fmt::format(" stroke-dasharray=\"{}\"", dash);
}

// --- line chart -----------------------------------------------------------------------------

struct SeriesStyle {
  const char* colour;
  Marker marker;
  std::string dash;  // attribute text, "" = solid
};

SeriesStyle StyleOf(size_t index) {
  return {kColours[index % kColours.size()], static_cast<Marker>(index % kMarkerKinds),
          DashAttribute(index)};
}

std::string SeriesName(const ChartSeries& series, size_t index) {
  return series.name.empty() ? fmt::format("series {}", index + 1) : series.name;
}

std::string ScaleName(AxisScale scale) {
  return scale == AxisScale::kLog ? "log scale" : "linear scale";
}

// The first and last labelled ticks: the range a reader sees.
std::string AxisSpan(const AxisRange& axis) {
  std::string first;
  std::string last;
  for (const AxisTick& tick : axis.ticks) {
    if (tick.label.empty()) continue;
    if (first.empty()) first = tick.label;
    last = tick.label;
  }
  return first + " to " + last;
}

void DrawGridAndTicks(Out out, const Plot& plot, const AxisRange& xaxis, const Mapping& sx,
                      const AxisRange& yaxis, const Mapping& sy) {
  std::string major;
  std::string minor;
  std::string marks;
  for (const AxisTick& t : xaxis.ticks) {
    const double x = sx(t.value);
    fmt::format_to(std::back_inserter(t.major ? major : minor), "M{} {}V{}", C(x), C(plot.top),
                   C(plot.bottom()));
    if (!t.label.empty()) {
      fmt::format_to(std::back_inserter(marks), "M{} {}v4", C(x), C(plot.bottom()));
    }
  }
  for (const AxisTick& t : yaxis.ticks) {
    const double y = sy(t.value);
    fmt::format_to(std::back_inserter(t.major ? major : minor), "M{} {}H{}", C(plot.left), C(y),
                   C(plot.right()));
    if (!t.label.empty())
      fmt::format_to(std::back_inserter(marks), "M{} {}h-4", C(plot.left), C(y));
  }
  if (!minor.empty()) {
    fmt::format_to(out,
                   "<path data-role=\"grid-minor\" d=\"{}\" stroke=\"{}\" stroke-width=\"1\"/>\n",
                   minor, kGridMinor);
  }
  if (!major.empty()) {
    fmt::format_to(out, "<path data-role=\"grid\" d=\"{}\" stroke=\"{}\" stroke-width=\"1\"/>\n",
                   major, kGridMajor);
  }
  DrawFrame(out, plot);
  if (!marks.empty()) {
    fmt::format_to(out,
                   "<path data-role=\"tick-marks\" d=\"{}\" stroke=\"{}\" stroke-width=\"1\"/>\n",
                   marks, kFrameColour);
  }
  for (const AxisTick& t : xaxis.ticks) {
    if (t.label.empty()) continue;
    fmt::format_to(out,
                   "<text data-role=\"x-tick\" x=\"{}\" y=\"{}\" text-anchor=\"middle\" "
                   "fill=\"{}\">{}</text>\n",
                   C(sx(t.value)), C(plot.bottom() + 16), kMutedColour, XmlEscape(t.label));
  }
  for (const AxisTick& t : yaxis.ticks) {
    if (t.label.empty()) continue;
    fmt::format_to(out,
                   "<text data-role=\"y-tick\" x=\"{}\" y=\"{}\" text-anchor=\"end\" "
                   "fill=\"{}\">{}</text>\n",
                   C(plot.left - 7), C(sy(t.value) + 4), kMutedColour, XmlEscape(t.label));
  }
}

std::vector<size_t> MarkerIndices(size_t count, size_t series_index) {
  std::vector<size_t> indices;
  if (count <= kAllMarkersUpTo) {
    for (size_t i = 0; i < count; ++i) indices.push_back(i);
    return indices;
  }
  // Phase-shifted per series so that markers of overlapping series do not sit on each other.
  const double phase = 0.2 + 0.2 * static_cast<double>(series_index % 4);
  for (size_t j = 0; j < kSparseMarkers; ++j) {
    const double at = (static_cast<double>(j) + phase) * static_cast<double>(count) /
                      static_cast<double>(kSparseMarkers);
    indices.push_back(std::min(count - 1, static_cast<size_t>(at)));
  }
  return indices;
}

void DrawSeries(Out out, const ChartSeries& series, size_t index, const std::string& prefix,
                const LineChartSpec& spec, const Mapping& sx, const Mapping& sy, const Plot& plot) {
  const SeriesStyle style = StyleOf(index);
  auto drawable = [&](const ChartPoint& p) {
    return Drawable(p.x, spec.x_scale) && Drawable(p.y, spec.y_scale);
  };
  std::vector<const ChartPoint*> shown;  // drawable points, in the series' order
  std::string d;
  bool pen_down = false;
  size_t segments = 0;
  for (const ChartPoint& p : series.points) {
    if (!drawable(p)) {
      pen_down = false;
      continue;
    }
    shown.push_back(&p);
    const double x = sx(p.x);
    const double y = sy(p.y);
    if (!pen_down) {
      fmt::format_to(std::back_inserter(d), "M{} {}", C(x), C(y));
      pen_down = true;
      continue;
    }
    ++segments;
    if (series.step) {
      fmt::format_to(std::back_inserter(d), "H{}V{}", C(x), C(y));
    } else {
      fmt::format_to(std::back_inserter(d), "L{} {}", C(x), C(y));
    }
  }
  fmt::format_to(out, "<g data-series=\"{}\" data-name=\"{}\" clip-path=\"url(#{}-clip)\">\n",
                 index, XmlEscape(SeriesName(series, index)), prefix);
  if (segments > 0) {
    fmt::format_to(out,
                   "<path data-role=\"line\" d=\"{}\" fill=\"none\" stroke=\"{}\" "
                   "stroke-width=\"1.8\" stroke-linejoin=\"round\"{}/>\n",
                   d, style.colour, style.dash);
  }
  for (const ChartPoint* p : shown) {
    const bool has_low = p->y_low && std::isfinite(*p->y_low);
    const bool has_high = p->y_high && std::isfinite(*p->y_high);
    if (!has_low && !has_high) continue;
    const double x = sx(p->x);
    // On a log axis a non-positive bound runs off the bottom: drawn to the edge, without a cap.
    auto end_of = [&](bool has, double v, bool* capped) {
      *capped = has;
      if (!has) return sy(p->y);
      if (Drawable(v, spec.y_scale)) return sy(v);
      *capped = false;
      return plot.bottom() + 6;
    };
    bool cap_low = false;
    bool cap_high = false;
    const double y_low = end_of(has_low, has_low ? *p->y_low : 0, &cap_low);
    const double y_high = end_of(has_high, has_high ? *p->y_high : 0, &cap_high);
    std::string w = fmt::format("M{} {}V{}", C(x), C(y_low), C(y_high));
    if (cap_low) fmt::format_to(std::back_inserter(w), "M{} {}h8", C(x - 4), C(y_low));
    if (cap_high) fmt::format_to(std::back_inserter(w), "M{} {}h8", C(x - 4), C(y_high));
    fmt::format_to(out,
                   "<path data-role=\"ci\" d=\"{}\" fill=\"none\" stroke=\"{}\" "
                   "stroke-width=\"1.3\"/>\n",
                   w, style.colour);
  }
  if (series.markers && !shown.empty()) {
    fmt::format_to(out, "<g data-role=\"markers\" stroke=\"#ffffff\" stroke-width=\"0.7\">");
    for (size_t i : MarkerIndices(shown.size(), index)) {
      DrawMarker(out, style.marker, sx(shown[i]->x), sy(shown[i]->y), style.colour);
    }
    fmt::format_to(out, "</g>\n");
  }
  fmt::format_to(out, "</g>\n");
  // Labels sit outside the clip so that a label near the edge stays whole.
  for (const ChartPoint* p : shown) {
    if (p->label.empty() || !sx.Contains(p->x) || !sy.Contains(p->y)) continue;
    // Right of the marker, or left of it where the text would run past the frame.
    const double x = sx(p->x);
    const bool flip =
        x + 6 + TextWidth(p->label, kCharWidth * 10 / 11) > plot.right() + kRightMargin;
    fmt::format_to(out,
                   "<text data-role=\"point-label\" x=\"{}\" y=\"{}\"{} font-size=\"10\" "
                   "fill=\"{}\">{}</text>\n",
                   C(flip ? x - 6 : x + 6), C(sy(p->y) - 6), flip ? " text-anchor=\"end\"" : "",
                   kMutedColour, XmlEscape(p->label));
  }
}

std::string LineChartDesc(const LineChartSpec& spec, const AxisRange* xaxis,
                          const AxisRange* yaxis) {
  std::string desc = fmt::format("Line chart, {} series.", spec.series.size());
  auto axis_text = [](const char* name, const std::string& label, AxisScale scale,
                      const AxisRange* axis) {
    std::string text = fmt::format(" {} axis: {} ({}", name, label.empty() ? "unlabelled" : label,
                                   ScaleName(scale));
    if (axis != nullptr) text += ", " + AxisSpan(*axis);
    return text + ").";
  };
  desc += axis_text("x", spec.x_label, spec.x_scale, xaxis);
  desc += axis_text("y", spec.y_label, spec.y_scale, yaxis);
  if (xaxis == nullptr) desc += " No data.";
  for (size_t i = 0; i < spec.series.size(); ++i) {
    desc += fmt::format("{} {} ({} points)", i == 0 ? " Series:" : ",",
                        SeriesName(spec.series[i], i), spec.series[i].points.size());
  }
  if (!spec.series.empty()) desc += ".";
  if (!spec.note.empty()) desc += " " + spec.note;
  return desc;
}

double MaxLabelWidth(const AxisRange& axis) {
  double width = 0;
  for (const AxisTick& t : axis.ticks) width = std::max(width, TextWidth(t.label));
  return width;
}

// --- timeline -------------------------------------------------------------------------------

struct SegmentStyle {
  const char* role;
  const char* legend;
  const char* background;
  const char* ink;
};
constexpr std::array<SegmentStyle, 3> kSegments = {{
    {"wait", "queue wait (scheduled to sent)", "#c4c4c4", "#7a7a7a"},
    {"ttft", "time to first token", "#e69f00", "#8a5c00"},
    {"decode", "decode (first to last token)", "#0072b2", "#7fbbe3"},
}};

void DrawPatternDefs(Out out, const std::string& prefix) {
  // wait: diagonal hatch; ttft: dots; decode: vertical rules. Distinct without colour.
  fmt::format_to(out,
                 "<pattern id=\"{0}-pat-wait\" patternUnits=\"userSpaceOnUse\" width=\"6\" "
                 "height=\"6\"><rect width=\"6\" height=\"6\" fill=\"{1}\"/><path d=\"M0 6L6 "
                 "0M-1 1L1 -1M5 7L7 5\" stroke=\"{2}\" stroke-width=\"1\"/></pattern>\n",
                 prefix, kSegments[0].background, kSegments[0].ink);
  fmt::format_to(out,
                 "<pattern id=\"{0}-pat-ttft\" patternUnits=\"userSpaceOnUse\" width=\"5\" "
                 "height=\"5\"><rect width=\"5\" height=\"5\" fill=\"{1}\"/><circle cx=\"2.5\" "
                 "cy=\"2.5\" r=\"1\" fill=\"{2}\"/></pattern>\n",
                 prefix, kSegments[1].background, kSegments[1].ink);
  fmt::format_to(out,
                 "<pattern id=\"{0}-pat-decode\" patternUnits=\"userSpaceOnUse\" width=\"6\" "
                 "height=\"6\"><rect width=\"6\" height=\"6\" fill=\"{1}\"/><path d=\"M3 0V6\" "
                 "stroke=\"{2}\" stroke-width=\"1\"/></pattern>\n",
                 prefix, kSegments[2].background, kSegments[2].ink);
}

bool BarDrawable(const TimelineBar& bar) {
  return std::isfinite(bar.sched_s) && std::isfinite(bar.send_s) && std::isfinite(bar.last_s);
}

std::vector<size_t> EvenlyThinned(size_t count, size_t keep) {
  std::vector<size_t> indices;
  if (count == 0) return indices;
  keep = std::max<size_t>(std::min(keep, count), 1);
  if (keep == 1) return {0};
  for (size_t j = 0; j < keep; ++j) {
    indices.push_back(static_cast<size_t>(std::llround(
        static_cast<double>(j) * static_cast<double>(count - 1) / static_cast<double>(keep - 1))));
  }
  return indices;
}

void DrawErrorMark(Out out, double x, double y) {
  fmt::format_to(out,
                 "<path data-role=\"error\" d=\"M{} {}L{} {}M{} {}L{} {}\" stroke=\"{}\" "
                 "stroke-width=\"1.6\" fill=\"none\"/>",
                 C(x - 3), C(y - 3), C(x + 3), C(y + 3), C(x - 3), C(y + 3), C(x + 3), C(y - 3),
                 kErrorColour);
}

}  // namespace

std::string XmlEscape(const std::string& text) {
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
        out += "&apos;";
        break;
      default: {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 && c != '\t' && c != '\n' && c != '\r') break;
        out += c;
      }
    }
  }
  return out;
}

AxisRange NiceAxis(double lo, double hi, AxisScale scale, int target_ticks) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) {
    lo = scale == AxisScale::kLog ? 1 : 0;
    hi = scale == AxisScale::kLog ? 10 : 1;
  }
  if (lo > hi) std::swap(lo, hi);
  return scale == AxisScale::kLog ? LogAxis(lo, hi) : LinearAxis(lo, hi, target_ticks);
}

std::string RenderLineChart(const LineChartSpec& spec) {
  const int width = std::max(spec.width, 240);
  const int height = std::max(spec.height, 160);
  const std::string prefix = IdPrefix(spec.id);

  Extent xe;
  Extent ye;
  for (const ChartSeries& s : spec.series) {
    for (const ChartPoint& p : s.points) {
      if (!Drawable(p.x, spec.x_scale) || !Drawable(p.y, spec.y_scale)) continue;
      xe.Add(p.x);
      ye.Add(p.y);
      if (p.y_low && Drawable(*p.y_low, spec.y_scale)) ye.Add(*p.y_low);
      if (p.y_high && Drawable(*p.y_high, spec.y_scale)) ye.Add(*p.y_high);
    }
  }
  const bool has_data = !xe.empty();

  // Legend and notes decide the bottom margin, the y axis labels the left one.
  std::vector<double> legend_widths;
  for (size_t i = 0; i < spec.series.size(); ++i) {
    legend_widths.push_back(34 + TextWidth(SeriesName(spec.series[i], i)));
  }
  std::vector<LegendSlot> slots;
  const int legend_rows = LayoutLegend(legend_widths, width - 16.0, &slots);
  std::vector<std::string> notes;
  if (!spec.note.empty()) notes.push_back(spec.note);
  const double legend_top = 36 + (spec.x_label.empty() ? 0 : 14);
  const double bottom_margin =
      legend_top + legend_rows * kLegendRow + static_cast<double>(notes.size()) * kNoteRow + 4;
  Plot plot;
  plot.height = std::max(40.0, height - kPlotTop - bottom_margin);

  AxisRange xaxis;
  AxisRange yaxis;
  if (has_data) {
    double ylo = ye.lo;
    double yhi = ye.hi;
    if (spec.y_scale == AxisScale::kLinear) ylo = std::min(0.0, ylo);
    if (spec.y_min && Drawable(*spec.y_min, spec.y_scale)) ylo = *spec.y_min;
    if (spec.y_max && Drawable(*spec.y_max, spec.y_scale)) yhi = *spec.y_max;
    if (yhi < ylo) yhi = ylo;
    yaxis =
        NiceAxis(ylo, yhi, spec.y_scale, static_cast<int>(std::clamp(plot.height / 45, 3.0, 8.0)));
  }
  plot.left = std::min(width * 0.4,
                       (spec.y_label.empty() ? 8 : 26) + (has_data ? MaxLabelWidth(yaxis) + 10 : 8));
  plot.width = std::max(40.0, width - plot.left - kRightMargin);
  if (has_data) {
    double xlo = xe.lo;
    double xhi = xe.hi;
    if (spec.x_min && Drawable(*spec.x_min, spec.x_scale)) xlo = *spec.x_min;
    if (spec.x_max && Drawable(*spec.x_max, spec.x_scale)) xhi = *spec.x_max;
    if (xhi < xlo) xhi = xlo;
    xaxis =
        NiceAxis(xlo, xhi, spec.x_scale, static_cast<int>(std::clamp(plot.width / 90, 3.0, 8.0)));
  }

  std::string svg;
  Out out = std::back_inserter(svg);
  OpenSvg(out, prefix, spec.id, width, height, spec.title,
          LineChartDesc(spec, has_data ? &xaxis : nullptr, has_data ? &yaxis : nullptr));
  if (has_data) {
    // Inset so that points at the ends of the x axis and at the top of the y axis do not sit on
    // the frame; y = 0 stays on the bottom edge.
    const Mapping sx{&xaxis, plot.left + kInset, plot.right() - kInset};
    const Mapping sy{&yaxis, plot.bottom(), plot.top + kInset};
    fmt::format_to(out,
                   "<defs><clipPath id=\"{}-clip\"><rect x=\"{}\" y=\"{}\" width=\"{}\" "
                   "height=\"{}\"/></clipPath></defs>\n",
                   prefix, C(plot.left - 5), C(plot.top - 5), C(plot.width + 10),
                   C(plot.height + 10));
    DrawGridAndTicks(out, plot, xaxis, sx, yaxis, sy);
    for (size_t i = 0; i < spec.series.size(); ++i) {
      DrawSeries(out, spec.series[i], i, prefix, spec, sx, sy, plot);
    }
  } else {
    DrawFrame(out, plot);
    DrawNoData(out, plot);
  }
  DrawAxisLabels(out, plot, spec.x_label, spec.y_label);

  for (size_t i = 0; i < spec.series.size(); ++i) {
    const SeriesStyle style = StyleOf(i);
    const double x = 8 + slots[i].x;
    const double y = plot.bottom() + legend_top + slots[i].row * kLegendRow;
    fmt::format_to(out,
                   "<g data-role=\"legend-item\" data-series=\"{}\"><path d=\"M{} {}h28\" "
                   "stroke=\"{}\" stroke-width=\"1.8\"{}/>",
                   i, C(x), C(y - 4), style.colour, style.dash);
    if (spec.series[i].markers) DrawMarker(out, style.marker, x + 14, y - 4, style.colour);
    fmt::format_to(out, "<text x=\"{}\" y=\"{}\" fill=\"{}\">{}</text></g>\n", C(x + 34), C(y),
                   kTextColour, XmlEscape(SeriesName(spec.series[i], i)));
  }
  DrawNotes(out, notes, plot.bottom() + legend_top + legend_rows * kLegendRow);
  svg += "</svg>\n";
  return svg;
}

std::string RenderTimeline(const TimelineSpec& spec) {
  const int width = std::max(spec.width, 240);
  const int height = std::max(spec.height, 160);
  const std::string prefix = IdPrefix(spec.id);

  std::vector<size_t> drawable;
  for (size_t i = 0; i < spec.bars.size(); ++i) {
    if (BarDrawable(spec.bars[i])) drawable.push_back(i);
  }
  const std::vector<size_t> rows =
      EvenlyThinned(drawable.size(), static_cast<size_t>(std::max(spec.max_bars, 1)));
  Extent xe;
  size_t errors = 0;
  for (size_t r : rows) {
    const TimelineBar& bar = spec.bars[drawable[r]];
    for (double v : {bar.sched_s, bar.send_s, bar.first_s, bar.last_s}) {
      if (std::isfinite(v)) xe.Add(v);
    }
    if (bar.error) ++errors;
  }
  const bool has_data = !rows.empty();

  std::vector<std::string> notes;
  if (!spec.note.empty()) notes.push_back(spec.note);
  if (rows.size() < drawable.size()) {
    notes.push_back(fmt::format("Showing {} of {} requests, evenly thinned (first and last kept).",
                                rows.size(), drawable.size()));
  }
  std::vector<double> legend_widths;
  for (const SegmentStyle& s : kSegments) legend_widths.push_back(22 + TextWidth(s.legend));
  if (errors > 0) legend_widths.push_back(22 + TextWidth("error"));
  std::vector<LegendSlot> slots;
  const int legend_rows = LayoutLegend(legend_widths, width - 16.0, &slots);
  const double legend_top = 36 + (spec.x_label.empty() ? 0 : 14);
  const double bottom_margin =
      legend_top + legend_rows * kLegendRow + static_cast<double>(notes.size()) * kNoteRow + 4;

  const std::string first_label = has_data ? fmt::format("#{}", drawable[rows.front()] + 1) : "";
  const std::string last_label = has_data ? fmt::format("#{}", drawable[rows.back()] + 1) : "";
  Plot plot;
  plot.height = std::max(40.0, height - kPlotTop - bottom_margin);
  plot.left = 26 + std::max(TextWidth(first_label), TextWidth(last_label)) + 8;
  plot.width = std::max(40.0, width - plot.left - kRightMargin);

  AxisRange xaxis;
  if (has_data) {
    xaxis = NiceAxis(std::min(0.0, xe.lo), xe.hi, AxisScale::kLinear,
                     static_cast<int>(std::clamp(plot.width / 90, 3.0, 8.0)));
  }
  const std::string desc =
      has_data ? fmt::format(
                     "Timeline of {} requests ({} drawn): queue wait, time to first token and "
                     "decode of each request on a time axis from {} s; {} with errors.{}",
                     drawable.size(), rows.size(), AxisSpan(xaxis), errors,
                     spec.note.empty() ? "" : " " + spec.note)
               : std::string("Timeline of requests. No data.");

  std::string svg;
  Out out = std::back_inserter(svg);
  OpenSvg(out, prefix, spec.id, width, height, spec.title, desc);
  fmt::format_to(out, "<defs>\n");
  DrawPatternDefs(out, prefix);
  fmt::format_to(out, "</defs>\n");
  if (has_data) {
    const Mapping sx{&xaxis, plot.left, plot.right()};
    const AxisRange rows_axis;  // the y axis carries no ticks: rows are labelled first and last
    const Mapping sy{&rows_axis, plot.bottom(), plot.top};
    DrawGridAndTicks(out, plot, xaxis, sx, rows_axis, sy);
    const double slot = plot.height / static_cast<double>(rows.size());
    const double thickness = std::max(0.6, slot * 0.78);
    for (size_t r = 0; r < rows.size(); ++r) {
      const size_t request = drawable[rows[r]];
      const TimelineBar& bar = spec.bars[request];
      const double y = plot.top + slot * static_cast<double>(r) + (slot - thickness) / 2;
      fmt::format_to(out, "<g data-role=\"bar\" data-request=\"{}\"{}>", request + 1,
                     bar.error ? fmt::format(" data-error=\"1\" stroke=\"{}\" stroke-width=\"0.6\"",
                                             kErrorColour)
                               : std::string());
      const bool has_first = std::isfinite(bar.first_s);
      const std::array<std::pair<double, double>, 3> spans = {{
          {bar.sched_s, bar.send_s},
          {bar.send_s, has_first ? bar.first_s : bar.last_s},
          {has_first ? bar.first_s : bar.last_s, bar.last_s},
      }};
      for (size_t s = 0; s < spans.size(); ++s) {
        const auto [from, to] = spans[s];
        if (!(to > from)) continue;
        const double x0 = sx(from);
        const double w = std::max(0.6, sx(to) - x0);
        fmt::format_to(out,
                       "<rect data-role=\"{}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" "
                       "fill=\"url(#{}-pat-{})\"/>",
                       kSegments[s].role, C(x0), C(y), C(w), C(thickness), prefix,
                       kSegments[s].role);
      }
      if (bar.error) DrawErrorMark(out, sx(bar.last_s) + 5, y + thickness / 2);
      fmt::format_to(out, "</g>\n");
    }
    fmt::format_to(out,
                   "<text data-role=\"y-tick\" x=\"{0}\" y=\"{1}\" text-anchor=\"end\" "
                   "fill=\"{3}\">{4}</text>\n<text data-role=\"y-tick\" x=\"{0}\" y=\"{2}\" "
                   "text-anchor=\"end\" fill=\"{3}\">{5}</text>\n",
                   C(plot.left - 6), C(plot.top + 9), C(plot.bottom() - 2), kMutedColour,
                   first_label, last_label);
  } else {
    DrawFrame(out, plot);
    DrawNoData(out, plot);
  }
  DrawAxisLabels(out, plot, spec.x_label, "requests, in order");

  for (size_t i = 0; i < legend_widths.size(); ++i) {
    const double x = 8 + slots[i].x;
    const double y = plot.bottom() + legend_top + slots[i].row * kLegendRow;
    fmt::format_to(out, "<g data-role=\"legend-item\">");
    if (i < kSegments.size()) {
      fmt::format_to(out,
                     "<rect x=\"{}\" y=\"{}\" width=\"16\" height=\"10\" fill=\"url(#{}-pat-{})\" "
                     "stroke=\"#666666\" stroke-width=\"0.5\"/>",
                     C(x), C(y - 9), prefix, kSegments[i].role);
    } else {
      DrawErrorMark(out, x + 8, y - 4);
    }
    fmt::format_to(out, "<text x=\"{}\" y=\"{}\" fill=\"{}\">{}</text></g>\n", C(x + 22), C(y),
                   kTextColour, i < kSegments.size() ? kSegments[i].legend : "error");
  }
  DrawNotes(out, notes, plot.bottom() + legend_top + legend_rows * kLegendRow);
  svg += "</svg>\n";
  return svg;
}

ChartSeries CdfSeries(std::string name, std::vector<double> values, size_t max_points) {
  ChartSeries series;
  series.name = std::move(name);
  series.step = true;
  std::erase_if(values, [](double v) { return !std::isfinite(v); });
  std::sort(values.begin(), values.end());
  if (values.empty()) return series;
  const double n = static_cast<double>(values.size());
  // One point per distinct value: F(v) = share of values ≤ v.
  std::vector<ChartPoint> steps;
  for (size_t i = 0; i < values.size(); ++i) {
    if (i + 1 < values.size() && values[i + 1] == values[i]) continue;
    ChartPoint p;
    p.x = values[i];
    p.y = static_cast<double>(i + 1) / n;
    steps.push_back(std::move(p));
  }
  for (size_t i : EvenlyThinned(steps.size(), std::max<size_t>(max_points, 2))) {
    series.points.push_back(steps[i]);
  }
  return series;
}

}  // namespace inferbench::report
