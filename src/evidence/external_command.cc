#include "evidence/external_command.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>
#include <thread>

#include "core/clock.h"

extern char** environ;

namespace inferbench::evidence {
namespace {

// Waits for pid until deadline_ns (steady clock); kills its process group when the deadline
// passes. Returns the wait status, or nullopt when the child had to be killed.
std::optional<int> WaitUntil(pid_t pid, int64_t deadline_ns) {
  for (;;) {
    int status = 0;
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    if (r < 0 && errno != EINTR) return status;
    if (SteadyNowNs() >= deadline_ns) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ::kill(-pid, SIGKILL);
  // A process stuck in the kernel may not die at once; give it a moment, then leave it rather
  // than hang the run.
  const int64_t give_up_ns = SteadyNowNs() + 1'000'000'000;
  while (SteadyNowNs() < give_up_ns) {
    int status = 0;
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid || (r < 0 && errno != EINTR)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return std::nullopt;
}

}  // namespace

ExternalCommandResult RunExternalCommand(const std::vector<std::string>& argv, int64_t timeout_ns) {
  using Outcome = ExternalCommandResult::Outcome;
  ExternalCommandResult result;
  if (argv.empty() || argv[0].empty()) {
    result.outcome = Outcome::kNotFound;
    return result;
  }
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    result.error = std::strerror(errno);
    return result;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t empty_mask;
  sigemptyset(&empty_mask);
  sigset_t default_signals;
  sigemptyset(&default_signals);
  sigaddset(&default_signals, SIGPIPE);
  sigaddset(&default_signals, SIGINT);
  sigaddset(&default_signals, SIGTERM);
  posix_spawnattr_setsigmask(&attr, &empty_mask);
  posix_spawnattr_setsigdefault(&attr, &default_signals);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int rc = ::posix_spawnp(&pid, args[0], &actions, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    if (rc == ENOENT || rc == ENOTDIR) {
      result.outcome = Outcome::kNotFound;
    } else {
      result.error = std::strerror(rc);
    }
    return result;
  }

  const int64_t deadline_ns = SteadyNowNs() + timeout_ns;
  bool timed_out = false;
  char buffer[8192];
  for (;;) {
    const int64_t remaining_ns = deadline_ns - SteadyNowNs();
    if (remaining_ns <= 0) {
      timed_out = true;
      break;
    }
    pollfd pfd{fds[0], POLLIN, 0};
    const int wait_ms = static_cast<int>(std::min<int64_t>(remaining_ns / 1'000'000 + 1, 1000));
    const int ready = ::poll(&pfd, 1, wait_ms);
    if (ready < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (ready == 0) continue;
    const ssize_t n = ::read(fds[0], buffer, sizeof(buffer));
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      break;
    }
    if (n == 0) break;  // EOF: the child closed its stdout
    const size_t room = kMaxExternalCommandOutput - result.out.size();
    result.out.append(buffer, std::min(static_cast<size_t>(n), room));
  }
  ::close(fds[0]);
  const std::optional<int> status = WaitUntil(pid, timed_out ? SteadyNowNs() : deadline_ns);
  if (!status) {
    result.outcome = Outcome::kTimedOut;
    return result;
  }
  result.outcome = Outcome::kExited;
  result.exit_code = WIFEXITED(*status) ? WEXITSTATUS(*status) : -1;
  return result;
}

}  // namespace inferbench::evidence
