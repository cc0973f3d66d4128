// The BenchmarkRun contract as data (DESIGN.md §5): one table with every key a spec may write,
// its type, default, allowed values and meaning, plus the mode rules. The parser rejects any key
// not in this table, the validator checks ranges and enums from it, `inferbench tools
// benchmark-contracts` prints it, and a CRD schema can be generated from it later. Adding a key
// to the contract means adding one row here (and its field in benchmark_run.h and
// benchmark_run_json.cc, which a test keeps in step with this table).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace inferbench::spec {

enum class FieldType {
  kObject,  // a mapping with the fixed keys listed as its children
  kMap,     // a mapping with free keys; every value has item_type
  kList,    // a sequence; every element has item_type (kObject: children "path[].key")
  kString,
  kEnum,          // one of `allowed`
  kInt,           // a signed 64-bit integer, written plain (not quoted)
  kUnsigned,      // an unsigned 64-bit integer (seeds)
  kNumber,        // a finite decimal number, written plain
  kBool,          // true | false, written plain
  kDuration,      // "500ms", "30s", "5m" (core/duration.h)
  kPoint,         // a point string (results/point.h): "concurrency=4", "rate=2.5"
  kMetricPath,    // a metric path (results/metric_names.h): "ttft_ms.p99"
  kRequestsExpr,  // requests per level: "64", "4x", "max(64, 4x)" (spec/requests_expr.h)
  kArrival,       // poisson | constant | gamma:K
  kJson,          // any YAML value, kept as JSON (extraBody)
  kSloBounds,     // "ttft_ms.p99<=2000,tpot_ms.p99<=100" or a mapping {ttft_ms.p99: 2000}
};

// "object", "map", "list", "string", "enum", "int", "uint64", "number", "bool", "duration",
// "point", "metric-path", "requests-expr", "arrival", "json", "slo-bounds".
std::string_view FieldTypeName(FieldType type);

// A numeric range; for durations the bounds are nanoseconds.
struct NumericRange {
  std::optional<double> min;
  bool min_exclusive = false;
  std::optional<double> max;
  bool max_exclusive = false;

  bool empty() const { return !min && !max; }
  bool Contains(double value) const;
  // ">= 1", "> 0", "[0, 1)", "(0, 1)"; durations formatted as durations.
  std::string Describe(bool duration) const;
};

struct ContractField {
  std::string path;  // "spec.measurement.replicates"; list items "spec.constraints[].op"
  FieldType type = FieldType::kString;
  FieldType item_type = FieldType::kString;  // kList / kMap: the type of every element or value
  std::string default_text;                  // the default as YAML would write it; "" when none
  std::vector<std::string> allowed;          // kEnum (or an enum item_type): the accepted values
  NumericRange range;     // numbers, integers, durations; for kList: every element
  size_t min_items = 0;   // kList: fewest elements
  bool required = false;  // must be written whenever its parent object is
  // kObject: a plain scalar written in place of the mapping means {scalar_key: scalar}
  // ("outputTokens: 32" is {mean: 32}); "" when the object has no short form.
  std::string scalar_key;
  std::string doc;        // one line

  // The parent's path: "spec.measurement" for "spec.measurement.replicates", "spec.constraints[]"
  // for "spec.constraints[].op", "" for top-level keys.
  std::string_view parent() const;
  // The last component: "replicates".
  std::string_view key() const;
  // What may be written, as text: the enum values, the range, or "" when anything of the type.
  std::string AllowedText() const;
};

// Every key of the contract in document order (parents before their children).
std::span<const ContractField> ContractFields();
// Null when path (in table form, list items as "[]") is not in the contract.
const ContractField* FindContractField(std::string_view path);
// The direct children of an object path ("" gives apiVersion, kind, metadata, spec).
std::vector<const ContractField*> ChildFields(std::string_view parent);

// The concrete path "spec.constraints[2].op" in table form "spec.constraints[].op".
std::string TablePath(std::string_view concrete_path);

// A rule the validator enforces beyond one key's type and range.
struct ContractRule {
  std::string id;     // "publication.replicates"
  std::string scope;  // "publication" (error there, warning in realism) | "all"
  std::string text;   // what it requires
};
std::span<const ContractRule> ContractRules();

// The names an SLO may bound (spec.slo keys). Mirrors load::IsSloMetric (load/slo.h); spec/ may
// not link load/, so the list is kept here and a comment there should point back.
std::span<const std::string_view> SloMetricNames();

// The closest candidate to text by case-insensitive edit distance, when it is close enough to be
// a plausible typo (at most max(1, len/3) edits); else, for text of 3+ characters, the shortest
// candidate text abbreviates ("ttft" → "ttft_ms"); "" otherwise.
std::string ClosestName(std::string_view text, std::span<const std::string> candidates);

// `tools benchmark-contracts --json`: {"apiVersion", "kind", "fields": [{path, type, items,
// default, required, allowed, enum, minimum, maximum, exclusiveMinimum, exclusiveMaximum,
// minItems, doc}], "rules": [{id, scope, text}]}. Keys absent when they do not apply.
nlohmann::json ContractJson();
// The same as a text table for a terminal.
std::string FormatContractText();

}  // namespace inferbench::spec
