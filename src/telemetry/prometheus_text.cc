// The writer half of prometheus_text.h and the helpers on parsed scrapes; the parser is in
// prometheus_text_parse.cc.
#include "telemetry/prometheus_text.h"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace inferbench::telemetry {
namespace {

// Python's repr() of a finite double: the shortest digits that round-trip, in fixed notation
// with at least one digit after the point when the decimal exponent is in [-4, 16), else in
// exponent notation with a signed, at least two-digit exponent ("1e-05", "1.5e+16").
std::string PythonFloatRepr(double value) {
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof(buf), value, std::chars_format::scientific);
  std::string_view sci(buf, static_cast<size_t>(res.ptr - buf));  // "-1.2345e+03"
  std::string out;
  if (!sci.empty() && sci.front() == '-') {
    out += '-';
    sci.remove_prefix(1);
  }
  const size_t e = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e)) {
    if (c != '.') digits += c;
  }
  const int exp10 = std::atoi(std::string(sci.substr(e + 1)).c_str());
  const int point = exp10 + 1;  // value = 0.<digits> × 10^point
  const int n = static_cast<int>(digits.size());
  if (point <= -4 || point > 16) {
    out += digits[0];
    if (n > 1) {
      out += '.';
      out.append(digits, 1);
    }
    const int shown = point - 1;
    out += shown < 0 ? "e-" : "e+";
    if (std::abs(shown) < 10) out += '0';
    out += std::to_string(std::abs(shown));
  } else if (point <= 0) {
    out += "0.";
    out.append(static_cast<size_t>(-point), '0');
    out += digits;
  } else if (point < n) {
    out.append(digits, 0, static_cast<size_t>(point));
    out += '.';
    out.append(digits, static_cast<size_t>(point));
  } else {
    out += digits;
    out.append(static_cast<size_t>(point - n), '0');
    out += ".0";
  }
  return out;
}

void AppendEscaped(std::string& out, std::string_view text, bool escape_quote) {
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && escape_quote) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

void AppendSample(std::string& out, std::string_view name, const Labels& labels,
                  std::string_view value) {
  out += name;
  if (!labels.empty()) {
    out += '{';
    for (size_t i = 0; i < labels.size(); ++i) {
      if (i > 0) out += ',';
      out += labels[i].first;
      out += "=\"";
      AppendEscaped(out, labels[i].second, /*escape_quote=*/true);
      out += '"';
    }
    out += '}';
  }
  out += ' ';
  out += value;
  out += '\n';
}

}  // namespace

bool LabelsInclude(const Labels& labels, const Labels& match) {
  for (const auto& [key, value] : match) {
    const auto it = std::find_if(labels.begin(), labels.end(),
                                 [&](const auto& label) { return label.first == key; });
    if (it == labels.end() || it->second != value) return false;
  }
  return true;
}

std::string_view MetricTypeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
    case MetricType::kSummary:
      return "summary";
    case MetricType::kUntyped:
      break;
  }
  return "untyped";
}

std::string FormatPrometheusValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  std::string repr = PythonFloatRepr(value);
  // prometheus_client's floatToGoString: a positive number with more than six digits before the
  // point is written as Go would, mantissa stripped of trailing zeros and points, and the
  // exponent spelled "e+0" followed by the digit count (so 1e10 becomes "1e+010", as theirs does).
  const size_t dot = repr.find('.');
  if (value > 0 && dot != std::string::npos && dot > 6) {
    std::string mantissa = repr.substr(0, 1) + "." + repr.substr(1, dot - 1) + repr.substr(dot + 1);
    while (!mantissa.empty() && (mantissa.back() == '0' || mantissa.back() == '.')) {
      mantissa.pop_back();
    }
    return mantissa + "e+0" + std::to_string(dot - 1);
  }
  return repr;
}

void PrometheusWriter::Family(std::string_view name, MetricType type, std::string_view help) {
  out_ += "# HELP ";
  out_ += name;
  out_ += ' ';
  AppendEscaped(out_, help, /*escape_quote=*/false);
  out_ += "\n# TYPE ";
  out_ += name;
  out_ += ' ';
  out_ += MetricTypeName(type);
  out_ += '\n';
}

void PrometheusWriter::Sample(std::string_view name, const Labels& labels, double value) {
  AppendSample(out_, name, labels, FormatPrometheusValue(value));
}

void PrometheusWriter::HistogramSamples(std::string_view name, const Labels& labels,
                                        const std::vector<double>& bounds,
                                        const std::vector<uint64_t>& bucket_counts, double sum) {
  assert(bucket_counts.size() == bounds.size() + 1);
  Labels bucket_labels = labels;
  const auto le_at = std::find_if(bucket_labels.begin(), bucket_labels.end(),
                                  [](const auto& label) { return label.first > "le"; });
  const size_t le_index = static_cast<size_t>(le_at - bucket_labels.begin());
  bucket_labels.insert(le_at, {"le", ""});

  const std::string bucket_name = std::string(name) + "_bucket";
  uint64_t cumulative = 0;
  for (size_t i = 0; i < bucket_counts.size(); ++i) {
    cumulative += bucket_counts[i];
    const double bound = i < bounds.size() ? bounds[i] : std::numeric_limits<double>::infinity();
    bucket_labels[le_index].second = FormatPrometheusValue(bound);
    Sample(bucket_name, bucket_labels, static_cast<double>(cumulative));
  }
  Sample(std::string(name) + "_count", labels, static_cast<double>(cumulative));
  Sample(std::string(name) + "_sum", labels, sum);
}

std::string_view PrometheusSample::Label(std::string_view key) const {
  for (const auto& [k, v] : labels) {
    if (k == key) return v;
  }
  return {};
}

const MetricType* PrometheusScrape::FindType(std::string_view family) const {
  for (const auto& [name, type] : types) {
    if (name == family) return &type;
  }
  return nullptr;
}

double PrometheusScrape::Sum(std::string_view name, const Labels& match, bool* found) const {
  double total = 0.0;
  bool any = false;
  for (const PrometheusSample& sample : samples) {
    if (sample.name != name || !LabelsInclude(sample.labels, match)) continue;
    total += sample.value;
    any = true;
  }
  if (found != nullptr) *found = any;
  return total;
}

}  // namespace inferbench::telemetry
