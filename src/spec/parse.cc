#include "spec/parse.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

#include "core/duration.h"
#include "spec/benchmark_run_json.h"
#include "spec/contract.h"
#include "spec/validate.h"

namespace inferbench::spec {
namespace {

using nlohmann::json;

int LineOf(const YAML::Node& node) { return node.Mark().is_null() ? 0 : node.Mark().line + 1; }

std::string Join(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

std::string_view Describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Null:
      return "nothing";
    default:
      return "a scalar";
  }
}

// What a value of each type looks like, for "expected …" messages.
std::string Expected(FieldType type) {
  switch (type) {
    case FieldType::kInt:
      return "an integer";
    case FieldType::kUnsigned:
      return "a non-negative integer";
    case FieldType::kNumber:
      return "a number";
    case FieldType::kBool:
      return "true or false";
    case FieldType::kDuration:
      return "a duration such as 500ms, 30s or 5m";
    case FieldType::kObject:
      return "a mapping of keys";
    case FieldType::kMap:
      return "a mapping (name: value)";
    case FieldType::kList:
      return "a list such as [a, b]";
    case FieldType::kPoint:
      return "a point string such as concurrency=4 or rate=2.5";
    case FieldType::kMetricPath:
      return "a metric path such as ttft_ms.p99";
    case FieldType::kSloBounds:
      return "bounds such as \"ttft_ms.p99<=2000,tpot_ms.p99<=100\" or {ttft_ms.p99: 2000}";
    default:
      return "a string";
  }
}

// Any YAML value as JSON: plain scalars that read as null, booleans or numbers become those, every
// other scalar a string.
json YamlToJson(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      json out = json::object();
      for (const auto& kv : node) out[kv.first.Scalar()] = YamlToJson(kv.second);
      return out;
    }
    case YAML::NodeType::Sequence: {
      json out = json::array();
      for (const auto& item : node) out.push_back(YamlToJson(item));
      return out;
    }
    case YAML::NodeType::Scalar: {
      const std::string& s = node.Scalar();
      if (node.Tag() != "?") return s;
      if (s == "null" || s == "~") return nullptr;
      if (s == "true") return true;
      if (s == "false") return false;
      int64_t i = 0;
      auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), i);
      if (ec == std::errc() && p == s.data() + s.size()) return i;
      double d = 0;
      auto [q, ec2] = std::from_chars(s.data(), s.data() + s.size(), d);
      if (ec2 == std::errc() && q == s.data() + s.size() && std::isfinite(d)) return d;
      return s;
    }
    default:
      return nullptr;
  }
}

// Walks the YAML tree against the contract table, building the document's JSON (contract.h types)
// and collecting problems, declared paths and lines.
class DocumentReader {
 public:
  DocumentReader(std::vector<Problem>& problems, std::set<std::string>& declared,
                 std::map<std::string, int>& lines)
      : problems_(problems), declared_(declared), lines_(lines) {}

  // node is the value of an object whose table path is table_path, found at concrete `path`.
  std::optional<json> Object(const YAML::Node& node, const std::string& table_path,
                             const std::string& path, int line) {
    if (node.IsNull()) return json::object();
    if (!node.IsMap()) {
      Error(path, LineOf(node) ? LineOf(node) : line,
            fmt::format("expected a mapping of keys, got {}", Describe(node)));
      return std::nullopt;
    }
    const std::vector<const ContractField*> children = ChildFields(table_path);
    json out = json::object();
    std::set<std::string> seen;
    for (const auto& kv : node) {
      const int key_line = LineOf(kv.first);
      if (!kv.first.IsScalar()) {
        Error(path, key_line, "keys must be plain names");
        continue;
      }
      const std::string key = kv.first.Scalar();
      const std::string child_path = Join(path, key);
      if (!seen.insert(key).second) {
        Error(child_path, key_line,
              "duplicate key: the second value would silently replace the first; keep one");
        continue;
      }
      const ContractField* field = nullptr;
      for (const ContractField* c : children) {
        if (c->key() == key) field = c;
      }
      if (!field) {
        UnknownKey(key, children, child_path, key_line);
        continue;
      }
      declared_.insert(child_path);
      lines_[child_path] = key_line;
      std::optional<json> value = Value(kv.second, *field, child_path, key_line);
      if (value) out[key] = std::move(*value);
    }
    for (const ContractField* c : children) {
      if (c->required && !seen.contains(std::string(c->key()))) {
        Error(Join(path, std::string(c->key())), line,
              fmt::format("required key is missing ({}); add `{}:` under {}", c->doc, c->key(),
                          path.empty() ? "the document root" : path));
      }
    }
    return out;
  }

