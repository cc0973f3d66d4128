// `inferbench runs list|show`: the runs stored in the warehouse (DESIGN.md §9). Read-only, short
// connections (cli/store_flags.h), so they never block a run that is ingesting.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/store_flags.h"
#include "warehouse/runs.h"

namespace inferbench::cli {
namespace {

struct RunsFlags {
  StoreFlags store;
  bool json = false;
  bool all = false;
  int64_t limit = 50;
  std::string name;
  std::string run;
};

std::string Cell(const nlohmann::json& value) {
  if (value.is_null()) return "-";
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean()) return value.get<bool>() ? "yes" : "no";
  return value.dump();
}

std::string Number(const nlohmann::json& value) {
  if (!value.is_number()) return "-";
  if (value.is_number_integer()) return std::to_string(value.get<int64_t>());
  return fmt::format("{:.4g}", value.get<double>());
}

int RunList(const RunsFlags& f) {
  auto db = OpenWarehouseReader(f.store);
  if (!db.ok()) {
    std::fprintf(stderr, "inferbench runs list: %s\n", db.status().message().c_str());
    return kExitError;
  }
  warehouse::ListFilter filter;
  filter.limit = f.limit;
  filter.name = f.name;
  auto table = warehouse::ListRuns(**db, filter);
  if (!table.ok()) {
    std::fprintf(stderr, "inferbench runs list: %s\n", table.status().message().c_str());
    return kExitError;
  }
  if (f.json) {
    std::printf("%s\n", table->ToJson().dump(2).c_str());
  } else if (table->rows.empty()) {
    std::printf("no runs in %s%s\n", f.store.WarehousePath().c_str(),
                f.name.empty() ? "" : (" named " + f.name).c_str());
  } else {
    std::fputs(table->Format().c_str(), stdout);
  }
  return kExitOk;
}

// The metrics a text `runs show` prints per point: the run's KPIs and a few headline metrics
// (--all: every metric).
bool Headline(const std::string& metric, const nlohmann::json& kpis) {
  static const char* kHeadline[] = {"output_throughput_tok_s",
                                    "request_throughput_req_s",
                                    "ttft_ms.p50",
                                    "ttft_ms.p99",
                                    "tpot_ms.p50",
                                    "tpot_ms.p99",
                                    "e2e_latency_ms.p99",
                                    "error_rate",
                                    "goodput_req_s"};
  for (const char* name : kHeadline) {
    if (metric == name) return true;
  }
  if (kpis.is_array()) {
    for (const auto& kpi : kpis) {
      if (kpi == metric) return true;
    }
  }
  return false;
}

std::string FormatShow(const nlohmann::json& j, bool all) {
  const nlohmann::json& run = j["run"];
  std::string out = fmt::format("run {}  \"{}\"\n", Cell(run["run_id"]), Cell(run["name"]));
  out += fmt::format("  started {}  ended {}  status {}  tier {}  gate {}\n",
                     Cell(run["started_at"]), Cell(run["ended_at"]), Cell(run["status"]),
                     Cell(run["tier"]), Cell(run["gate_status"]));
  out += fmt::format("  mode {}  points {}  max replicates {}  requests {}  cold start {} s\n",
                     Cell(run["mode"]), Number(run["point_count"]), Number(run["replicate_count"]),
                     Number(run["request_count"]), Number(run["cold_start_s"]));
  if (run["variable_under_test"].is_string() &&
      !run["variable_under_test"].get<std::string>().empty()) {
    out += "  variable under test: " + run["variable_under_test"].get<std::string>() + "\n";
  }
  if (run["reasons"].is_array() && !run["reasons"].empty()) {
    out += "  draft reasons:\n";
    for (const auto& reason : run["reasons"]) out += "    - " + Cell(reason) + "\n";
  }
  out += fmt::format("  workload_spec_digest     {}\n", Cell(run["workload_spec_digest"]));
  out += fmt::format("  artifact_manifest_digest {}\n", Cell(run["artifact_manifest_digest"]));
  if (const nlohmann::json& l = j["lineage"]; l.is_object()) {
    out += fmt::format("  evidence {} ({} artifacts, {})\n", Cell(l["evidence_uri"]),
                       Number(l["artifact_count"]), l["signed"] == true ? "signed" : "not signed");
  }
  if (const nlohmann::json& s = j["software"]; s.is_object()) {
    out += fmt::format(
        "  software: engine {} {} (server {}), harness {} ({}), driver {}, CUDA {}\n",
        Cell(s["engine"]), Cell(s["engine_version"]), Cell(s["server_version"]),
        Cell(s["harness_version"]), Cell(run["build_id"]), Cell(s["driver"]), Cell(s["cuda"]));
  }
  if (const nlohmann::json& h = j["hardware"]; h.is_object()) {
    out += fmt::format("  hardware: {} × {}, host {} ({}, {} CPUs)\n", Number(h["gpu_count"]),
                       Cell(h["gpu_model"]), Cell(h["host"]), Cell(h["cpu_model"]),
                       Number(h["cpu_count"]));
  }
  if (const nlohmann::json& c = j["cluster"]; c.is_object()) {
    out += fmt::format("  cluster: {} / {} / {} (scheduler {})\n", Cell(c["cluster"]),
                       Cell(c["region"]), Cell(c["node_pool"]), Cell(c["scheduler_path"]));
  }
  if (const nlohmann::json& w = j["workload"]; w.is_object()) {
    out += fmt::format("  workload: model {} ({}), {} {}, ISL {}±{}, OSL {}±{}, load {}\n",
                       Cell(w["model"]), Cell(w["precision"]), Cell(w["protocol"]),
                       Cell(w["dataset"]), Number(w["isl_mean"]), Number(w["isl_stddev"]),
                       Number(w["osl_mean"]), Number(w["osl_stddev"]), Cell(w["load_model"]));
  }
  for (const nlohmann::json& point : j["points"]) {
    out += fmt::format("\n{}  ({}, benchmark_case_id {})\n", Cell(point["point"]),
                       Cell(point["tier"]), Cell(point["benchmark_case_id"]).substr(0, 12));
    warehouse::Table table;
    table.columns = {"metric", "mean", "ci_low", "ci_high", "n", "ci_method"};
    size_t hidden = 0;
    for (const auto& [metric, m] : point["metrics"].items()) {
      if (!all && !Headline(metric, run["intent_kpis"])) {
        ++hidden;
        continue;
      }
      table.rows.push_back({metric, m["mean"], m["ci_low"], m["ci_high"], m["n"], m["ci_method"]});
    }
    std::string text = table.Format();
    text = text.substr(0, text.rfind('('));  // without the "(N rows)" footer
    size_t start = 0;
    while (start < text.size()) {
      size_t end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      out += "  " + text.substr(start, end - start) + "\n";
      start = end + 1;
    }
    if (hidden > 0) out += fmt::format("  (+{} more metrics: --all or --json)\n", hidden);
  }
  return out;
}

int RunShow(const RunsFlags& f) {
  auto db = OpenWarehouseReader(f.store);
  if (!db.ok()) {
    std::fprintf(stderr, "inferbench runs show: %s\n", db.status().message().c_str());
    return kExitError;
  }
  auto run_id = warehouse::ResolveRunId(**db, f.run);
  if (!run_id.ok()) {
    std::fprintf(stderr, "inferbench runs show: %s\n", run_id.status().message().c_str());
    return kExitError;
  }
  auto shown = warehouse::ShowRun(**db, *run_id);
  if (!shown.ok()) {
    std::fprintf(stderr, "inferbench runs show: %s\n", shown.status().message().c_str());
    return kExitError;
  }
  if (f.json) {
    std::printf("%s\n",
                shown->dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  } else {
    std::fputs(FormatShow(*shown, f.all).c_str(), stdout);
  }
  return kExitOk;
}

}  // namespace

void RegisterRunsCommand(CLI::App& app, int* exit_code) {
  auto f = std::make_shared<RunsFlags>();
  CLI::App* runs = app.add_subcommand("runs", "List and show the runs stored in the warehouse");
  runs->require_subcommand(1);

  CLI::App* list = runs->add_subcommand("list", "List stored runs, newest first");
  AddStoreFlags(list, &f->store);
  list->add_option("--limit", f->limit, "At most this many runs")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  list->add_option("--name", f->name, "Only runs with this metadata.name");
  list->add_flag("--json", f->json, "Print the rows as a JSON array");
  list->callback([f, exit_code] { *exit_code = RunList(*f); });

  CLI::App* show =
      runs->add_subcommand("show", "Show one run: facts, dimensions, lineage, per-point KPIs");
  AddStoreFlags(show, &f->store);
  show->add_option("RUN", f->run, "Run id, unique prefix (6+ characters) or run directory")
      ->required();
  show->add_flag("--json", f->json, "Print the run as JSON (every metric)");
  show->add_flag("--all", f->all,
                 "Print every metric of every point, not only the KPIs and headline metrics");
  show->callback([f, exit_code] { *exit_code = RunShow(*f); });
}

}  // namespace inferbench::cli
