#include "report/svg_chart.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace inferbench::report {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

ChartPoint Pt(double x, double y, std::string label = "") {
  ChartPoint p;
  p.x = x;
  p.y = y;
  p.label = std::move(label);
  return p;
}

ChartPoint PtCi(double x, double y, std::optional<double> low, std::optional<double> high,
                std::string label = "") {
  ChartPoint p = Pt(x, y, std::move(label));
  p.y_low = low;
  p.y_high = high;
  return p;
}

ChartSeries Series(std::string name, std::vector<ChartPoint> points) {
  ChartSeries s;
  s.name = std::move(name);
  s.points = std::move(points);
  return s;
}

TimelineBar Bar(double sched, double send, double first, double last, bool error = false) {
  TimelineBar b;
  b.sched_s = sched;
  b.send_s = send;
  b.first_s = first;
  b.last_s = last;
  b.error = error;
  return b;
}

size_t Count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::vector<std::string> Labels(const AxisRange& axis) {
  std::vector<std::string> labels;
  for (const AxisTick& t : axis.ticks) {
    if (!t.label.empty()) labels.push_back(t.label);
  }
  return labels;
}

std::vector<double> MajorValues(const AxisRange& axis) {
  std::vector<double> values;
  for (const AxisTick& t : axis.ticks) {
    if (t.major) values.push_back(t.value);
  }
  return values;
}

// Every url(#x) and every id="x" in the chart; each referenced id must be defined.
void ExpectIdsPrefixedAndResolved(const std::string& svg, const std::string& prefix) {
  std::set<std::string> ids;
  const std::regex id_re("\\bid=\"([^\"]*)\"");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), id_re); it != std::sregex_iterator();
       ++it) {
    const std::string id = (*it)[1];
    EXPECT_TRUE(id.starts_with(prefix + "-")) << id;
    EXPECT_TRUE(ids.insert(id).second) << "duplicate id " << id;
  }
  const std::regex url_re("url\\(#([^)]*)\\)");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), url_re); it != std::sregex_iterator();
       ++it) {
    EXPECT_TRUE(ids.count((*it)[1])) << "unresolved url(#" << (*it)[1] << ")";
  }
}

// Nothing that a browser would fetch: no href at all, no @import, url() only to own defs, and
// "http" only in the SVG namespace declaration.
void ExpectSelfContained(const std::string& svg) {
  EXPECT_THAT(svg, Not(HasSubstr("href")));
  EXPECT_THAT(svg, Not(HasSubstr("@import")));
  EXPECT_THAT(svg, Not(HasSubstr("<script")));
  EXPECT_EQ(Count(svg, "url("), Count(svg, "url(#"));
  EXPECT_EQ(Count(svg, "http"), 1u);
  EXPECT_EQ(Count(svg, "http"), Count(svg, "xmlns=\"http://www.w3.org/2000/svg\""));
}

void ExpectNoNonFiniteText(const std::string& svg) {
  const std::string lower = Lower(svg);
  EXPECT_THAT(lower, Not(HasSubstr("nan")));
  EXPECT_THAT(lower, Not(HasSubstr("inf")));
}

// A well-formedness check without an XML parser: every opened element is closed in order.
void ExpectBalancedTags(const std::string& svg) {
  std::vector<std::string> stack;
  const std::regex tag_re("<(/?)([a-zA-Z]+)[^>]*?(/?)>");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), tag_re); it != std::sregex_iterator();
       ++it) {
    const std::string name = (*it)[2];
    if ((*it)[3] == "/") continue;
    if ((*it)[1] == "/") {
      ASSERT_FALSE(stack.empty()) << "unexpected </" << name << ">";
      ASSERT_EQ(stack.back(), name);
      stack.pop_back();
    } else {
      stack.push_back(name);
    }
  }
  EXPECT_TRUE(stack.empty());
}

LineChartSpec ThroughputSpec() {
  LineChartSpec spec;
  spec.id = "throughput-vs-load";
  spec.title = "Output throughput vs concurrency";
  spec.x_label = "concurrency (requests)";
  spec.y_label = "output throughput (tok/s)";
  ChartSeries a = Series("baseline", {});
  ChartSeries b = Series("candidate", {});
  for (double c : {1.0, 2.0, 4.0, 8.0, 16.0}) {
    a.points.push_back(PtCi(c, 40 * c, 38 * c, 42 * c));
    b.points.push_back(Pt(c, 45 * c));
  }
  spec.series = {a, b};
  spec.note = "n = 3 replicates; bars: 95 % CI";
  return spec;
}