  std::optional<json> Value(const YAML::Node& node, const ContractField& field,
                            const std::string& path, int line) {
    const int value_line = node.IsNull() ? line : LineOf(node);
    switch (field.type) {
      case FieldType::kObject: {
        const ContractField* short_form =
            field.scalar_key.empty() ? nullptr
                                     : FindContractField(field.path + "." + field.scalar_key);
        if (short_form && node.IsScalar()) {
          // "outputTokens: 32" is {mean: 32}.
          const std::string child_path = path + "." + field.scalar_key;
          declared_.insert(child_path);
          lines_[child_path] = value_line;
          std::optional<json> v = Value(node, *short_form, child_path, value_line);
          if (!v) return std::nullopt;
          return json{{field.scalar_key, std::move(*v)}};
        }
        return Object(node, field.path, path, line);
      }
      case FieldType::kSloBounds: {
        if (node.IsMap()) {
          json out = json::object();
          for (const auto& kv : node) {
            const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "";
            const std::string entry = path + "." + key;
            lines_[entry] = LineOf(kv.first);
            std::optional<json> v =
                Scalar(kv.second, FieldType::kNumber, field, entry, LineOf(kv.first));
            if (v) out[key] = std::move(*v);
          }
          return out;
        }
        if (node.IsScalar() && !node.Scalar().empty()) return node.Scalar();
        Error(path, value_line,
              fmt::format("expected {}, got {}", Expected(FieldType::kSloBounds), Describe(node)));
        return std::nullopt;
      }
      case FieldType::kJson: {
        if (node.IsNull()) return json::object();
        if (!node.IsMap()) {
          Error(path, value_line,
                fmt::format("expected a mapping (a JSON object), got {}", Describe(node)));
          return std::nullopt;
        }
        return YamlToJson(node);
      }
      case FieldType::kMap: {
        if (node.IsNull()) return json::object();
        if (!node.IsMap()) {
          Error(path, value_line,
                fmt::format("expected {}, got {}", Expected(FieldType::kMap), Describe(node)));
          return std::nullopt;
        }
        json out = json::object();
        for (const auto& kv : node) {
          const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "";
          const std::string entry = path + "." + key;
          if (out.contains(key)) {
            Error(entry, LineOf(kv.first), "duplicate key; keep one");
            continue;
          }
          lines_[entry] = LineOf(kv.first);
          std::optional<json> v =
              Scalar(kv.second, field.item_type, field, entry, LineOf(kv.first));
          if (v) out[key] = std::move(*v);
        }
        return out;
      }
      case FieldType::kList: {
        if (node.IsNull()) return json::array();
        if (!node.IsSequence()) {
          Error(path, value_line,
                fmt::format("expected {}, got {}", Expected(FieldType::kList), Describe(node)));
          return std::nullopt;
        }
        // A rejected element is dropped from a list of scalars; `lines` keys the kept elements by
        // their index in the result, so later checks point at the right line. A rejected entry
        // of a list of objects stays as an empty object, keeping every index as written.
        json out = json::array();
        for (size_t i = 0; i < node.size(); ++i) {
          const YAML::Node item = node[i];
          const std::string item_path = fmt::format("{}[{}]", path, i);
          const int item_line = LineOf(item) ? LineOf(item) : value_line;
          if (field.item_type == FieldType::kObject) {
            lines_[item_path] = item_line;
            std::optional<json> v = Object(item, field.path + "[]", item_path, item_line);
            out.push_back(v ? std::move(*v) : json::object());
            continue;
          }
          std::optional<json> v = Scalar(item, field.item_type, field, item_path, item_line);
          if (!v) continue;
          lines_[fmt::format("{}[{}]", path, out.size())] = item_line;
          out.push_back(std::move(*v));
        }
        return out;
      }
      default:
        return Scalar(node, field.type, field, path, line);
    }
  }

  void Error(std::string path, int line, std::string message) {
    problems_.push_back({std::move(path), line, std::move(message), false});
  }

