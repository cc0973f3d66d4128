#include "catalog/ceilings.h"

#include <fstream>
#include <sstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "catalog/ceilings_yaml.h"

namespace inferbench::catalog {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(CeilingsTest, HardwareLookupMatchesTheDatasheetValues) {
  Result<HardwareCeiling> h100 = LookupHardware("h100-sxm");
  ASSERT_TRUE(h100.ok()) << h100.status().message();
  EXPECT_EQ(h100->key, "h100-sxm");
  EXPECT_EQ(h100->peak_bf16_dense_flops, 989e12);
  EXPECT_EQ(h100->hbm_bw_bytes_s, 3.35e12);
  EXPECT_EQ(h100->hbm_bytes, 80e9);
  Result<HardwareCeiling> b200 = LookupHardware("b200");
  ASSERT_TRUE(b200.ok());
  EXPECT_EQ(b200->hbm_bw_bytes_s, 8.0e12);
}

TEST(CeilingsTest, HardwareLookupIgnoresCaseAndSeparators) {
  for (const char* spelling : {"H100-SXM", "h100_sxm", "H100 SXM", "h100-SXM"}) {
    Result<HardwareCeiling> hw = LookupHardware(spelling);
    ASSERT_TRUE(hw.ok()) << spelling;
    EXPECT_EQ(hw->key, "h100-sxm") << spelling;
  }
  EXPECT_FALSE(LookupHardware("h100").ok());
}

TEST(CeilingsTest, UnknownKeysListTheTable) {
  Result<HardwareCeiling> hw = LookupHardware("tpu-v5");
  ASSERT_FALSE(hw.ok());
  EXPECT_THAT(hw.status().message(), HasSubstr("unknown hardware 'tpu-v5'"));
  EXPECT_THAT(hw.status().message(), HasSubstr("h100-sxm, h200, b200"));
  Result<ModelShape> model = LookupModel("llama9");
  ASSERT_FALSE(model.ok());
  EXPECT_THAT(model.status().message(), HasSubstr("unknown model 'llama9' (known: llama3-8b"));
}

TEST(CeilingsTest, ModelShapes) {
  Result<ModelShape> m = LookupModel("Llama3-70B");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->key, "llama3-70b");
  EXPECT_EQ(m->params, 70.6e9);
  EXPECT_EQ(m->weight_bytes, 141.2e9);
  // layers · KV heads · head dim · 2 (K and V) · 2 bytes.
  EXPECT_EQ(m->kv_bytes_per_token, 80 * 8 * 128 * 2 * 2);
  EXPECT_EQ(m->max_model_len, 8192);
}

TEST(CeilingsTest, KeysInTableOrder) {
  EXPECT_THAT(HardwareKeys(), ElementsAre("h100-sxm", "h200", "b200", "a100-sxm-80gb", "l40s"));
  EXPECT_THAT(ModelKeys(), ElementsAre("llama3-8b", "llama3-70b", "qwen3-0.6b"));
}

TEST(CeilingsTest, EmbeddedTableMatchesTheCheckedInFile) {
  std::ifstream in(std::string(INFERBENCH_SOURCE_DIR) + "/data/ceilings.yaml");
  ASSERT_TRUE(in.good());
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(std::string(CeilingsYaml()), text.str()) << "re-run cmake to re-embed the table";
}

TEST(CeilingsYamlTest, InlineEntries) {
  Result<HardwareCeiling> hw = ParseHardwareEntry(
      YAML::Load("{peak_bf16_dense_flops: 1e15, hbm_bw_bytes_s: 2e12, hbm_bytes: 4.8e10}"), "",
      "f.yaml: hardware");
  ASSERT_TRUE(hw.ok()) << hw.status().message();
  EXPECT_EQ(hw->peak_bf16_dense_flops, 1e15);
  EXPECT_EQ(hw->key, "");
  Result<ModelShape> m = ParseModelEntry(
      YAML::Load("{description: tiny, params: 1e9, weight_bytes: 2e9, kv_bytes_per_token: 65536, "
                 "max_model_len: 4.096e3}"),
      "", "f.yaml: model");
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(m->description, "tiny");
  EXPECT_EQ(m->max_model_len, 4096);
}

TEST(CeilingsYamlTest, ErrorsNameThePlaceAndTheKey) {
  const auto hardware_error = [](const std::string& yaml) {
    Result<HardwareCeiling> hw = ParseHardwareEntry(YAML::Load(yaml), "", "f.yaml: hardware");
    return hw.ok() ? std::string("ok") : hw.status().message();
  };
  EXPECT_EQ(hardware_error("{peak_bf16_dense_flops: 1e15, hbm_bw_bytes_s: 2e12}"),
            "f.yaml: hardware: missing required key 'hbm_bytes'");
  EXPECT_EQ(hardware_error("{peak_bf16_dense_flops: lots, hbm_bw_bytes_s: 2e12, hbm_bytes: 1}"),
            "f.yaml: hardware: 'peak_bf16_dense_flops' must be a number, got 'lots'");
  EXPECT_EQ(hardware_error("{peak_bf16_dense_flops: 1e15, hbm_bw_bytes_s: 0, hbm_bytes: 1}"),
            "f.yaml: hardware: 'hbm_bw_bytes_s' must be > 0, got 0");
  EXPECT_THAT(hardware_error("{peak_flops: 1e15}"),
              HasSubstr("f.yaml: hardware: unknown key 'peak_flops' (allowed: description, "));
  EXPECT_EQ(hardware_error("[1, 2]"), "f.yaml: hardware: expected a mapping of key: value");
  Result<ModelShape> m = ParseModelEntry(
      YAML::Load("{params: 1e9, weight_bytes: 2e9, kv_bytes_per_token: 1, max_model_len: 10.5}"),
      "", "f.yaml: model");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().message(),
            "f.yaml: model: 'max_model_len' must be a whole number, got '10.5'");
}

}  // namespace
}  // namespace inferbench::catalog