// --- XmlEscape --------------------------------------------------------------------------------

TEST(XmlEscapeTest, EscapesMarkupAndQuotes) {
  EXPECT_EQ(XmlEscape("a<b & c>\"d\" 'e'"), "a&lt;b &amp; c&gt;&quot;d&quot; &apos;e&apos;");
  EXPECT_EQ(XmlEscape("p99 ≥ 2 s"), "p99 ≥ 2 s");
}

TEST(XmlEscapeTest, DropsControlCharactersXmlForbids) {
  EXPECT_EQ(XmlEscape(std::string("a\x01"
                                  "b\tc\n",
                                  6)),
            "ab\tc\n");
  EXPECT_EQ(XmlEscape(std::string("x\0y", 3)), "xy");
}

// --- NiceAxis ---------------------------------------------------------------------------------

TEST(NiceAxisTest, LinearZeroTo97UsesStepsOfTwenty) {
  const AxisRange axis = NiceAxis(0, 97, AxisScale::kLinear);
  EXPECT_EQ(axis.min, 0);
  EXPECT_EQ(axis.max, 100);
  EXPECT_THAT(Labels(axis), ElementsAre("0", "20", "40", "60", "80", "100"));
  EXPECT_THAT(MajorValues(axis), ElementsAre(0, 20, 40, 60, 80, 100));
}

TEST(NiceAxisTest, LinearDecimalsHaveNoFloatingPointNoise) {
  const AxisRange axis = NiceAxis(0, 0.3, AxisScale::kLinear);
  EXPECT_THAT(Labels(axis), ElementsAre("0", "0.1", "0.2", "0.3"));
  ASSERT_EQ(axis.ticks.size(), 4u);
  EXPECT_EQ(axis.ticks[3].value, 0.3);  // exactly, not 0.30000000000000004
  EXPECT_THAT(Labels(NiceAxis(0, 0.23, AxisScale::kLinear)),
              ElementsAre("0", "0.05", "0.10", "0.15", "0.20", "0.25"));
  EXPECT_THAT(Labels(NiceAxis(0.1, 0.9, AxisScale::kLinear)),
              ElementsAre("0", "0.2", "0.4", "0.6", "0.8", "1.0"));
}

TEST(NiceAxisTest, LinearRoundsOutwardsAndHandlesNegatives) {
  const AxisRange axis = NiceAxis(-7, 13, AxisScale::kLinear);
  EXPECT_THAT(Labels(axis), ElementsAre("-10", "-5", "0", "5", "10", "15"));
  EXPECT_LE(axis.min, -7);
  EXPECT_GE(axis.max, 13);
}

TEST(NiceAxisTest, LinearThousandsUseOneSuffixPerAxis) {
  EXPECT_THAT(Labels(NiceAxis(0, 12000, AxisScale::kLinear, 6)),
              ElementsAre("0", "2k", "4k", "6k", "8k", "10k", "12k"));
  // Below 10^4 the labels stay plain.
  EXPECT_THAT(Labels(NiceAxis(0, 12000, AxisScale::kLinear)), ElementsAre("0", "5k", "10k", "15k"));
  EXPECT_THAT(Labels(NiceAxis(0, 5000, AxisScale::kLinear)),
              ElementsAre("0", "1000", "2000", "3000", "4000", "5000"));
  EXPECT_THAT(Labels(NiceAxis(9000, 11000, AxisScale::kLinear)),
              ElementsAre("9.0k", "9.5k", "10.0k", "10.5k", "11.0k"));
  EXPECT_THAT(Labels(NiceAxis(0, 2e6, AxisScale::kLinear)),
              ElementsAre("0", "0.5M", "1.0M", "1.5M", "2.0M"));
}

