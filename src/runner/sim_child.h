// SimChild: `inferbench run --sim` starts the simulator as a child process of this same binary
// (`inferbench sim --port 0 …`), reads its `listening http://127.0.0.1:PORT` line and always stops
// it afterwards (SIGTERM, then SIGKILL after a grace period; the child also gets SIGTERM if this
// process dies, via PR_SET_PDEATHSIG). runner/ has no code dependency on sim/ (DESIGN.md §3).
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/status.h"

namespace inferbench::runner {

class SimChild {
 public:
  // Starts `executable sim --port 0 <args…>`; the child's stderr and any later stdout go to
  // `log_path` (appended; "" = inherit stderr). Waits up to `startup_timeout_ns` for the
  // listening line. The error names the command line and what the child printed.
  static Result<std::unique_ptr<SimChild>> Start(const std::string& executable,
                                                 const std::vector<std::string>& args,
                                                 const std::string& log_path,
                                                 int64_t startup_timeout_ns = 30'000'000'000);
  ~SimChild();  // Stop()
  SimChild(const SimChild&) = delete;
  SimChild& operator=(const SimChild&) = delete;

  const std::string& url() const { return url_; }  // http://127.0.0.1:PORT
  pid_t pid() const { return pid_; }
  // The full command line, for logs and the run's notes.
  const std::string& command_line() const { return command_line_; }
  // Whether the child is still running (reaps it when it has exited).
  bool Running();
  // SIGTERM, wait up to 5 s, then SIGKILL; idempotent. Returns the exit description.
  std::string Stop();

 private:
  SimChild() = default;

  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  int log_fd_ = -1;
  bool reaped_ = false;
  int wait_status_ = 0;
  std::string url_;
  std::string command_line_;
  std::thread drain_;  // copies the child's stdout after the listening line to the log
};

}  // namespace inferbench::runner
