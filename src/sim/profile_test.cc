#include "sim/profile.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <unistd.h>

namespace inferbench::sim {
namespace {

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// A scratch directory per test, removed afterwards.
class ProfileFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("ib_profile_test_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& text) {
    const std::filesystem::path path = dir_ / name;
    std::ofstream(path) << text;
    return path.string();
  }

  std::filesystem::path dir_;
};

TEST(ProfileTest, BuiltinNamesStartWithInstantAndFixed) {
  const std::vector<std::string> names = BuiltinProfileNames();
  ASSERT_GE(names.size(), 6u);
  EXPECT_EQ(names[0], "instant");
  EXPECT_EQ(names[1], "fixed");
  for (const char* expected :
       {"h100-llama3-8b", "h200-llama3-8b", "h100-llama3-70b-tp4", "b200-llama3-70b-tp2"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), expected), names.end()) << expected;
  }
  EXPECT_NE(std::find(names.begin(), names.end(), std::string(kDefaultProfileName)), names.end());
}

TEST(ProfileTest, EveryBuiltinProfileLoads) {
  for (const std::string& name : BuiltinProfileNames()) {
    Result<SimProfile> p = LoadProfile(name);
    ASSERT_TRUE(p.ok()) << name << ": " << p.status().message();
    EXPECT_EQ(p->name, name);
    EXPECT_GT(p->engine.kv_blocks, 0) << name;
    EXPECT_TRUE(p->ToJson().contains("kv_blocks"));
  }
}

TEST(ProfileTest, DefaultProfileMatchesTheTable) {
  Result<SimProfile> p = LoadProfile("h100-llama3-8b");
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p->kind, ProfileKind::kModel);
  EXPECT_EQ(p->hardware, "h100-sxm");
  EXPECT_EQ(p->model, "llama3-8b");
  const StepTimeParams& s = p->engine.step;
  EXPECT_EQ(s.peak_flops, 989e12);
  EXPECT_EQ(s.hbm_bw_bytes_s, 3.35e12);
  EXPECT_EQ(s.params, 8.03e9);
  EXPECT_EQ(s.weight_bytes, 16.06e9);
  EXPECT_EQ(s.kv_bytes_per_token, 131072);
  EXPECT_EQ(s.tensor_parallel, 1);
  EXPECT_EQ(s.eff_bw, 0.8);
  EXPECT_EQ(s.mfu, 0.5);
  EXPECT_EQ(s.c0_s, 0.0015);
  EXPECT_EQ(s.c_req_s, 0.00002);
  // (80e9·0.9 − 16.06e9) / (131072·16) = 55.94e9 / 2097152 = 26674.3
  EXPECT_EQ(p->engine.kv_blocks, 26674);
  EXPECT_EQ(p->engine.max_model_len, 8192);
  EXPECT_EQ(p->engine.block_size, 16);
  EXPECT_FALSE(p->engine.zero_time);
  const nlohmann::json j = p->ToJson();
  EXPECT_EQ(j["name"], "h100-llama3-8b");
  EXPECT_EQ(j["kind"], "model");
  EXPECT_EQ(j["hardware"], "h100-sxm");
  EXPECT_EQ(j["kv_blocks"], 26674);
  EXPECT_EQ(j["step"]["peak_flops"], 989e12);
}

TEST(ProfileTest, TensorParallelProfileShardsKvPerGpu) {
  Result<SimProfile> p = LoadProfile("h100-llama3-70b-tp4");
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p->engine.step.tensor_parallel, 4);
  EXPECT_EQ(p->engine.step.kv_bytes_per_token, 327680.0 / 4);
  // (80e9·4·0.9 − 141.2e9) / (327680·16) = 146.8e9 / 5242880 = 27999.9
  EXPECT_EQ(p->engine.kv_blocks, 27999);
}

TEST(ProfileTest, KvBlocksFormula) {
  HardwareCeiling hw;
  hw.hbm_bytes = 100e9;
  ModelShape model;
  model.weight_bytes = 20e9;
  model.kv_bytes_per_token = 1e6;
  // (100e9·1·0.5 − 20e9) / (1e6·16) = 30e9 / 16e6 = 1875
  EXPECT_EQ(KvBlocksFor(hw, model, 1, 0.5, 16), 1875);
  // (100e9·2·0.5 − 20e9) / (1e6·8) = 80e9 / 8e6 = 10000
  EXPECT_EQ(KvBlocksFor(hw, model, 2, 0.5, 8), 10000);
  // Weights larger than the memory share: no KV cache at all.
  EXPECT_LE(KvBlocksFor(hw, model, 1, 0.2, 16), 0);
}