TEST(NiceAxisTest, ZeroWidthRangeIsPadded) {
  const AxisRange zero = NiceAxis(0, 0, AxisScale::kLinear);
  EXPECT_EQ(zero.min, 0);
  EXPECT_EQ(zero.max, 1);
  const AxisRange single = NiceAxis(16, 16, AxisScale::kLinear);
  EXPECT_LT(single.min, 16);
  EXPECT_GT(single.max, 16);
  EXPECT_GE(single.ticks.size(), 3u);
  const AxisRange log_single = NiceAxis(10, 10, AxisScale::kLog);
  EXPECT_LT(log_single.min, log_single.max);
}

TEST(NiceAxisTest, NonFiniteOrSwappedInputStaysUsable) {
  const AxisRange axis = NiceAxis(kNaN, kInf, AxisScale::kLinear);
  EXPECT_EQ(axis.min, 0);
  EXPECT_EQ(axis.max, 1);
  const AxisRange swapped = NiceAxis(97, 0, AxisScale::kLinear);
  EXPECT_EQ(swapped.max, 100);
}

TEST(NiceAxisTest, LogOneTo5000IsWholeDecades) {
  const AxisRange axis = NiceAxis(1, 5000, AxisScale::kLog);
  EXPECT_EQ(axis.min, 1);
  EXPECT_EQ(axis.max, 10000);
  EXPECT_THAT(MajorValues(axis), ElementsAre(1, 10, 100, 1000, 10000));
  EXPECT_THAT(Labels(axis), ElementsAre("1", "10", "100", "1k", "10k"));
}

TEST(NiceAxisTest, LogSmallRangeLabelsTwoAndFive) {
  const AxisRange axis = NiceAxis(30, 80, AxisScale::kLog);
  EXPECT_EQ(axis.min, 10);
  EXPECT_EQ(axis.max, 100);
  EXPECT_THAT(Labels(axis), ElementsAre("10", "20", "50", "100"));
  EXPECT_THAT(Labels(NiceAxis(0.003, 0.08, AxisScale::kLog)),
              ElementsAre("0.001", "0.002", "0.005", "0.01", "0.02", "0.05", "0.1"));
}

TEST(NiceAxisTest, LogWideRangeLabelsEveryOtherDecade) {
  const AxisRange axis = NiceAxis(1e-3, 1e9, AxisScale::kLog);
  EXPECT_THAT(Labels(axis), ElementsAre("0.001", "0.1", "10", "1k", "100k", "10M", "1G"));
  for (const AxisTick& t : axis.ticks) EXPECT_TRUE(t.major);  // no minor ticks over 12 decades
}

TEST(NiceAxisTest, LogIgnoresNonPositiveLowerBound) {
  const AxisRange axis = NiceAxis(0, 500, AxisScale::kLog);
  EXPECT_GT(axis.min, 0);
  EXPECT_EQ(axis.max, 1000);
}

// --- RenderLineChart --------------------------------------------------------------------------

TEST(LineChartTest, IsACompleteAccessibleSvg) {
  const std::string svg = RenderLineChart(ThroughputSpec());
  EXPECT_TRUE(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 640 360\""));
  EXPECT_TRUE(svg.ends_with("</svg>\n"));
  EXPECT_THAT(svg, HasSubstr("role=\"img\""));
  EXPECT_THAT(svg, HasSubstr("aria-labelledby=\"throughput-vs-load-title\""));
  EXPECT_THAT(svg, HasSubstr("aria-describedby=\"throughput-vs-load-desc\""));
  EXPECT_THAT(svg, HasSubstr("data-chart=\"throughput-vs-load\""));
  EXPECT_THAT(svg, HasSubstr("<title id=\"throughput-vs-load-title\">Output throughput vs "
                             "concurrency</title>"));
  EXPECT_THAT(svg, HasSubstr("<desc id=\"throughput-vs-load-desc\">Line chart, 2 series."));
  EXPECT_THAT(svg, HasSubstr(">Output throughput vs concurrency</text>"));  // visible title
  EXPECT_THAT(svg, HasSubstr(">output throughput (tok/s)</text>"));
  EXPECT_THAT(svg, HasSubstr("rotate(-90)"));
  EXPECT_THAT(svg, HasSubstr(">concurrency (requests)</text>"));
  EXPECT_THAT(svg, HasSubstr(">n = 3 replicates; bars: 95 % CI</text>"));
  EXPECT_THAT(svg, HasSubstr("font-family=\"sans-serif\""));
  ExpectBalancedTags(svg);
  ExpectSelfContained(svg);
  ExpectIdsPrefixedAndResolved(svg, "throughput-vs-load");
  ExpectNoNonFiniteText(svg);
}

