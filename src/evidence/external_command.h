// Running a helper program (nvidia-smi) for environment capture, bounded in time: a hung helper
// must never hang a run.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace inferbench::evidence {

struct ExternalCommandResult {
  enum class Outcome {
    kExited,       // ran to completion; see exit_code
    kNotFound,     // no such program (or argv empty)
    kSpawnFailed,  // could not start for another reason; see error
    kTimedOut,     // killed (with its process group) at the deadline
  };
  Outcome outcome = Outcome::kSpawnFailed;
  int exit_code = -1;  // kExited: the exit status; -1 when ended by a signal
  std::string out;     // standard output, at most kMaxExternalCommandOutput bytes
  std::string error;   // kSpawnFailed: why
};

inline constexpr size_t kMaxExternalCommandOutput = size_t{1} << 20;

// Runs argv[0] (looked up on PATH unless it contains '/') with argv, stdin and stderr on
// /dev/null, capturing stdout. The child runs in its own process group with default SIGPIPE,
// SIGINT and SIGTERM dispositions; when timeout_ns passes, the whole group is killed and the call
// returns within about a second even if the child cannot die at once. Thread-safe (posix_spawn).
ExternalCommandResult RunExternalCommand(const std::vector<std::string>& argv, int64_t timeout_ns);

}  // namespace inferbench::evidence
