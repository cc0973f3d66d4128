#include "spec/requests_expr.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <string>

namespace inferbench::spec {
namespace {

constexpr std::string_view kAccepted =
    "accepted: an integer (64), Nx for N times the level (4x, 0.5x), x, max(a, b), min(a, b), "
    "nested "
    "as in max(64, 4x)";

// Recursive-descent evaluator over the expression text; the first error stops it.
class Evaluator {
 public:
  Evaluator(std::string_view text, double level) : text_(text), level_(level) {}

  Result<double> Run() {
    double v = Expr();
    SkipSpace();
    if (error_.empty() && pos_ != text_.size()) Fail("unexpected text");
    if (!error_.empty()) return Result<double>::Error(error_);
    return v;
  }

 private:
  void SkipSpace() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  bool Eat(char c) {
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  void Fail(std::string_view what) {
    if (!error_.empty()) return;
    std::string at = pos_ < text_.size()
                         ? fmt::format("\"{}\" at position {}", text_.substr(pos_), pos_ + 1)
                         : std::string("the end");
    error_ = fmt::format("requestsPerLevel \"{}\": {} at {}; {}", text_, what, at, kAccepted);
  }

  double Expr() {
    SkipSpace();
    if (!error_.empty()) return 0;
    std::string_view rest = text_.substr(pos_);
    if (rest.starts_with("max") || rest.starts_with("min")) {
      const bool is_max = rest.starts_with("max");
      pos_ += 3;
      if (!Eat('(')) {
        Fail(fmt::format("expected '(' after {}", is_max ? "max" : "min"));
        return 0;
      }
      double v = Expr();
      int args = 1;
      while (error_.empty() && Eat(',')) {
        double w = Expr();
        v = is_max ? std::max(v, w) : std::min(v, w);
        ++args;
      }
      if (!error_.empty()) return 0;
      if (!Eat(')')) {
        Fail("expected ',' or ')'");
        return 0;
      }
      if (args < 2) Fail(fmt::format("{} needs at least two arguments", is_max ? "max" : "min"));
      return v;
    }
    if (!rest.empty() && rest.front() == 'x') {
      ++pos_;
      return level_;
    }
    size_t end = pos_;
    while (end < text_.size() &&
           (std::isdigit(static_cast<unsigned char>(text_[end])) || text_[end] == '.'))
      ++end;
    if (end == pos_) {
      Fail("expected a number, x, max( or min(");
      return 0;
    }
    double v = 0;
    auto [ptr, ec] = std::from_chars(text_.data() + pos_, text_.data() + end, v);
    if (ec != std::errc() || ptr != text_.data() + end) {
      Fail("malformed number");
      return 0;
    }
    pos_ = end;
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == 'x') {
      ++pos_;
      return v * level_;
    }
    return v;
  }

  std::string_view text_;
  double level_;
  size_t pos_ = 0;
  std::string error_;
};

}  // namespace

Status CheckRequestsPerLevel(std::string_view expr) {
  Result<double> v = Evaluator(expr, 1).Run();
  return v.ok() ? Status::Ok() : v.status();
}

Result<int64_t> EvaluateRequestsPerLevel(std::string_view expr, double level) {
  Result<double> v = Evaluator(expr, level).Run();
  if (!v.ok()) return v.status();
  // Round up, forgiving the last bits of binary fractions (0.1x at 30 is 3.0000000000000004).
  const double n = std::ceil(*v - 1e-9);
  if (!(n >= 1)) {
    return Result<int64_t>::Error(fmt::format(
        "requestsPerLevel \"{}\" gives {} requests at level {}; every point needs at least 1", expr,
        *v, level));
  }
  if (n > 1e12) {
    return Result<int64_t>::Error(
        fmt::format("requestsPerLevel \"{}\" gives {} requests at level {}; the limit is 10^12",
                    expr, *v, level));
  }
  return static_cast<int64_t>(n);
}

}  // namespace inferbench::spec