TEST(LineChartTest, OneLinePerSeriesAndLegendWithMarkerAndDash) {
  LineChartSpec spec = ThroughputSpec();
  for (int i = 0; i < 6; ++i) {
    spec.series.push_back(
        Series("extra " + std::to_string(i), {Pt(1, 1.0 + i), Pt(16, 100.0 + i)}));
  }
  const std::string svg = RenderLineChart(spec);
  EXPECT_EQ(Count(svg, "data-role=\"line\""), 8u);
  EXPECT_EQ(Count(svg, "data-role=\"legend-item\""), 8u);
  EXPECT_EQ(Count(svg, "data-role=\"markers\""), 8u);
  // Series differ in dash pattern, not only colour: solid plus five dash arrays in the lines.
  std::set<std::string> dashes;
  const std::regex line_re("data-role=\"line\"[^>]*?(stroke-dasharray=\"[^\"]*\")?/>");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), line_re);
       it != std::sregex_iterator(); ++it) {
    dashes.insert((*it)[1]);
  }
  EXPECT_EQ(dashes.size(), 6u);
  // ... and in marker shape: circles, squares, polygons (triangles, diamond), paths (x, +), rings.
  EXPECT_THAT(svg, HasSubstr("<circle"));
  EXPECT_THAT(svg, HasSubstr("<rect x="));
  EXPECT_GE(Count(svg, "<polygon"), 3u);
  EXPECT_THAT(svg, HasSubstr("fill=\"#ffffff\" stroke=\"#8c6d31\""));  // ring of series 8
  ExpectBalancedTags(svg);
}

TEST(LineChartTest, EscapesTitleLabelsAndSeriesNames) {
  LineChartSpec spec = ThroughputSpec();
  spec.id = "a\"b<c";
  spec.title = "TTFT <&> p99";
  spec.series[0].name = "v<1>&2";
  spec.series[0].points[0].label = "c=<1>";
  const std::string svg = RenderLineChart(spec);
  EXPECT_THAT(svg, HasSubstr("<title id=\"a-b-c-title\">TTFT &lt;&amp;&gt; p99</title>"));
  EXPECT_THAT(svg, HasSubstr("data-chart=\"a&quot;b&lt;c\""));
  EXPECT_THAT(svg, HasSubstr(">v&lt;1&gt;&amp;2</text>"));
  EXPECT_THAT(svg, HasSubstr(">c=&lt;1&gt;</text>"));
  EXPECT_THAT(svg, Not(HasSubstr("<&>")));
  EXPECT_THAT(svg, Not(HasSubstr("v<1>")));
  ExpectBalancedTags(svg);
  ExpectIdsPrefixedAndResolved(svg, "a-b-c");
}

TEST(LineChartTest, WhiskersMatchPointsWithConfidenceIntervals) {
  const std::string svg = RenderLineChart(ThroughputSpec());
  EXPECT_EQ(Count(svg, "data-role=\"ci\""), 5u);  // baseline has CIs, candidate none
  // Each whisker has two caps.
  const std::regex ci_re("data-role=\"ci\" d=\"M[^\"]*V[^\"]*M[^\"]*h8M[^\"]*h8\"");
  EXPECT_EQ(
      std::distance(std::sregex_iterator(svg.begin(), svg.end(), ci_re), std::sregex_iterator()),
      5);
}

TEST(LineChartTest, YAxisStartsAtZeroAndCoversWhiskers) {
  const std::string svg = RenderLineChart(ThroughputSpec());
  // Data up to 45 × 16 = 720, upper CI 42 × 16 = 672: axis 0..800.
  EXPECT_THAT(svg, HasSubstr(">0</text>"));
  EXPECT_THAT(svg, HasSubstr(">800</text>"));
  EXPECT_THAT(svg, HasSubstr("y axis: output throughput (tok/s) (linear scale, 0 to 800)"));
}