 private:
  std::optional<json> Scalar(const YAML::Node& node, FieldType type, const ContractField& field,
                             const std::string& path, int line) {
    if (node.IsNull()) {
      Error(path, line, fmt::format("has no value; write {} or remove the key", Expected(type)));
      return std::nullopt;
    }
    line = LineOf(node);
    if (!node.IsScalar()) {
      Error(path, line, fmt::format("expected {}, got {}", Expected(type), Describe(node)));
      return std::nullopt;
    }
    const std::string& text = node.Scalar();
    const bool plain = node.Tag() == "?";
    auto wrong = [&]() -> std::optional<json> {
      Error(path, line,
            plain
                ? fmt::format("expected {}, got \"{}\"", Expected(type), text)
                : fmt::format("expected {}, got the quoted string \"{}\" (write it without quotes)",
                              Expected(type), text));
      return std::nullopt;
    };
    switch (type) {
      case FieldType::kInt: {
        int64_t v = 0;
        auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
        if (!plain || ec != std::errc() || p != text.data() + text.size()) return wrong();
        return v;
      }
      case FieldType::kUnsigned: {
        uint64_t v = 0;
        auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
        if (!plain || ec != std::errc() || p != text.data() + text.size()) return wrong();
        return v;
      }
      case FieldType::kNumber: {
        double v = 0;
        auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
        if (!plain || ec != std::errc() || p != text.data() + text.size() || !std::isfinite(v))
          return wrong();
        return v;
      }
      case FieldType::kBool: {
        if (plain && (text == "true" || text == "True" || text == "TRUE")) return true;
        if (plain && (text == "false" || text == "False" || text == "FALSE")) return false;
        return wrong();
      }
      case FieldType::kDuration: {
        Result<int64_t> ns = ParseDurationNs(text);
        if (!ns.ok()) {
          Error(path, line, ns.status().message());
          return std::nullopt;
        }
        return text;
      }
      case FieldType::kEnum: {
        for (const std::string& a : field.allowed) {
          if (a == text) return text;
        }
        std::string closest = ClosestName(text, field.allowed);
        Error(path, line,
              fmt::format("\"{}\" is not one of {}{}", text, fmt::join(field.allowed, ", "),
                          closest.empty() ? "" : fmt::format(" (did you mean {}?)", closest)));
        return std::nullopt;
      }
      default:
        return text;
    }
  }

  void UnknownKey(const std::string& key, const std::vector<const ContractField*>& siblings,
                  const std::string& path, int line) {
    std::vector<std::string> names;
    for (const ContractField* c : siblings) names.emplace_back(c->key());
    std::string closest = ClosestName(key, names);
    if (!closest.empty()) {
      Error(path, line, fmt::format("unknown key \"{}\"; did you mean \"{}\"?", key, closest));
      return;
    }
    for (const ContractField& f : ContractFields()) {
      if (f.key() == key) {
        Error(path, line, fmt::format("unknown key \"{}\" here; it belongs at {}", key, f.path));
        return;
      }
    }
    Error(path, line,
          names.empty() ? fmt::format("unknown key \"{}\"", key)
                        : fmt::format("unknown key \"{}\"; known keys here: {}", key,
                                      fmt::join(names, ", ")));
  }

  std::vector<Problem>& problems_;
  std::set<std::string>& declared_;
  std::map<std::string, int>& lines_;
};

// The single YAML document in text, or a problem saying why there is none.
std::optional<YAML::Node> LoadSingleDocument(std::string_view text,
                                             std::vector<Problem>& problems) {
  std::vector<YAML::Node> docs;
  try {
    docs = YAML::LoadAll(std::string(text));
  } catch (const YAML::ParserException& e) {
    problems.push_back(
        {"", e.mark.is_null() ? 0 : e.mark.line + 1, "YAML syntax: " + e.msg, false});
    return std::nullopt;
  }
  if (docs.empty() || docs.front().IsNull()) {
    problems.push_back(
        {"", 0, "the document is empty; see examples/quickstart.yaml for a complete spec", false});
    return std::nullopt;
  }
  if (docs.size() > 1) {
    problems.push_back(
        {"", LineOf(docs[1]),
         fmt::format("the file holds {} YAML documents; keep one per file", docs.size()), false});
    return std::nullopt;
  }
  return docs.front();
}

Result<std::string> ReadFile(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Result<std::string>::Error(
        fmt::format("cannot read {} {}: {}; check the path", what, path, std::strerror(errno)));
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad())
    return Result<std::string>::Error(fmt::format("cannot read {} {}: I/O error", what, path));
  return buffer.str();
}

}  // namespace

