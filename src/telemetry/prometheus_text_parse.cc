// The parser half of prometheus_text.h: one pass over the text, one line at a time. Each line is
// read by a cursor that only moves forward, so the parser ends on any input; a line that breaks
// the grammar becomes one PrometheusParseError and the next line starts afresh.
#include <charconv>
#include <optional>
#include <string>
#include <string_view>

#include "telemetry/prometheus_text.h"

namespace inferbench::telemetry {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsMetricNameStart(char c) { return IsAlpha(c) || c == '_' || c == ':'; }
bool IsMetricNameChar(char c) { return IsMetricNameStart(c) || IsDigit(c); }
bool IsLabelNameStart(char c) { return IsAlpha(c) || c == '_'; }
bool IsLabelNameChar(char c) { return IsLabelNameStart(c) || IsDigit(c); }

// A float as Go's strconv.ParseFloat reads the text format's values: decimal or exponent form,
// an optional sign, and Inf/+Inf/-Inf/NaN in any case.
std::optional<double> ParseValue(std::string_view token) {
  if (!token.empty() && token.front() == '+') {
    token.remove_prefix(1);
    if (!token.empty() && token.front() == '-') return std::nullopt;
  }
  if (token.empty()) return std::nullopt;
  double value = 0.0;
  const char* end = token.data() + token.size();
  const auto [ptr, ec] = std::from_chars(token.data(), end, value, std::chars_format::general);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

std::optional<int64_t> ParseTimestamp(std::string_view token) {
  int64_t value = 0;
  const char* end = token.data() + token.size();
  const auto [ptr, ec] = std::from_chars(token.data(), end, value);
  if (token.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

std::optional<MetricType> ParseType(std::string_view token) {
  if (token == "counter") return MetricType::kCounter;
  if (token == "gauge") return MetricType::kGauge;
  if (token == "histogram") return MetricType::kHistogram;
  if (token == "summary") return MetricType::kSummary;
  if (token == "untyped" || token == "unknown") return MetricType::kUntyped;
  return std::nullopt;
}

class LineParser {
 public:
  LineParser(std::string_view line, PrometheusScrape& scrape) : line_(line), scrape_(scrape) {}

  // Returns the reason the line is bad, or an empty string when it was taken (or ignored).
  std::string Parse() {
    SkipBlanks();
    if (AtEnd()) return {};
    if (Peek() == '#') {
      ++pos_;
      return ParseComment();
    }
    return ParseSample();
  }

 private:
  bool AtEnd() const { return pos_ >= line_.size(); }
  char Peek() const { return line_[pos_]; }
  void SkipBlanks() {
    while (!AtEnd() && IsBlank(Peek())) ++pos_;
  }
  std::string_view TakeToken() {
    const size_t start = pos_;
    while (!AtEnd() && !IsBlank(Peek())) ++pos_;
    return line_.substr(start, pos_ - start);
  }
  std::string_view TakeMetricName() {
    const size_t start = pos_;
    if (!AtEnd() && IsMetricNameStart(Peek())) {
      while (!AtEnd() && IsMetricNameChar(Peek())) ++pos_;
    }
    return line_.substr(start, pos_ - start);
  }
  std::string_view TakeLabelName() {
    const size_t start = pos_;
    if (!AtEnd() && IsLabelNameStart(Peek())) {
      while (!AtEnd() && IsLabelNameChar(Peek())) ++pos_;
    }
    return line_.substr(start, pos_ - start);
  }

  std::string ParseComment() {
    SkipBlanks();
    const std::string_view keyword = TakeToken();
    if (keyword != "HELP" && keyword != "TYPE") return {};  // an ordinary comment
    SkipBlanks();
    const std::string_view name = TakeMetricName();
    if (name.empty()) return std::string(keyword) + " line without a valid metric name";
    if (!AtEnd() && !IsBlank(Peek())) {
      return "invalid character '" + std::string(1, Peek()) + "' in metric name of " +
             std::string(keyword) + " line";
    }
    SkipBlanks();
    if (keyword == "HELP") {
      // Docstring escapes are \\ and \n; any other backslash is kept as written.
      std::string help;
      for (; !AtEnd(); ++pos_) {
        const char c = Peek();
        if (c == '\\' && pos_ + 1 < line_.size() &&
            (line_[pos_ + 1] == '\\' || line_[pos_ + 1] == 'n')) {
          help += line_[pos_ + 1] == 'n' ? '\n' : '\\';
          ++pos_;
        } else {
          help += c;
        }
      }
      scrape_.helps.emplace_back(std::string(name), std::move(help));
      return {};
    }
    const std::string_view type_token = TakeToken();
    if (type_token.empty()) return "TYPE line without a type for " + std::string(name);
    const std::optional<MetricType> type = ParseType(type_token);
    if (!type) return "unknown metric type '" + std::string(type_token) + "'";
    SkipBlanks();
    if (!AtEnd()) return "unexpected text after the type in TYPE line";
    if (scrape_.FindType(name) != nullptr) return "second TYPE line for " + std::string(name);
    scrape_.types.emplace_back(std::string(name), *type);
    return {};
  }

  std::string ParseSample() {
    PrometheusSample sample;
    sample.name = std::string(TakeMetricName());
    if (sample.name.empty()) {
      return "expected a metric name, found '" + std::string(1, Peek()) + "'";
    }
    if (!AtEnd() && !IsBlank(Peek()) && Peek() != '{') {
      return "invalid character '" + std::string(1, Peek()) + "' in metric name";
    }
    SkipBlanks();
    if (!AtEnd() && Peek() == '{') {
      ++pos_;
      std::string reason = ParseLabels(sample.labels);
      if (!reason.empty()) return reason;
    }
    SkipBlanks();
    if (AtEnd()) return "missing value for " + sample.name;
    const std::string_view value_token = TakeToken();
    const std::optional<double> value = ParseValue(value_token);
    if (!value) return "invalid value '" + std::string(value_token) + "'";
    sample.value = *value;
    SkipBlanks();
    if (!AtEnd()) {
      const std::string_view ts_token = TakeToken();
      const std::optional<int64_t> timestamp = ParseTimestamp(ts_token);
      if (!timestamp) return "invalid timestamp '" + std::string(ts_token) + "'";
      sample.timestamp_ms = *timestamp;
      SkipBlanks();
      if (!AtEnd()) return "unexpected text after the timestamp";
    }
    scrape_.samples.push_back(std::move(sample));
    return {};
  }

  // After '{': `name="value"` pairs separated by commas (a trailing comma is allowed) up to '}'.
  std::string ParseLabels(Labels& labels) {
    while (true) {
      SkipBlanks();
      if (AtEnd()) return "unterminated label set";
      if (Peek() == '}') {
        ++pos_;
        return {};
      }
      const std::string_view key = TakeLabelName();
      if (key.empty()) return "invalid label name at '" + std::string(1, Peek()) + "'";
      SkipBlanks();
      if (AtEnd() || Peek() != '=') return "expected '=' after label " + std::string(key);
      ++pos_;
      SkipBlanks();
      if (AtEnd() || Peek() != '"') return "value of label " + std::string(key) + " not quoted";
      ++pos_;
      std::string value;
      bool closed = false;
      while (!AtEnd()) {
        const char c = Peek();
        ++pos_;
        if (c == '"') {
          closed = true;
          break;
        }
        if (c != '\\') {
          value += c;
          continue;
        }
        if (AtEnd()) break;
        const char escaped = Peek();
        ++pos_;
        if (escaped == 'n') {
          value += '\n';
        } else if (escaped == '\\' || escaped == '"') {
          value += escaped;
        } else {
          return "invalid escape '\\" + std::string(1, escaped) + "' in label " + std::string(key);
        }
      }
      if (!closed) return "unterminated value of label " + std::string(key);
      for (const auto& existing : labels) {
        if (existing.first == key) return "duplicate label " + std::string(key);
      }
      labels.emplace_back(std::string(key), std::move(value));
      SkipBlanks();
      if (AtEnd()) return "unterminated label set";
      if (Peek() == ',') {
        ++pos_;
      } else if (Peek() != '}') {
        return "expected ',' or '}' after label " + std::string(key);
      }
    }
  }

  std::string_view line_;
  size_t pos_ = 0;
  PrometheusScrape& scrape_;
};

}  // namespace

PrometheusScrape ParsePrometheusText(std::string_view text) {
  PrometheusScrape scrape;
  int line_number = 0;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    std::string reason = LineParser(line, scrape).Parse();
    if (!reason.empty()) scrape.errors.push_back({line_number, std::move(reason)});
  }
  return scrape;
}

}  // namespace inferbench::telemetry