TEST(LineChartTest, ExplicitAxisBoundsAreHonoured) {
  LineChartSpec spec;
  spec.id = "kv";
  spec.title = "KV cache usage";
  spec.y_label = "KV usage (%)";
  spec.x_min = 0;
  spec.y_max = 100;
  spec.series = {Series("kv", {Pt(3, 20), Pt(9, 45)})};
  const std::string svg = RenderLineChart(spec);
  EXPECT_THAT(svg, HasSubstr("y axis: KV usage (%) (linear scale, 0 to 100)"));
  EXPECT_THAT(svg, HasSubstr("x axis: unlabelled (linear scale, 0 to"));
}

TEST(LineChartTest, PointLabelsAreDrawn) {
  LineChartSpec spec;
  spec.id = "pareto";
  spec.title = "Latency vs throughput";
  spec.series = {Series("run", {Pt(100, 0.2, "c=1"), Pt(300, 0.4, "c=4"), Pt(500, 1.5)})};
  const std::string svg = RenderLineChart(spec);
  EXPECT_EQ(Count(svg, "data-role=\"point-label\""), 2u);
  EXPECT_THAT(svg, HasSubstr(">c=4</text>"));
}

TEST(LineChartTest, NonFiniteValuesAreSkipped) {
  LineChartSpec spec;
  spec.id = "nonfinite";
  spec.title = "Skips bad values";
  spec.x_scale = AxisScale::kLog;
  spec.y_scale = AxisScale::kLog;
  spec.series = {Series("s", {PtCi(1, 10, kNaN, kInf), Pt(kNaN, 10), Pt(2, kInf),
                              Pt(0, 5),   // non-positive on a log axis
                              Pt(4, -1),  // non-positive on a log axis
                              PtCi(8, 20, -5, 30), Pt(16, 40)})};
  const std::string svg = RenderLineChart(spec);
  ExpectNoNonFiniteText(svg);
  ExpectBalancedTags(svg);
  // The gap splits the line into two subpaths inside the one path element.
  EXPECT_EQ(Count(svg, "data-role=\"line\""), 1u);
  const std::regex line_re("data-role=\"line\" d=\"([^\"]*)\"");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(svg, m, line_re));
  EXPECT_EQ(Count(m[1], "M"), 2u);
  // Only the point at x = 8 keeps a whisker; its non-positive lower end has no cap.
  EXPECT_EQ(Count(svg, "data-role=\"ci\""), 1u);
  EXPECT_EQ(Count(svg, "h8"), 1u);
}

TEST(LineChartTest, NoDataDrawsFrameAndMessage) {
  LineChartSpec spec;
  spec.id = "empty";
  spec.title = "Nothing yet";
  spec.x_label = "x";
  spec.series = {Series("only bad", {Pt(kNaN, 1)})};
  const std::string svg = RenderLineChart(spec);
  EXPECT_THAT(svg, HasSubstr("data-role=\"frame\""));
  EXPECT_THAT(svg, HasSubstr(">no data</text>"));
  EXPECT_THAT(svg, HasSubstr("<title id=\"empty-title\">Nothing yet</title>"));
  EXPECT_THAT(svg, Not(HasSubstr("data-role=\"line\"")));
  ExpectBalancedTags(svg);
  ExpectIdsPrefixedAndResolved(svg, "empty");

  LineChartSpec none;
  none.id = "none";
  none.title = "No series";
  EXPECT_THAT(RenderLineChart(none), HasSubstr(">no data</text>"));
}

TEST(LineChartTest, SinglePointIsPaddedAndDrawn) {
  LineChartSpec spec;
  spec.id = "one";
  spec.title = "One point";
  spec.series = {Series("s", {Pt(16, 0)})};
  const std::string svg = RenderLineChart(spec);
  EXPECT_EQ(Count(svg, "<circle"), 2u);  // the marker and its legend sample
  EXPECT_THAT(svg, Not(HasSubstr("data-role=\"line\"")));
  EXPECT_THAT(svg, HasSubstr(">16</text>"));
  ExpectNoNonFiniteText(svg);
}

TEST(LineChartTest, StepSeriesDrawsHorizontalThenVerticalSegments) {
  LineChartSpec spec;
  spec.id = "cdf";
  spec.title = "TTFT CDF";
  spec.x_scale = AxisScale::kLog;
  spec.series = {CdfSeries("ttft", {0.1, 0.2, 0.4, 0.8})};
  const std::string svg = RenderLineChart(spec);
  const std::regex line_re("data-role=\"line\" d=\"([^\"]*)\"");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(svg, m, line_re));
  const std::string d = m[1];
  EXPECT_EQ(Count(d, "H"), 3u);
  EXPECT_EQ(Count(d, "V"), 3u);
  EXPECT_EQ(Count(d, "L"), 0u);
  EXPECT_THAT(svg, HasSubstr("y axis: unlabelled (linear scale, 0 to 1.0)"));
}

