// workload_spec_digest and benchmark_case_id (DESIGN.md §5): the identity of "the same benchmark"
// across runs, so results of different engines, versions or machines on the same workload can be
// compared and a history keyed.
//
// WorkloadDigestInput is the object hashed, digest version 1 (every key present, defaults filled
// in, optional values that are unset written as null):
//
//   {"digestVersion": 1,
//    "target":   {"endpoint", "model", "extraBody"},
//    "workload": {"dataset": {"type", "inputTokens": {"mean", "stddev"},
//                             "outputTokens": {"mean", "stddev"}, "entries", "promptFormat",
//                             "contentDigest": null},          // synthetic
//                 "dataset": {"type", "contentDigest": {…}},   // every other kind (below)
//                 "tokenizer": "sha256:…",                    // only when workload.tokenizer is set
//                 "sampling": {"temperature", "topP", "seed", "ignoreEos", "minTokens"},
//                 "seeds": {"prompts", "lengths"},   // decimal strings (see below)
//                 "cacheBust",
//                 "warmup": {"requests"}}}
//
// workload_spec_digest = lower-case hex SHA-256 of CanonicalJson(input) (RFC 8785). Seeds are
// written as decimal strings because derived seeds use all 64 bits and RFC 8785 numbers are
// doubles: as strings every implementation reproduces the bytes. sampling.seed (also 64-bit) is
// likewise a string. Everything else — target.url, headers, apiKeyEnv, metricsUrls, readiness,
// sim, system.*, load (levels become point strings), the schedule/sampling/order/bootstrap
// seeds, measurement.*, slo, constraints, sinks, provenance — is deliberately left out: those
// are candidate variables under test or measurement choices, not the workload.
//
// Datasets other than synthetic: contentDigest is workload.dataset_digest, the loaded dataset's
// DigestJson() (workload/dataset.h: {type, options sorted, content_digest "sha256:<file bytes>"})
// with the `sessions` option removed (sessions=N is a load level: it is in the point string).
// The file's path never enters: the same bytes anywhere are the same workload. The tokenizer
// enters as the SHA-256 of its file. Both are filled by runner::ResolveWorkloadFiles; REQUIRES
// (for such specs): it ran, else contentDigest / tokenizer are null and the digest is not the
// run's. Synthetic specs without a tokenizer hash exactly as before these keys existed.
//
// Changing this object in any way that changes digests of existing specs requires bumping
// kWorkloadDigestVersion.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "spec/benchmark_run.h"

namespace inferbench::spec {

inline constexpr int kWorkloadDigestVersion = 1;

nlohmann::json WorkloadDigestInput(const BenchmarkRun& run);

// SHA-256 hex of CanonicalJson(WorkloadDigestInput(run)).
std::string WorkloadSpecDigest(const BenchmarkRun& run);

// benchmark_case_id: SHA-256 hex of the bytes  workload_digest + "\n" + point  (the 64 hex
// characters, one line feed 0x0A, the point string as results/point.h formats it, no trailing
// newline). Adding a level to a spec never changes the id of the other points.
std::string BenchmarkCaseId(const std::string& workload_digest, std::string_view point);

}  // namespace inferbench::spec