TEST(ProfileTest, InstantAndFixed) {
  Result<SimProfile> instant = LoadProfile("instant");
  ASSERT_TRUE(instant.ok());
  EXPECT_EQ(instant->kind, ProfileKind::kInstant);
  EXPECT_TRUE(instant->engine.zero_time);
  EXPECT_GE(instant->engine.max_num_seqs, 10000);
  EXPECT_GE(instant->engine.kv_blocks, 1 << 20);
  Result<SimProfile> fixed = LoadProfile("fixed");
  ASSERT_TRUE(fixed.ok());
  EXPECT_EQ(fixed->kind, ProfileKind::kFixed);
  EXPECT_GT(fixed->fixed_ttft_ns, 0);
  EXPECT_GT(fixed->fixed_itl_ns, 0);
  EXPECT_EQ(fixed->ToJson()["kind"], "fixed");
  EXPECT_TRUE(fixed->ToJson().contains("ttft_ms"));
}

TEST(ProfileTest, TableLookups) {
  Result<HardwareCeiling> h200 = LookupHardware("h200");
  ASSERT_TRUE(h200.ok());
  EXPECT_EQ(h200->hbm_bw_bytes_s, 4.8e12);
  EXPECT_EQ(h200->hbm_bytes, 141e9);
  Result<HardwareCeiling> b200 = LookupHardware("b200");
  ASSERT_TRUE(b200.ok());
  EXPECT_EQ(b200->peak_bf16_dense_flops, 2.25e15);
  EXPECT_EQ(b200->hbm_bw_bytes_s, 8.0e12);
  Result<ModelShape> m = LookupModel("llama3-70b");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->kv_bytes_per_token, 80 * 8 * 128 * 2 * 2);
  Result<HardwareCeiling> missing = LookupHardware("tpu");
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(Contains(missing.status().message(), "h100-sxm"));
}

TEST(ProfileTest, EmbeddedTableMatchesTheCheckedInFile) {
  std::ifstream in(std::string(INFERBENCH_SOURCE_DIR) + "/data/ceilings.yaml");
  ASSERT_TRUE(in.good());
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(std::string(CeilingsYaml()), text.str()) << "re-run cmake to re-embed the table";
}

TEST(ProfileTest, UnknownNameListsTheBuiltins) {
  Result<SimProfile> p = LoadProfile("h900-llama9");
  ASSERT_FALSE(p.ok());
  EXPECT_TRUE(Contains(p.status().message(), "h900-llama9"));
  EXPECT_TRUE(Contains(p.status().message(), "instant, fixed, h100-llama3-8b"));
}

TEST_F(ProfileFileTest, CustomFileWithTableKeyAndInlineModel) {
  const std::string path = Write("custom.yaml", R"(
name: my-gpu
hardware: h200
model:
  description: tiny test model
  params: 1e9
  weight_bytes: 2e9
  kv_bytes_per_token: 65536
  max_model_len: 4096
tp: 2
eff_bw: 0.7
mfu: 0.4
c0_s: 0.001
gpu_memory_utilization: 0.5
max_num_seqs: 64
max_num_batched_tokens: 2048
prefix_caching: false
)");
  Result<SimProfile> p = LoadProfile(path);
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p->name, "my-gpu");
  EXPECT_EQ(p->hardware, "h200");
  EXPECT_EQ(p->model, "tiny test model");
  EXPECT_EQ(p->engine.step.tensor_parallel, 2);
  EXPECT_EQ(p->engine.step.hbm_bw_bytes_s, 4.8e12);
  EXPECT_EQ(p->engine.step.kv_bytes_per_token, 32768);
  EXPECT_EQ(p->engine.step.eff_bw, 0.7);
  EXPECT_EQ(p->engine.step.c_req_s, 0.0);  // default
  EXPECT_EQ(p->engine.max_num_seqs, 64);
  EXPECT_EQ(p->engine.max_num_batched_tokens, 2048);
  EXPECT_EQ(p->engine.max_model_len, 4096);
  EXPECT_FALSE(p->engine.prefix_caching);
  // (141e9·2·0.5 − 2e9) / (65536·16) = 139e9 / 1048576 = 132560.3
  EXPECT_EQ(p->engine.kv_blocks, 132560);
}