TEST(LineChartTest, ManyPointsGetSparseMarkers) {
  std::vector<double> values;
  for (int i = 1; i <= 1000; ++i) values.push_back(i);
  LineChartSpec spec;
  spec.id = "sparse";
  spec.title = "Sparse markers";
  spec.series = {CdfSeries("a", values, 400)};
  const std::string svg = RenderLineChart(spec);
  EXPECT_EQ(Count(svg, "<circle"), 11u);  // 10 on the line, one in the legend
}

TEST(LineChartTest, OutputIsDeterministic) {
  EXPECT_EQ(RenderLineChart(ThroughputSpec()), RenderLineChart(ThroughputSpec()));
}

TEST(LineChartTest, MatchesGoldenFile) {
  LineChartSpec spec;
  spec.id = "golden";
  spec.title = "TTFT p50 and p99 vs concurrency";
  spec.x_label = "concurrency (requests)";
  spec.y_label = "TTFT (s)";
  spec.width = 480;
  spec.height = 280;
  spec.series = {Series("p50", {PtCi(1, 0.12, 0.11, 0.13, "c=1"), PtCi(8, 0.2, 0.18, 0.23, "c=8")}),
                 Series("p99", {Pt(1, 0.3), Pt(8, 0.9)})};
  spec.note = "n = 3";
  const std::string svg = RenderLineChart(spec);
  const std::string path =
      std::string(INFERBENCH_SOURCE_DIR) + "/src/report/testdata/svg_chart_golden.svg";
  if (std::getenv("INFERBENCH_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(path, std::ios::binary) << svg;
  }
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in) << "missing " << path << " (run with INFERBENCH_UPDATE_GOLDEN=1)";
  std::stringstream golden;
  golden << in.rdbuf();
  EXPECT_EQ(svg, golden.str()) << "regenerate with INFERBENCH_UPDATE_GOLDEN=1 after checking";
}

// --- CdfSeries --------------------------------------------------------------------------------

TEST(CdfSeriesTest, OnePointPerDistinctValue) {
  const ChartSeries s = CdfSeries("gap", {3, 1, 2, 2, kNaN, kInf});
  EXPECT_EQ(s.name, "gap");
  EXPECT_TRUE(s.step);
  ASSERT_EQ(s.points.size(), 3u);
  EXPECT_EQ(s.points[0].x, 1);
  EXPECT_DOUBLE_EQ(s.points[0].y, 0.25);
  EXPECT_EQ(s.points[1].x, 2);
  EXPECT_DOUBLE_EQ(s.points[1].y, 0.75);
  EXPECT_EQ(s.points[2].x, 3);
  EXPECT_DOUBLE_EQ(s.points[2].y, 1.0);
}

TEST(CdfSeriesTest, ThinningKeepsMinimumMaximumAndIsMonotone) {
  std::vector<double> values;
  for (int i = 0; i < 2003; ++i) values.push_back(std::pow(1.001, (i * 997) % 2003));
  const ChartSeries s = CdfSeries("ttft", values, 100);
  ASSERT_EQ(s.points.size(), 100u);
  EXPECT_EQ(s.points.front().x, *std::min_element(values.begin(), values.end()));
  EXPECT_EQ(s.points.back().x, *std::max_element(values.begin(), values.end()));
  EXPECT_DOUBLE_EQ(s.points.back().y, 1.0);
  for (size_t i = 1; i < s.points.size(); ++i) {
    EXPECT_GT(s.points[i].x, s.points[i - 1].x);
    EXPECT_GT(s.points[i].y, s.points[i - 1].y);
  }
  EXPECT_EQ(CdfSeries("tiny", values, 0).points.size(), 2u);
}

TEST(CdfSeriesTest, EmptyInputGivesEmptySeries) {
  EXPECT_TRUE(CdfSeries("none", {}).points.empty());
  EXPECT_TRUE(CdfSeries("bad", {kNaN}).points.empty());
}

