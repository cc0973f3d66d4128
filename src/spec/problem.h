// Problem: one thing wrong (or doubtful) in a BenchmarkRun document, with the YAML path and line
// it is about. Parsing and validation collect every problem rather than stopping at the first, so
// `spec validate` can show them all at once.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace inferbench::spec {

struct Problem {
  std::string path;     // concrete YAML path: "spec.constraints[1].op"; "" for the whole document
  int line = 0;         // 1-based; 0 when unknown (a spec built in code, an unreadable file)
  std::string message;  // what is wrong and what to write instead
  bool warning = false;

  friend bool operator==(const Problem&, const Problem&) = default;
};

// "SOURCE:LINE: error: PATH: message" (":LINE" left out when the line is unknown, "PATH: " when
// the path is empty).
std::string FormatProblem(const Problem& problem, std::string_view source);

bool HasErrors(const std::vector<Problem>& problems);
size_t CountWarnings(const std::vector<Problem>& problems);

// Orders problems by line (unknown lines first), keeping the order of equal lines.
void SortProblems(std::vector<Problem>& problems);

}  // namespace inferbench::spec
