#include "spec/problem.h"

#include <fmt/format.h>

#include <algorithm>

namespace inferbench::spec {

std::string FormatProblem(const Problem& problem, std::string_view source) {
  std::string out(source.empty() ? "<spec>" : source);
  if (problem.line > 0) out += fmt::format(":{}", problem.line);
  out += problem.warning ? ": warning: " : ": error: ";
  if (!problem.path.empty()) out += problem.path + ": ";
  out += problem.message;
  return out;
}

bool HasErrors(const std::vector<Problem>& problems) {
  return std::any_of(problems.begin(), problems.end(), [](const Problem& p) { return !p.warning; });
}

size_t CountWarnings(const std::vector<Problem>& problems) {
  return static_cast<size_t>(
      std::count_if(problems.begin(), problems.end(), [](const Problem& p) { return p.warning; }));
}

void SortProblems(std::vector<Problem>& problems) {
  std::stable_sort(problems.begin(), problems.end(),
                   [](const Problem& a, const Problem& b) { return a.line < b.line; });
}

}  // namespace inferbench::spec
