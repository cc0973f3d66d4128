// BenchmarkRun <-> JSON in the document's own shape: {"apiVersion", "kind", "metadata", "spec"}
// with the YAML's camelCase keys, every default filled in, durations as duration strings
// ("120s"), and optional keys left out when unset. Used by `spec explain`, the effective spec.yaml
// a run writes, and (internally) by the parser, which builds this JSON from YAML first.
//
// No secret is ever in it: apiKeyEnv is a variable name and header values are written as the
// spec wrote them (${VAR} references are resolved only at run time).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "spec/benchmark_run.h"

namespace inferbench::spec {

nlohmann::json ToJson(const BenchmarkRun& run);

// The inverse of ToJson for a document whose values have the contract's types (contract.h).
// Absent keys keep their defaults; derived defaults are computed: seeds.<dimension> =
// DeriveSeed(seed, "<dimension>"), maxReplicates = replicates. Ranges are not checked (that is
// ValidateBenchmarkRun's job); `declared`, `lines` and `source` are left empty. Errors name the
// key whose value has the wrong JSON type.
Result<BenchmarkRun> BenchmarkRunFromJson(const nlohmann::json& document);

// ToJson(run) written as YAML (block style, short lists in flow style, keys in the contract's
// document order), preceded by `header` (comment lines, may be empty). Parsing the text back
// gives the same ToJson.
std::string EffectiveSpecYaml(const BenchmarkRun& run, const std::string& header = "");

// Any JSON value as YAML text, keys sorted (strings that would read back as another type are
// quoted).
std::string JsonToYaml(const nlohmann::json& value);

}  // namespace inferbench::spec
