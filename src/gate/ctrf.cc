#include "gate/ctrf.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <utility>

#include "core/atomic_file.h"

namespace inferbench::gate {
namespace {

nlohmann::json NumberOrNull(double value) {
  return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(nullptr);
}

// RFC 3339 in UTC with milliseconds: "2025-11-24T12:00:00.123Z".
std::string Rfc3339(int64_t epoch_ms) {
  const std::time_t seconds = static_cast<std::time_t>(epoch_ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &utc);
  return fmt::format("{}.{:03d}Z", buffer, static_cast<int>(epoch_ms % 1000));
}

nlohmann::json CtrfTest(const results::GateOutcome& o, const std::string& suite) {
  nlohmann::json reasons = nlohmann::json::array();
  for (const std::string& r : o.draft_reasons) reasons.push_back(r);
  nlohmann::json ours = {{"metric", o.metric},
                         {"point", o.point},
                         {"op", o.op},
                         {"value", NumberOrNull(o.value)},
                         {"tolerance", o.tolerance},
                         {"strict", o.strict},
                         {"measured", NumberOrNull(o.measured)},
                         {"ci_low", NumberOrNull(o.ci_low)},
                         {"ci_high", NumberOrNull(o.ci_high)},
                         {"n", o.n},
                         {"tier", o.tier},
                         {"draft_reasons", std::move(reasons)},
                         {"message", o.message}};
  nlohmann::json test = {{"name", o.name},
                         {"status", o.status},
                         // A constraint takes no time of its own; the measurement is the run's.
                         {"duration", int64_t{0}},
                         {"message", o.message},
                         {"extra", {{"inferbench", std::move(ours)}}}};
  nlohmann::json suites = nlohmann::json::array({suite});
  if (!o.point.empty()) suites.push_back(o.point);
  test["suite"] = std::move(suites);
  return test;
}

}  // namespace

nlohmann::json CtrfReport(const GateReport& report, const results::RunResult& run,
                          std::string_view tool_version) {
  const std::string suite = run.name.empty() ? "inferbench gate" : run.name;
  int64_t passed = 0, failed = 0, skipped = 0, other = 0;
  nlohmann::json tests = nlohmann::json::array();
  for (const results::GateOutcome& o : report.outcomes) {
    results::GateOutcome copy;
    const results::GateOutcome* outcome = &o;
    if (o.status != "passed" && o.status != "failed" && o.status != "skipped" &&
        o.status != "other") {
      // CTRF knows only its five statuses; anything else is an evaluation error.
      copy = o;
      copy.status = "other";
      outcome = &copy;
    }
    if (outcome->status == "passed") ++passed;
    else if (outcome->status == "failed") ++failed;
    else if (outcome->status == "skipped") ++skipped;
    else ++other;
    tests.push_back(CtrfTest(*outcome, suite));
  }
  const int64_t start = report.start_ms;
  const int64_t stop = std::max(report.stop_ms, report.start_ms);

  nlohmann::json warnings = nlohmann::json::array();
  for (const std::string& w : report.warnings) warnings.push_back(w);
  nlohmann::json environment = {
      {"reportName", fmt::format("inferbench gate: {}", suite)},
      {"extra",
       {{"run_id", run.run_id},
        {"run_status", run.status},
        {"tier", run.tier},
        {"mode", run.mode},
        {"workload_spec_digest", run.workload_spec_digest}}}};

  nlohmann::json results = {
      {"tool", {{"name", "inferbench"}, {"version", std::string(tool_version)}}},
      {"summary",
       {{"tests", static_cast<int64_t>(report.outcomes.size())},
        {"passed", passed},
        {"failed", failed},
        {"skipped", skipped},
        {"pending", int64_t{0}},
        {"other", other},
        {"start", start},
        {"stop", stop},
        {"duration", stop - start}}},
      {"tests", std::move(tests)},
      {"environment", std::move(environment)},
      {"extra",
       {{"inferbench",
         {{"run_id", run.run_id},
          {"run_status", run.status},
          {"gate_status", report.status},
          {"message", report.message},
          {"warnings", std::move(warnings)}}}}}};
  return {{"reportFormat", "CTRF"},
          {"specVersion", std::string(kCtrfSpecVersion)},
          {"timestamp", Rfc3339(stop)},
          {"generatedBy", fmt::format("inferbench {}", tool_version)},
          {"results", std::move(results)}};
}

Status WriteCtrf(const std::string& path, const nlohmann::json& report) {
  Status written = WriteFileAtomically(path, report.dump(2) + "\n");
  if (!written.ok()) return Status::Error("CTRF file " + path + ": " + written.message());
  return written;
}

}  // namespace inferbench::gate
