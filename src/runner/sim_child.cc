#include "runner/sim_child.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "core/clock.h"

namespace inferbench::runner {
namespace {

constexpr std::string_view kListening = "listening ";

}  // namespace

Result<std::unique_ptr<SimChild>> SimChild::Start(const std::string& executable,
                                                  const std::vector<std::string>& args,
                                                  const std::string& log_path,
                                                  int64_t startup_timeout_ns) {
  std::vector<std::string> argv_strings = {executable, "sim", "--port", "0"};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::unique_ptr<SimChild> child(new SimChild());
  for (const std::string& a : argv_strings) {
    if (!child->command_line_.empty()) child->command_line_ += ' ';
    child->command_line_ += a;
  }
  if (!log_path.empty()) {
    child->log_fd_ = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (child->log_fd_ < 0) {
      return Status::Error(fmt::format("cannot open the simulator log {}: {}", log_path, std::strerror(errno)));
    }
  }
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    return Status::Error(fmt::format("cannot start the simulator: pipe: {}", std::strerror(errno)));
  }
  std::vector<char*> argv;
  for (std::string& a : argv_strings) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    return Status::Error(fmt::format("cannot start the simulator: fork: {}", std::strerror(errno)));
  }
  if (pid == 0) {
    // Child: only async-signal-safe calls until exec.
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    // Its own process group: a Ctrl-C at the terminal reaches the run, which then stops the
    // simulator after writing what it measured, instead of killing the target mid-point.
    ::setpgid(0, 0);
    if (::getppid() != parent) ::_exit(127);
    ::dup2(pipe_fds[1], STDOUT_FILENO);
    if (child->log_fd_ >= 0) ::dup2(child->log_fd_, STDERR_FILENO);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(pipe_fds[1]);
  child->pid_ = pid;
  child->stdout_fd_ = pipe_fds[0];

  // Read the first line.
  std::string line;
  const int64_t deadline = SteadyNowNs() + startup_timeout_ns;
  while (line.find('\n') == std::string::npos) {
    const int64_t left_ms = (deadline - SteadyNowNs()) / 1'000'000;
    if (left_ms <= 0) break;
    pollfd pfd{child->stdout_fd_, POLLIN, 0};
    int ready = ::poll(&pfd, 1, static_cast<int>(std::min<int64_t>(left_ms, 1000)));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    char buffer[512];
    ssize_t n = ::read(child->stdout_fd_, buffer, sizeof buffer);
    if (n <= 0) break;  // EOF: the child exited
    line.append(buffer, static_cast<size_t>(n));
  }
  std::string first = line.substr(0, line.find('\n'));
  if (first.rfind(kListening, 0) != 0) {
    std::string how = child->Stop();
    return Status::Error(fmt::format(
        "the simulator did not start: `{}` printed \"{}\" instead of a listening line ({}){}",
        child->command_line_, first, how,
        log_path.empty() ? "" : "; its messages are in " + log_path));
  }
  child->url_ = first.substr(kListening.size());
  while (!child->url_.empty() && (child->url_.back() == '\r' || child->url_.back() == ' ')) {
    child->url_.pop_back();
  }
  std::string rest = line.substr(line.find('\n') + 1);
  const int out_fd = child->log_fd_ >= 0 ? child->log_fd_ : STDERR_FILENO;
  if (!rest.empty()) (void)!::write(out_fd, rest.data(), rest.size());
  const int in_fd = child->stdout_fd_;
  child->drain_ = std::thread([in_fd, out_fd] {
    char buffer[4096];
    while (true) {
      ssize_t n = ::read(in_fd, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      (void)!::write(out_fd, buffer, static_cast<size_t>(n));
    }
  });
  return child;
}

SimChild::~SimChild() { Stop(); }

bool SimChild::Running() {
  if (pid_ <= 0 || reaped_) return false;
  pid_t done = ::waitpid(pid_, &wait_status_, WNOHANG);
  if (done == pid_) reaped_ = true;
  return !reaped_;
}

std::string SimChild::Stop() {
  if (pid_ > 0 && !reaped_) {
    if (Running()) {
      ::kill(pid_, SIGTERM);
      const int64_t deadline = SteadyNowNs() + 5'000'000'000;
      while (Running() && SteadyNowNs() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      if (Running()) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &wait_status_, 0);
        reaped_ = true;
      }
    }
  }
  if (drain_.joinable()) drain_.join();
  if (stdout_fd_ >= 0) {
    ::close(stdout_fd_);
    stdout_fd_ = -1;
  }
  if (log_fd_ >= 0) {
    ::close(log_fd_);
    log_fd_ = -1;
  }
  if (pid_ <= 0) return "not started";
  if (WIFEXITED(wait_status_)) return fmt::format("exit status {}", WEXITSTATUS(wait_status_));
  if (WIFSIGNALED(wait_status_)) return fmt::format("ended by signal {}", WTERMSIG(wait_status_));
  return "stopped";
}

}  // namespace inferbench::runner
