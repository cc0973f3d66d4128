#include "spec/digest.h"

#include "core/canonical_json.h"
#include "core/sha256.h"

namespace inferbench::spec {

nlohmann::json WorkloadDigestInput(const BenchmarkRun& run) {
  using nlohmann::json;
  const Workload& w = run.workload;
  const Dataset& d = w.dataset;
  const Sampling& s = w.sampling;
  // Numbers as doubles so 1024 and 1024.0 in the YAML hash alike (RFC 8785 prints both "1024").
  auto length = [](const LengthDistribution& l) {
    return json{{"mean", l.mean}, {"stddev", l.stddev}};
  };
  json dataset;
  if (d.synthetic()) {
    dataset = {{"type", d.type},
               {"inputTokens", length(d.input_tokens)},
               {"outputTokens", length(d.output_tokens)},
               {"entries", static_cast<double>(d.entries)},
               {"promptFormat", d.prompt_format},
               {"contentDigest", nullptr}};
  } else {
    // The loaded dataset's own digest object (its kind, options and file content digest; never
    // the path), as runner::ResolveWorkloadFiles recorded it.
    dataset = {{"type", d.type}, {"contentDigest", w.dataset_digest}};
  }
  json sampling = {
      {"temperature", s.temperature},
      {"topP", s.top_p ? json(*s.top_p) : json(nullptr)},
      {"seed", s.seed ? json(std::to_string(*s.seed)) : json(nullptr)},
      {"ignoreEos", s.ignore_eos},
      {"minTokens", s.min_tokens ? json(static_cast<double>(*s.min_tokens)) : json(nullptr)}};
  json workload = {{"dataset", dataset},
                   {"sampling", sampling},
                   {"seeds",
                    {{"prompts", std::to_string(w.seeds.prompts)},
                     {"lengths", std::to_string(w.seeds.lengths)}}},
                   {"cacheBust", w.cache_bust},
                   {"warmup", {{"requests", static_cast<double>(w.warmup.requests)}}}};
  // Only with a tokenizer, so the digests of specs without one stay as they were.
  if (!w.tokenizer.empty()) {
    workload["tokenizer"] = w.tokenizer_digest.empty() ? json(nullptr) : json(w.tokenizer_digest);
  }
  return {{"digestVersion", kWorkloadDigestVersion},
          {"target",
           {{"endpoint", run.target.endpoint},
            {"model", run.target.model},
            {"extraBody", run.target.extra_body}}},
          {"workload", workload}};
}

std::string WorkloadSpecDigest(const BenchmarkRun& run) {
  return Sha256Hex(CanonicalJson(WorkloadDigestInput(run)));
}

std::string BenchmarkCaseId(const std::string& workload_digest, std::string_view point) {
  std::string bytes = workload_digest;
  bytes += '\n';
  bytes += point;
  return Sha256Hex(bytes);
}

}  // namespace inferbench::spec
