#include "evidence/external_command.h"

#include <gtest/gtest.h>

namespace inferbench::evidence {
namespace {

using Outcome = ExternalCommandResult::Outcome;
constexpr int64_t kTenSeconds = 10'000'000'000;

TEST(RunExternalCommand, CapturesStdoutAndExitStatusButNotStderr) {
  ExternalCommandResult r =
      RunExternalCommand({"sh", "-c", "echo out; echo err >&2; exit 4"}, kTenSeconds);
  EXPECT_EQ(r.outcome, Outcome::kExited);
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_EQ(r.out, "out\n");
}

TEST(RunExternalCommand, PassesArgumentsVerbatim) {
  ExternalCommandResult r =
      RunExternalCommand({"sh", "-c", "printf '%s|' \"$@\"", "sh", "a b", "--x=1,2"}, kTenSeconds);
  EXPECT_EQ(r.outcome, Outcome::kExited);
  EXPECT_EQ(r.out, "a b|--x=1,2|");
}

TEST(RunExternalCommand, MissingProgramIsNotFound) {
  EXPECT_EQ(RunExternalCommand({"inferbench-no-such-program-xyz"}, kTenSeconds).outcome,
            Outcome::kNotFound);
  EXPECT_EQ(RunExternalCommand({"/nonexistent/dir/prog"}, kTenSeconds).outcome, Outcome::kNotFound);
  EXPECT_EQ(RunExternalCommand({}, kTenSeconds).outcome, Outcome::kNotFound);
}

TEST(RunExternalCommand, HungProgramIsKilledWithItsChildren) {
  // The shell's child `sleep` keeps stdout open: only killing the group ends the read.
  ExternalCommandResult r =
      RunExternalCommand({"sh", "-c", "echo started; sleep 60; echo never"}, 200'000'000);
  EXPECT_EQ(r.outcome, Outcome::kTimedOut);
  EXPECT_EQ(r.out, "started\n");
}

TEST(RunExternalCommand, OutputIsCapped) {
  ExternalCommandResult r =
      RunExternalCommand({"sh", "-c", "head -c 3000000 /dev/zero"}, kTenSeconds);
  EXPECT_EQ(r.outcome, Outcome::kExited);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out.size(), kMaxExternalCommandOutput);
}

}  // namespace
}  // namespace inferbench::evidence
