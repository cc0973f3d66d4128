#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "core/prng.h"
#include "workload/dataset.h"
#include "workload/synthetic.h"
#include "workload/token_text.h"

namespace inferbench::workload {
namespace {

using ::testing::HasSubstr;

Result<std::shared_ptr<const Dataset>> LoadSharedPrefix(const std::string& options,
                                                        uint64_t prompt_seed = 17) {
  Result<DatasetSpec> spec = ParseDatasetSpec("shared-prefix:" + options);
  if (!spec.ok()) return spec.status();
  DatasetLoadOptions load;
  load.prompt_seed = prompt_seed;
  return LoadDataset(*spec, load);
}

const char kThreeByFour[] =
    "groups=3,prompts_per_group=4,prefix_tokens=20,suffix_tokens=6,output_tokens=16";

std::string GroupPrefix(uint64_t prompt_seed, uint64_t group, int tokens) {
  return TextOfTokens(ItemSeed(DeriveSeed(prompt_seed, "shared-prefix/group"), group), tokens,
                      nullptr);
}

TEST(SharedPrefixDatasetTest, GroupsInterleaveAndShareTheirPrefix) {
  Result<std::shared_ptr<const Dataset>> loaded = LoadSharedPrefix(kThreeByFour);
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  const Dataset& dataset = **loaded;
  EXPECT_EQ(dataset.kind, DatasetKind::kSharedPrefix);
  EXPECT_EQ(dataset.content_digest, "");
  ASSERT_EQ(dataset.size(), 12u);
  std::set<std::string> prompts;
  for (size_t i = 0; i < dataset.size(); ++i) {
    const DatasetRequest& request = dataset.requests[i];
    const std::string prefix = GroupPrefix(17, i % 3, 20);
    EXPECT_EQ(request.prompt_text.compare(0, prefix.size() + 1, prefix + " "), 0) << i;
    EXPECT_EQ(TokensOfText(request.prompt_text, nullptr), 26);
    EXPECT_EQ(request.input_tokens, 26);
    EXPECT_EQ(request.output_tokens, 16);
    EXPECT_EQ(request.shared_prefix_tokens, i < 3 ? 0 : 20) << i;
    EXPECT_EQ(request.offset_ns, -1);
    prompts.insert(request.prompt_text);
  }
  EXPECT_EQ(prompts.size(), 12u);  // every suffix is the item's own
  // The groups' prefixes differ from each other.
  EXPECT_NE(GroupPrefix(17, 0, 20), GroupPrefix(17, 1, 20));
  // Golden: request 4 is member 1 of group 1; its suffix is item 4's words.
  EXPECT_EQ(dataset.requests[4].prompt_text,
            GroupPrefix(17, 1, 20) + " " +
                TextOfTokens(ItemSeed(DeriveSeed(17, "shared-prefix/item"), 4), 6, nullptr));
}

TEST(SharedPrefixDatasetTest, PrefixOnlyOrSuffixOnly) {
  Result<std::shared_ptr<const Dataset>> prefix_only = LoadSharedPrefix(
      "groups=2,prompts_per_group=2,prefix_tokens=8,suffix_tokens=0,output_tokens=4");
  ASSERT_TRUE(prefix_only.ok()) << prefix_only.status().message();
  EXPECT_EQ((*prefix_only)->requests[0].prompt_text, (*prefix_only)->requests[2].prompt_text);
  EXPECT_EQ((*prefix_only)->requests[0].prompt_text, GroupPrefix(17, 0, 8));
  Result<std::shared_ptr<const Dataset>> suffix_only = LoadSharedPrefix(
      "groups=2,prompts_per_group=2,prefix_tokens=0,suffix_tokens=8,output_tokens=4");
  ASSERT_TRUE(suffix_only.ok()) << suffix_only.status().message();
  EXPECT_EQ(TokensOfText((*suffix_only)->requests[3].prompt_text, nullptr), 8);
  EXPECT_EQ((*suffix_only)->requests[3].shared_prefix_tokens, 0);
}

TEST(SharedPrefixDatasetTest, DeterministicLimitAndRepeat) {
  Result<std::shared_ptr<const Dataset>> a = LoadSharedPrefix(kThreeByFour);
  Result<std::shared_ptr<const Dataset>> b = LoadSharedPrefix(kThreeByFour);
  Result<std::shared_ptr<const Dataset>> other_seed = LoadSharedPrefix(kThreeByFour, 18);
  ASSERT_TRUE(a.ok() && b.ok() && other_seed.ok());
  for (size_t i = 0; i < (*a)->size(); ++i) {
    EXPECT_EQ((*a)->requests[i].prompt_text, (*b)->requests[i].prompt_text);
  }
  EXPECT_NE((*a)->requests[0].prompt_text, (*other_seed)->requests[0].prompt_text);
  Result<std::shared_ptr<const Dataset>> limited =
      LoadSharedPrefix(std::string(kThreeByFour) + ",limit=5,allow_repeat=true");
  ASSERT_TRUE(limited.ok()) << limited.status().message();
  ASSERT_EQ((*limited)->size(), 5u);
  EXPECT_EQ((*limited)->requests[4].prompt_text, (*a)->requests[4].prompt_text);
  EXPECT_EQ((*limited)->Request(6).prompt_text, (*a)->requests[1].prompt_text);
  EXPECT_FALSE((*a)->CheckCount(13).ok());
  EXPECT_EQ((*a)->DigestJson().dump(),
            "{\"content_digest\":\"\",\"options\":{\"allow_repeat\":false,\"groups\":3,"
            "\"output_tokens\":16,\"prefix_tokens\":20,\"prompts_per_group\":4,"
            "\"suffix_tokens\":6},\"type\":\"shared-prefix\"}");
}

TEST(SharedPrefixDatasetTest, OptionErrors) {
  auto error = [](const std::string& options) {
    Result<std::shared_ptr<const Dataset>> loaded = LoadSharedPrefix(options);
    EXPECT_FALSE(loaded.ok()) << options;
    return loaded.ok() ? std::string() : loaded.status().message();
  };
  EXPECT_THAT(error("groups=3,prompts_per_group=4,prefix_tokens=20,suffix_tokens=6"),
              HasSubstr("missing option `output_tokens`"));
  EXPECT_THAT(error(""), HasSubstr("missing option `groups`"));
  EXPECT_THAT(error("groups=0,prompts_per_group=4,prefix_tokens=20,suffix_tokens=6,"
                    "output_tokens=8"),
              HasSubstr("`groups=0` must be a decimal integer >= 1"));
  EXPECT_THAT(error("groups=2,prompts_per_group=4,prefix_tokens=-1,suffix_tokens=6,"
                    "output_tokens=8"),
              HasSubstr("`prefix_tokens=-1` must be a decimal integer >= 0"));
  EXPECT_THAT(error("groups=2,prompts_per_group=4,prefix_tokens=2,suffix_tokens=6,"
                    "output_tokens=8,speedup=2"),
              HasSubstr("shared-prefix accepts allow_repeat, groups, limit, output_tokens, "
                        "prefix_tokens, prompts_per_group, suffix_tokens"));
  EXPECT_THAT(error("groups=2000,prompts_per_group=2000,prefix_tokens=2,suffix_tokens=6,"
                    "output_tokens=8"),
              HasSubstr("at most 1000000"));
}

}  // namespace
}  // namespace inferbench::workload
