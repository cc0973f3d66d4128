// Test helpers shared by the spec/ tests: a minimal valid publication-mode spec and line lookup.
#pragma once

#include <string>
#include <string_view>

namespace inferbench::spec::testing {

// Valid in publication mode with no problem at all (validate_test checks that).
inline constexpr std::string_view kValidSpec = R"(apiVersion: inferbench.dev/v1alpha1
kind: BenchmarkRun
metadata:
  name: test-spec
spec:
  intent:
    mode: publication
    kpis: [output_throughput_tok_s, ttft_ms.p50]
  target:
    url: http://127.0.0.1:8000
    model: test-model
  workload:
    load:
      levels: [1, 4]
  measurement:
    replicates: 3
    confidenceLevel: 0.95
    outlierPolicy: {method: mad}
  constraints:
    - {metric: ttft_ms.p50, op: "<=", value: 500, tolerance: 0.1, at: "concurrency=4"}
)";

// kValidSpec with the first occurrence of `from` replaced by `to`. REQUIRES: from occurs.
inline std::string Edit(std::string_view from, std::string_view to,
                        std::string_view base = kValidSpec) {
  std::string text(base);
  size_t at = text.find(from);
  if (at == std::string::npos) return "EDIT TARGET NOT FOUND: " + std::string(from);
  text.replace(at, from.size(), to);
  return text;
}

// The 1-based line of the first line of text containing needle; 0 when none does.
inline int LineContaining(std::string_view text, std::string_view needle) {
  size_t at = text.find(needle);
  if (at == std::string_view::npos) return 0;
  int line = 1;
  for (size_t i = 0; i < at; ++i) line += text[i] == '\n';
  return line;
}

}  // namespace inferbench::spec::testing
