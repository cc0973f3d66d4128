#include "spec/contract.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <set>

#include "spec/benchmark_run_json.h"

namespace inferbench::spec {
namespace {

using nlohmann::json;

// Every leaf path of a ToJson document in table form ("spec.constraints[].op").
void Leaves(const json& j, const std::string& path, std::set<std::string>& out) {
  if (j.is_object() && !j.empty()) {
    const ContractField* f = FindContractField(path);
    if (f && (f->type == FieldType::kMap || f->type == FieldType::kJson)) {
      out.insert(path);
      return;
    }
    for (const auto& [k, v] : j.items()) Leaves(v, path.empty() ? k : path + "." + k, out);
    return;
  }
  if (j.is_array() && !j.empty() && j.front().is_object()) {
    out.insert(path);
    for (const json& item : j) Leaves(item, path + "[]", out);
    return;
  }
  out.insert(path);
}

BenchmarkRun EverythingSet() {
  BenchmarkRun run;
  run.target.sim = SimTarget{};
  run.system.model.params = 1;
  run.system.model.kv_bytes_per_token = 1;
  run.system.model.weight_bytes = 1;
  run.system.serving = {1, 1, true};
  run.system.cost.gpu_hour_usd = 1;
  run.workload.sampling.top_p = 1;
  run.workload.sampling.seed = 1;
  run.workload.sampling.min_tokens = 1;
  run.workload.load.type = "rate";
  run.workload.load.levels = {1};
  for (std::string_view name : SloMetricNames()) run.slo[std::string(name)] = 1;
  run.constraints.push_back({.metric = "error_rate", .op = "<=", .at = "rate=1"});
  return run;
}

// Each load type and dataset kind writes the keys that configure it: together these write every
// key of the contract.
std::vector<BenchmarkRun> EveryShape() {
  std::vector<BenchmarkRun> runs = {EverythingSet()};
  BenchmarkRun files = EverythingSet();
  Dataset& d = files.workload.dataset;
  d.type = "sharegpt";
  d.path = "x.json";
  d.speedup = 2;
  d.history = "synthetic";
  d.sessions = 2;
  d.multi_turn = true;
  d.groups = 1;
  d.prompts_per_group = 1;
  d.prefix_tokens = 1;
  d.suffix_tokens = 1;
  d.output_tokens_set = true;
  d.allow_repeat = true;
  d.limit = 1;
  files.workload.load.type = "trace";
  files.workload.load.requests = 5;
  runs.push_back(files);
  BenchmarkRun sweep = EverythingSet();
  sweep.workload.load.type = "sweep";
  runs.push_back(sweep);
  BenchmarkRun search = EverythingSet();
  search.workload.load.type = "search";
  search.workload.load.over = "concurrency";
  search.workload.load.attainment = 0.9;
  search.workload.load.low = 1;
  search.workload.load.high = 2;
  runs.push_back(search);
  return runs;
}

TEST(ContractTest, TableAndJsonFormAgreeOnEveryKey) {
  std::set<std::string> from_json;
  for (const BenchmarkRun& run : EveryShape()) Leaves(ToJson(run), "", from_json);
  std::set<std::string> from_table;
  for (const ContractField& f : ContractFields()) {
    if (f.type != FieldType::kObject) from_table.insert(f.path);
  }
  EXPECT_EQ(from_json, from_table);
}

TEST(ContractTest, ParentsComeBeforeChildrenAndExist) {
  std::set<std::string> seen = {""};
  for (const ContractField& f : ContractFields()) {
    std::string parent(f.parent());
    if (parent.ends_with("[]")) parent.resize(parent.size() - 2);
    EXPECT_TRUE(seen.contains(parent)) << f.path;
    seen.insert(f.path);
    EXPECT_FALSE(f.doc.empty()) << f.path;
    if (f.type == FieldType::kEnum) {
      EXPECT_FALSE(f.allowed.empty()) << f.path;
    }
  }
  EXPECT_EQ(FindContractField("spec.measurement.replicates")->type, FieldType::kInt);
  EXPECT_EQ(FindContractField("spec.nope"), nullptr);
}

TEST(ContractTest, TablePathDropsIndexes) {
  EXPECT_EQ(TablePath("spec.constraints[12].op"), "spec.constraints[].op");
  EXPECT_EQ(TablePath("spec.workload.load.levels[0]"), "spec.workload.load.levels[]");
  EXPECT_EQ(TablePath("spec.slo"), "spec.slo");
}

TEST(ContractTest, ClosestName) {
  std::vector<std::string> keys = {"replicates", "maxReplicates", "confidenceLevel", "order"};
  EXPECT_EQ(ClosestName("replicats", keys), "replicates");
  EXPECT_EQ(ClosestName("Order", keys), "order");
  EXPECT_EQ(ClosestName("confidence", keys), "confidenceLevel");
  EXPECT_EQ(ClosestName("banana", keys), "");
}

TEST(ContractTest, JsonListsFieldsAndRules) {
  json j = ContractJson();
  EXPECT_EQ(j["apiVersion"], "inferbench.dev/v1alpha1");
  EXPECT_EQ(j["kind"], "BenchmarkRun");
  ASSERT_EQ(j["fields"].size(), ContractFields().size());
  const json* replicates = nullptr;
  const json* op = nullptr;
  for (const json& f : j["fields"]) {
    if (f["path"] == "spec.measurement.replicates") replicates = &f;
    if (f["path"] == "spec.constraints[].op") op = &f;
  }
  ASSERT_NE(replicates, nullptr);
  EXPECT_EQ((*replicates)["type"], "int");
  EXPECT_EQ((*replicates)["default"], "3");
  EXPECT_EQ((*replicates)["minimum"], 1);
  EXPECT_EQ((*replicates)["required"], false);
  ASSERT_NE(op, nullptr);
  EXPECT_EQ((*op)["enum"], json::array({">=", "<="}));
  EXPECT_EQ((*op)["required"], true);
  bool low_n = false;
  for (const json& r : j["rules"]) low_n |= r["id"] == "publication.lowN";
  EXPECT_TRUE(low_n);
}

TEST(ContractTest, TextTableHasEveryPath) {
  std::string text = FormatContractText();
  for (const ContractField& f : ContractFields())
    EXPECT_THAT(text, ::testing::HasSubstr(f.path)) << f.path;
  EXPECT_THAT(text, ::testing::HasSubstr("publication.replicates"));
}

}  // namespace
}  // namespace inferbench::spec