TEST_F(ProfileFileTest, CustomFixedProfile) {
  const std::string path = Write("fixed.yaml", "kind: fixed\nttft_ms: 25\nitl_ms: 2.5\n");
  Result<SimProfile> p = LoadProfile(path);
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p->kind, ProfileKind::kFixed);
  EXPECT_EQ(p->name, path);
  EXPECT_EQ(p->fixed_ttft_ns, 25'000'000);
  EXPECT_EQ(p->fixed_itl_ns, 2'500'000);
}

TEST_F(ProfileFileTest, ExplicitKvBlocksOverrideTheFormula) {
  const std::string path =
      Write("kv.yaml", "hardware: h100-sxm\nmodel: llama3-8b\nkv_blocks: 100\n");
  Result<SimProfile> p = LoadProfile(path);
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p->engine.kv_blocks, 100);
}

TEST_F(ProfileFileTest, UnknownKeyNamesFileAndKey) {
  const std::string path = Write("typo.yaml", "hardware: h100-sxm\nmodel: llama3-8b\nmfuu: 0.5\n");
  Result<SimProfile> p = LoadProfile(path);
  ASSERT_FALSE(p.ok());
  EXPECT_TRUE(Contains(p.status().message(), path)) << p.status().message();
  EXPECT_TRUE(Contains(p.status().message(), "'mfuu'")) << p.status().message();
}

TEST_F(ProfileFileTest, WrongTypeAndRangeNameTheKey) {
  Result<SimProfile> p =
      LoadProfile(Write("type.yaml", "hardware: h100-sxm\nmodel: llama3-8b\ntp: two\n"));
  ASSERT_FALSE(p.ok());
  EXPECT_TRUE(Contains(p.status().message(), "'tp' must be a whole number, got 'two'"))
      << p.status().message();
  p = LoadProfile(Write("range.yaml", "hardware: h100-sxm\nmodel: llama3-8b\nmfu: 1.5\n"));
  ASSERT_FALSE(p.ok());
  EXPECT_TRUE(Contains(p.status().message(), "'mfu'")) << p.status().message();
}

TEST_F(ProfileFileTest, UnknownHardwareListsTheTable) {
  Result<SimProfile> p = LoadProfile(Write("hw.yaml", "hardware: h900\nmodel: llama3-8b\n"));
  ASSERT_FALSE(p.ok());
  EXPECT_TRUE(Contains(p.status().message(), "unknown hardware 'h900'")) << p.status().message();
  EXPECT_TRUE(Contains(p.status().message(), "h100-sxm, h200")) << p.status().message();
}

TEST_F(ProfileFileTest, MissingModelIsAnError) {
  Result<SimProfile> p = LoadProfile(Write("nomodel.yaml", "hardware: h100-sxm\n"));
  ASSERT_FALSE(p.ok());
  EXPECT_TRUE(Contains(p.status().message(), "missing required key 'model'"))
      << p.status().message();
}

TEST_F(ProfileFileTest, WeightsThatDoNotFitAreAnError) {
  Result<SimProfile> p =
      LoadProfile(Write("big.yaml", "hardware: l40s\nmodel: llama3-70b\ntp: 1\n"));
  ASSERT_FALSE(p.ok());
  EXPECT_TRUE(Contains(p.status().message(), "no room for a KV cache")) << p.status().message();
}

TEST_F(ProfileFileTest, MalformedYamlNamesTheFile) {
  const std::string path = Write("bad.yaml", "hardware: [h100\nmodel: {\n");
  Result<SimProfile> p = LoadProfile(path);
  ASSERT_FALSE(p.ok());
  EXPECT_TRUE(Contains(p.status().message(), path)) << p.status().message();
}

TEST_F(ProfileFileTest, NotAMapping) {
  Result<SimProfile> p = LoadProfile(Write("list.yaml", "- a\n- b\n"));
  ASSERT_FALSE(p.ok());
  EXPECT_TRUE(Contains(p.status().message(), "mapping")) << p.status().message();
}

}  // namespace
}  // namespace inferbench::sim