ParseOutcome ParseBenchmarkRun(std::string_view yaml, std::string source_name) {
  ParseOutcome outcome;
  outcome.run.source = source_name;
  std::optional<YAML::Node> root = LoadSingleDocument(yaml, outcome.problems);
  if (!root) return outcome;
  if (!root->IsMap()) {
    outcome.problems.push_back(
        {"", LineOf(*root),
         fmt::format("expected a BenchmarkRun mapping (apiVersion, kind, metadata, spec), got {}",
                     Describe(*root)),
         false});
    return outcome;
  }
  std::set<std::string> declared;
  std::map<std::string, int> lines;
  DocumentReader reader(outcome.problems, declared, lines);
  std::optional<json> document = reader.Object(*root, "", "", 1);
  Result<BenchmarkRun> run = BenchmarkRunFromJson(document ? *document : json::object());
  if (!run.ok()) {
    outcome.problems.push_back({"", 0, run.status().message(), false});
  } else {
    outcome.run = std::move(run.value());
  }
  outcome.run.declared = std::move(declared);
  outcome.run.lines = std::move(lines);
  outcome.run.source = std::move(source_name);
  for (size_t i = 0; i < outcome.run.constraints.size(); ++i) {
    auto it = outcome.run.lines.find(fmt::format("spec.constraints[{}]", i));
    if (it != outcome.run.lines.end()) outcome.run.constraints[i].line = it->second;
  }
  outcome.document_read = true;
  SortProblems(outcome.problems);
  return outcome;
}

ParseOutcome LoadBenchmarkRun(const std::string& path) {
  Result<std::string> text = ReadFile(path, "spec file");
  if (!text.ok()) {
    ParseOutcome outcome;
    outcome.run.source = path;
    outcome.problems.push_back({"", 0, text.status().message(), false});
    return outcome;
  }
  return ParseBenchmarkRun(text.value(), path);
}

Result<std::vector<Constraint>> ParseConstraintsFile(const std::string& path) {
  using R = Result<std::vector<Constraint>>;
  Result<std::string> text = ReadFile(path, "constraints file");
  if (!text.ok()) return text.status();
  std::vector<Problem> problems;
  std::optional<YAML::Node> root = LoadSingleDocument(text.value(), problems);
  BenchmarkRun run;
  if (root) {
    // YAML::Node assignment writes through to the node it refers to: hold the list by optional.
    std::optional<YAML::Node> list;
    int line = 1;
    if (root->IsMap()) {
      for (const auto& kv : *root) {
        if (kv.first.Scalar() == "constraints") {
          list.emplace(kv.second);
          line = LineOf(kv.first);
        } else {
          problems.push_back(
              {kv.first.Scalar(), LineOf(kv.first),
               "unknown key; a constraints file is a list of constraints or {constraints: [...]}",
               false});
        }
      }
    } else {
      list.emplace(*root);
    }
    if (!list || list->IsNull()) {
      problems.push_back(
          {"constraints", line, "no constraints: write a list of {metric, op, value, …}", false});
    } else {
      std::set<std::string> declared;
      DocumentReader reader(problems, declared, run.lines);
      std::optional<json> value =
          reader.Value(*list, *FindContractField("spec.constraints"), "spec.constraints", line);
      if (value) {
        Result<BenchmarkRun> parsed = BenchmarkRunFromJson({{"spec", {{"constraints", *value}}}});
        if (!parsed.ok()) {
          problems.push_back({"", 0, parsed.status().message(), false});
        } else {
          run.constraints = std::move(parsed->constraints);
        }
      }
      run.declared = std::move(declared);
      for (size_t i = 0; i < run.constraints.size(); ++i) {
        run.constraints[i].line = run.lines[fmt::format("spec.constraints[{}]", i)];
      }
      for (Problem& p : ValidateConstraints(run)) {
        bool seen = false;
        for (const Problem& q : problems) seen |= q.path == p.path;
        if (!seen) problems.push_back(std::move(p));
      }
    }
  }
  std::string message;
  for (Problem& p : problems) {
    if (p.warning) continue;
    if (p.path.starts_with("spec.")) p.path = p.path.substr(5);
    if (!message.empty()) message += "\n";
    message += FormatProblem(p, path);
  }
  if (!message.empty()) return R::Error(message);
  return std::move(run.constraints);
}

}  // namespace inferbench::spec