// --- RenderTimeline ---------------------------------------------------------------------------

TimelineSpec SmallTimeline(const std::string& id) {
  TimelineSpec spec;
  spec.id = id;
  spec.title = "Requests of replicate 1";
  spec.bars = {Bar(0, 0.1, 0.3, 1.2), Bar(0.5, 0.5, kNaN, 0.9, /*error=*/true),
               Bar(1.0, 1.2, 1.4, 2.8), Bar(kNaN, 0, 0, 0)};
  return spec;
}

TEST(TimelineTest, DrawsSegmentsWithPatternsAndMarksErrors) {
  const std::string svg = RenderTimeline(SmallTimeline("timeline-r1"));
  EXPECT_THAT(svg, HasSubstr("data-chart=\"timeline-r1\""));
  EXPECT_THAT(svg, HasSubstr("<title id=\"timeline-r1-title\">Requests of replicate 1</title>"));
  EXPECT_EQ(Count(svg, "data-role=\"bar\""), 3u);   // the bar without a schedule time is skipped
  EXPECT_EQ(Count(svg, "data-role=\"wait\""), 2u);  // the second request was sent when scheduled
  EXPECT_EQ(Count(svg, "data-role=\"ttft\""), 3u);  // no first token: waited until it ended
  EXPECT_EQ(Count(svg, "data-role=\"decode\""), 2u);
  EXPECT_EQ(Count(svg, "data-error=\"1\""), 1u);
  EXPECT_EQ(Count(svg, "data-role=\"error\""), 2u);  // the mark and its legend sample
  EXPECT_THAT(svg, HasSubstr("<pattern id=\"timeline-r1-pat-wait\""));
  EXPECT_THAT(svg, HasSubstr("<pattern id=\"timeline-r1-pat-ttft\""));
  EXPECT_THAT(svg, HasSubstr("<pattern id=\"timeline-r1-pat-decode\""));
  EXPECT_THAT(svg, HasSubstr(">time since the replicate began (s)</text>"));
  EXPECT_THAT(svg, HasSubstr(">#1</text>"));
  EXPECT_THAT(svg, HasSubstr(">#3</text>"));
  EXPECT_EQ(Count(svg, "data-role=\"legend-item\""), 4u);
  ExpectBalancedTags(svg);
  ExpectSelfContained(svg);
  ExpectIdsPrefixedAndResolved(svg, "timeline-r1");
  ExpectNoNonFiniteText(svg);
}

TEST(TimelineTest, TwoChartsOnOnePageDoNotShareIds) {
  const std::string a = RenderTimeline(SmallTimeline("timeline-a"));
  const std::string b = RenderTimeline(SmallTimeline("timeline-b"));
  ExpectIdsPrefixedAndResolved(a + b, "timeline");
  EXPECT_THAT(b, Not(HasSubstr("timeline-a")));
}

TEST(TimelineTest, ThinsEvenlyAboveMaxBarsWithANote) {
  TimelineSpec spec;
  spec.id = "big";
  spec.title = "Many requests";
  spec.max_bars = 100;
  for (int i = 0; i < 1000; ++i) {
    const double t = i * 0.01;
    spec.bars.push_back(Bar(t, t, t + 0.05, t + 0.5));
  }
  const std::string svg = RenderTimeline(spec);
  EXPECT_EQ(Count(svg, "data-role=\"bar\""), 100u);
  EXPECT_THAT(svg, HasSubstr("data-request=\"1\""));
  EXPECT_THAT(svg, HasSubstr("data-request=\"1000\""));
  EXPECT_THAT(svg, HasSubstr(">Showing 100 of 1000 requests, evenly thinned"));
  EXPECT_EQ(Count(svg, "data-role=\"legend-item\""), 3u);  // no errors: no error entry
}

TEST(TimelineTest, NoBarsDrawsNoData) {
  TimelineSpec spec;
  spec.id = "none";
  spec.title = "Empty";
  const std::string svg = RenderTimeline(spec);
  EXPECT_THAT(svg, HasSubstr(">no data</text>"));
  ExpectBalancedTags(svg);
  ExpectNoNonFiniteText(svg);
}

}  // namespace
}  // namespace inferbench::report
