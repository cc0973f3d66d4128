// sim_load: measures `inferbench sim` from outside, over loopback HTTP (DESIGN.md §11).
//
//   sim_load --bin build/release/src/cli/inferbench [--mode emit|connections] [options]
//
// It starts the simulator as a child process pinned to one CPU, pins itself to another, reads
// the `listening http://127.0.0.1:PORT` line and drives it with plain epoll and non-blocking
// sockets (deliberately none of the project's client code, so the figure does not depend on it):
//
//   emit         C keep-alive connections, each sending streaming completions back to back
//                (32 token-id prompt, max_tokens 512, ignore_eos) against `--profile instant`;
//                reports token events/s received and events per second of simulator CPU time.
//   connections  ramps up to N streaming connections at a bounded rate against `--profile fixed`
//                (TTFT and ITL 100 ms unless --ttft-ms/--itl-ms) and reports how many are open and
//                still receiving tokens, with the simulator's resident memory per connection.
//
// The last stdout lines are `RESULT key=value` pairs for scripts. Every phase is bounded in time
// and the child is killed on every exit path (normal, error, signal, alarm, parent death).
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "http_stream_reader.h"

namespace {

using inferbench::bench::HttpStreamReader;
using inferbench::bench::SseCounter;

// ---------------------------------------------------------------------------------------------
// Options

struct Options {
  std::string bin;
  std::string mode = "emit";
  int connections = -1;      // emit: default 64; connections: default 10000
  double duration_s = 10.0;  // emit: measured window; connections: hold window
  double warmup_s = 1.0;     // emit only
  int max_tokens = -1;       // emit: 512; connections: 600
  int prompt_tokens = 32;
  double ramp_per_s = 1000.0;  // connections mode: new connections per second
  double ttft_ms = 100.0;      // connections mode
  double itl_ms = 100.0;       // connections mode
  int sim_cpu = 0;
  int self_cpu = 1;
};

[[noreturn]] void Usage(const char* why) {
  std::fprintf(
      stderr,
      "sim_load: %s\n"
      "usage: sim_load --bin PATH [--mode emit|connections] [--connections N]\n"
      "       [--duration S] [--warmup S] [--max-tokens N] [--prompt-tokens N]\n"
      "       [--ramp-per-s R] [--ttft-ms MS] [--itl-ms MS] [--sim-cpu K] [--self-cpu K]\n",
      why);
  std::exit(2);
}

Options ParseOptions(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string_view flag = argv[i];
    if (flag == "--help" || flag == "-h") Usage("measures the simulator over loopback HTTP");
    if (i + 1 >= argc) Usage("every flag takes a value");
    const char* value = argv[++i];
    char* end = nullptr;
    double number = std::strtod(value, &end);
    bool numeric = end != value && *end == '\0';
    auto need_number = [&] {
      if (!numeric) Usage("a numeric flag got a value that is not a number");
      return number;
    };
    if (flag == "--bin") {
      o.bin = value;
    } else if (flag == "--mode") {
      o.mode = value;
    } else if (flag == "--connections") {
      o.connections = static_cast<int>(need_number());
    } else if (flag == "--duration") {
      o.duration_s = need_number();
    } else if (flag == "--warmup") {
      o.warmup_s = need_number();
    } else if (flag == "--max-tokens") {
      o.max_tokens = static_cast<int>(need_number());
    } else if (flag == "--prompt-tokens") {
      o.prompt_tokens = static_cast<int>(need_number());
    } else if (flag == "--ramp-per-s") {
      o.ramp_per_s = need_number();
    } else if (flag == "--ttft-ms") {
      o.ttft_ms = need_number();
    } else if (flag == "--itl-ms") {
      o.itl_ms = need_number();
    } else if (flag == "--sim-cpu") {
      o.sim_cpu = static_cast<int>(need_number());
    } else if (flag == "--self-cpu") {
      o.self_cpu = static_cast<int>(need_number());
    } else {
      Usage("unknown flag");
    }
  }
  if (o.bin.empty()) Usage("--bin (the inferbench executable) is required");
  if (o.mode != "emit" && o.mode != "connections") Usage("--mode must be emit or connections");
  const bool emit = o.mode == "emit";
  if (o.connections < 0) o.connections = emit ? 64 : 10000;
  if (o.max_tokens < 0) o.max_tokens = emit ? 512 : 600;
  if (o.connections < 1 || o.max_tokens < 1 || o.prompt_tokens < 1) Usage("counts must be >= 1");
  if (!(o.duration_s > 0) || o.duration_s > 3600) Usage("--duration must be in (0, 3600] s");
  if (!(o.warmup_s >= 0) || o.warmup_s > 600) Usage("--warmup must be in [0, 600] s");
  if (!(o.ramp_per_s > 0)) Usage("--ramp-per-s must be positive");
  return o;
}

// ---------------------------------------------------------------------------------------------
// Time, CPU and the child process

int64_t NowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

double SelfCpuSeconds() {
  rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// utime + stime of `pid` (all its threads) from /proc/PID/stat, in seconds; -1 if unreadable.
double ProcessCpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return -1;
  // The command name (field 2) is parenthesised and may contain spaces: parse after the last ')'.
  size_t close = line.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream fields(line.substr(close + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  // Fields 3.. follow; utime and stime are fields 14 and 15 (1-based), i.e. 12th and 13th here.
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) utime = std::strtoull(field.c_str(), nullptr, 10);
    if (i == 15) stime = std::strtoull(field.c_str(), nullptr, 10);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// VmRSS of `pid` in KiB from /proc/PID/status; -1 if unreadable.
long ProcessRssKib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  }
  return -1;
}

// Time the process's threads spent waiting on a run queue (ready but not running), in seconds,
// summed from /proc/PID/task/*/schedstat. On a shared machine this shows how much of a figure
// was lost to other processes competing for the simulator's CPU.
double ProcessRunqueueWaitSeconds(pid_t pid) {
  const std::string dir = "/proc/" + std::to_string(pid) + "/task";
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return -1;
  double total = 0;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    std::ifstream in(dir + "/" + e->d_name + "/schedstat");
    unsigned long long run_ns = 0, wait_ns = 0;
    if (in >> run_ns >> wait_ns) total += static_cast<double>(wait_ns) / 1e9;
  }
  closedir(d);
  return total;
}

// Open file descriptors of `pid` (each accepted connection holds one); -1 if unreadable.
int ProcessFdCount(pid_t pid) {
  DIR* d = opendir(("/proc/" + std::to_string(pid) + "/fd").c_str());
  if (d == nullptr) return -1;
  int count = 0;
  while (dirent* e = readdir(d)) count += e->d_name[0] != '.';
  closedir(d);
  return count;
}

volatile sig_atomic_t g_child_pid = 0;

void KillChild() {
  pid_t pid = g_child_pid;
  if (pid <= 0) return;
  g_child_pid = 0;
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
}

// SIGINT / SIGTERM / SIGALRM (the overall deadline): kill the simulator and leave.
void OnFatalSignal(int sig) {
  pid_t pid = g_child_pid;
  if (pid > 0) kill(pid, SIGKILL);
  const char msg[] = "sim_load: interrupted (signal or overall deadline); simulator killed\n";
  ssize_t ignored = write(STDERR_FILENO, msg, sizeof msg - 1);
  (void)ignored;
  _exit(sig == SIGALRM ? 3 : 130);
}

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "sim_load: %s\n", message.c_str());
  KillChild();
  std::exit(1);
}

bool PinTo(pid_t pid, int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return sched_setaffinity(pid, sizeof set, &set) == 0;
}

struct Child {
  pid_t pid = -1;
  int stdout_fd = -1;
  uint16_t port = 0;
};

// Starts `bin sim --port 0 <args>` pinned to `cpu` and waits (≤ 15 s) for its listening line.
Child StartSimulator(const std::string& bin, const std::vector<std::string>& sim_args, int cpu) {
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) Die("pipe: " + std::string(std::strerror(errno)));
  std::vector<std::string> args = {bin, "sim", "--port", "0"};
  args.insert(args.end(), sim_args.begin(), sim_args.end());
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t parent = getpid();

  pid_t pid = fork();
  if (pid < 0) Die("fork: " + std::string(std::strerror(errno)));
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive the measuring process
    if (getppid() != parent) _exit(127);
    PinTo(0, cpu);
    dup2(pipe_fds[1], STDOUT_FILENO);
    execv(argv[0], argv.data());
    std::fprintf(stderr, "sim_load: cannot run %s: %s\n", argv[0], std::strerror(errno));
    _exit(127);
  }
  g_child_pid = pid;
  close(pipe_fds[1]);

  Child child;
  child.pid = pid;
  child.stdout_fd = pipe_fds[0];
  std::string line;
  const int64_t deadline = NowNs() + 15'000'000'000;
  while (line.find('\n') == std::string::npos) {
    int64_t left_ms = (deadline - NowNs()) / 1'000'000;
    if (left_ms <= 0) Die("the simulator printed no listening line within 15 s");
    pollfd p{child.stdout_fd, POLLIN, 0};
    int r = poll(&p, 1, static_cast<int>(left_ms));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) continue;
    char buf[512];
    ssize_t n = read(child.stdout_fd, buf, sizeof buf);
    if (n <= 0) Die("the simulator exited before printing its listening line (see stderr above)");
    line.append(buf, static_cast<size_t>(n));
  }
  line.resize(line.find('\n'));
  const std::string prefix = "listening http://127.0.0.1:";
  if (line.rfind(prefix, 0) != 0) Die("unexpected first line from the simulator: " + line);
  long port = std::strtol(line.c_str() + prefix.size(), nullptr, 10);
  if (port <= 0 || port > 65535) Die("bad port in the simulator's line: " + line);
  child.port = static_cast<uint16_t>(port);
  fcntl(child.stdout_fd, F_SETFL, O_NONBLOCK);
  return child;
}

// Anything the simulator prints later is read and dropped so its stdout can never block it.
void DrainChildStdout(const Child& child) {
  char buf[4096];
  while (read(child.stdout_fd, buf, sizeof buf) > 0) {
  }
}

// ---------------------------------------------------------------------------------------------
// Load driver: non-blocking keep-alive connections on one epoll instance.

struct Connection {
  enum class Phase { kClosed, kConnecting, kSending, kReading };
  int fd = -1;
  Phase phase = Phase::kClosed;
  size_t sent = 0;
  bool want_out = false;  // EPOLLOUT registered
  int64_t last_token_ns = 0;
  uint64_t tokens = 0;
  HttpStreamReader reader;
  SseCounter counter;
};

struct Counters {
  uint64_t token_events = 0;
  uint64_t responses_ok = 0;
  uint64_t responses_error = 0;
  uint64_t connect_errors = 0;
  uint64_t closed_by_peer = 0;
  uint64_t protocol_errors = 0;
  uint64_t json_frames = 0;
  uint64_t done_frames = 0;
  std::string first_error;
};

class LoadDriver {
 public:
  LoadDriver(uint16_t port, std::string request, bool reconnect)
      : request_(std::move(request)), reconnect_(reconnect), read_buf_(256 * 1024) {
    addr_.sin_family = AF_INET;
    addr_.sin_port = htons(port);
    addr_.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
    if (epoll_fd_ < 0) Die("epoll_create1: " + std::string(std::strerror(errno)));
  }

  ~LoadDriver() {
    for (auto& c : conns_) {
      if (c->fd >= 0) close(c->fd);
    }
    close(epoll_fd_);
  }

  // Opens one more connection and sends its first request. Returns false if the socket could
  // not even be created (e.g. out of file descriptors).
  bool Open() {
    conns_.push_back(std::make_unique<Connection>());
    return Connect(conns_.size() - 1);
  }

  // Runs the loop until `until_ns` (CLOCK_MONOTONIC).
  void RunUntil(int64_t until_ns) {
    epoll_event events[256];
    for (;;) {
      int64_t left_ms = (until_ns - NowNs() + 999'999) / 1'000'000;
      if (left_ms <= 0) return;
      int n = epoll_wait(epoll_fd_, events, 256, static_cast<int>(std::min<int64_t>(left_ms, 100)));
      if (n < 0) {
        if (errno == EINTR) continue;
        Die("epoll_wait: " + std::string(std::strerror(errno)));
      }
      for (int i = 0; i < n; ++i) Handle(events[i].data.u32, events[i].events);
    }
  }

  // Connections open and streaming whose last token arrived at or after `since_ns`.
  int StreamingSince(int64_t since_ns) const {
    int count = 0;
    for (const auto& c : conns_) {
      if (c->phase == Connection::Phase::kReading && c->last_token_ns >= since_ns) ++count;
    }
    return count;
  }
  // "connecting C, sending S, awaiting first token W, streaming R": where the open ones stand.
  std::string PhaseBreakdown() const {
    int connecting = 0, sending = 0, waiting = 0, streaming = 0;
    for (const auto& c : conns_) {
      switch (c->phase) {
        case Connection::Phase::kConnecting:
          ++connecting;
          break;
        case Connection::Phase::kSending:
          ++sending;
          break;
        case Connection::Phase::kReading:
          ++(c->tokens > 0 ? streaming : waiting);
          break;
        case Connection::Phase::kClosed:
          break;
      }
    }
    return "connecting " + std::to_string(connecting) + ", sending " + std::to_string(sending) +
           ", awaiting first token " + std::to_string(waiting) + ", streaming " +
           std::to_string(streaming);
  }
  int OpenConnections() const {
    int count = 0;
    for (const auto& c : conns_) count += c->phase != Connection::Phase::kClosed;
    return count;
  }
  size_t attempted() const { return conns_.size(); }
  const Counters& counters() const { return counters_; }

 private:
  bool Connect(size_t index) {
    Connection& c = *conns_[index];
    c.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c.fd < 0) {
      NoteError(counters_.connect_errors, "socket: " + std::string(std::strerror(errno)));
      c.phase = Connection::Phase::kClosed;
      return false;
    }
    int one = 1;
    setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    c.reader.Reset();
    c.counter.Reset();
    c.sent = 0;
    int r = connect(c.fd, reinterpret_cast<const sockaddr*>(&addr_), sizeof addr_);
    if (r != 0 && errno != EINPROGRESS) {
      NoteError(counters_.connect_errors, "connect: " + std::string(std::strerror(errno)));
      close(c.fd);
      c.fd = -1;
      c.phase = Connection::Phase::kClosed;
      return true;
    }
    c.phase = Connection::Phase::kConnecting;
    c.want_out = true;
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT;
    ev.data.u32 = static_cast<uint32_t>(index);
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, c.fd, &ev) != 0) {
      Die("epoll_ctl(ADD): " + std::string(std::strerror(errno)));
    }
    return true;
  }

  void SetWantOut(size_t index, bool want) {
    Connection& c = *conns_[index];
    if (c.want_out == want) return;
    c.want_out = want;
    epoll_event ev{};
    ev.events = EPOLLIN | (want ? EPOLLOUT : 0u);
    ev.data.u32 = static_cast<uint32_t>(index);
    epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, c.fd, &ev);
  }

  void Handle(uint32_t index, uint32_t events) {
    Connection& c = *conns_[index];
    if (c.fd < 0) return;
    if (c.phase == Connection::Phase::kConnecting) {
      if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) return;
      int err = 0;
      socklen_t len = sizeof err;
      getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0) {
        NoteError(counters_.connect_errors, "connect: " + std::string(std::strerror(err)));
        Close(index);
        return;
      }
      c.phase = Connection::Phase::kSending;
    }
    if (c.phase == Connection::Phase::kSending) {
      SendMore(index);
      if (c.fd < 0) return;
    }
    if (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) Receive(index);
  }

  void SendMore(size_t index) {
    Connection& c = *conns_[index];
    while (c.sent < request_.size()) {
      ssize_t n = send(c.fd, request_.data() + c.sent, request_.size() - c.sent, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
          SetWantOut(index, true);
          return;
        }
        if (errno == EINTR) continue;
        NoteError(counters_.closed_by_peer, "send: " + std::string(std::strerror(errno)));
        Close(index);
        return;
      }
      c.sent += static_cast<size_t>(n);
    }
    c.phase = Connection::Phase::kReading;
    SetWantOut(index, false);
  }

  void Receive(size_t index) {
    Connection& c = *conns_[index];
    ssize_t n = recv(c.fd, read_buf_.data(), read_buf_.size(), 0);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
      NoteError(counters_.closed_by_peer, "recv: " + std::string(std::strerror(errno)));
      Close(index);
      return;
    }
    if (n == 0) {
      NoteError(counters_.closed_by_peer, "the simulator closed a connection");
      Close(index);
      return;
    }
    std::string_view bytes(read_buf_.data(), static_cast<size_t>(n));
    uint64_t tokens_before = c.counter.token_events();
    uint64_t json_before = c.counter.json_frames();
    uint64_t done_before = c.counter.done_frames();
    size_t consumed = 0;
    HttpStreamReader::State state = c.reader.Feed(bytes, &consumed, c.counter);
    uint64_t tokens = c.counter.token_events() - tokens_before;
    counters_.token_events += tokens;
    counters_.json_frames += c.counter.json_frames() - json_before;
    counters_.done_frames += c.counter.done_frames() - done_before;
    if (tokens > 0) {
      c.tokens += tokens;
      c.last_token_ns = NowNs();
    }
    if (state == HttpStreamReader::State::kError) {
      NoteError(counters_.protocol_errors, std::string("bad response: ") + c.reader.error());
      Close(index);
      return;
    }
    if (state == HttpStreamReader::State::kMore) return;
    if (c.reader.status_code() == 200) {
      ++counters_.responses_ok;
    } else {
      NoteError(counters_.responses_error,
                "HTTP " + std::to_string(c.reader.status_code()) + ": " + c.reader.error_body());
    }
    if (consumed != bytes.size()) {
      NoteError(counters_.protocol_errors, "bytes after the end of a response");
      Close(index);
      return;
    }
    c.reader.Reset();
    c.counter.Reset();
    c.sent = 0;
    c.phase = Connection::Phase::kSending;
    SendMore(index);
  }

  void Close(size_t index) {
    Connection& c = *conns_[index];
    epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, c.fd, nullptr);
    close(c.fd);
    c.fd = -1;
    c.phase = Connection::Phase::kClosed;
    c.want_out = false;
    if (reconnect_) Connect(index);
  }

  void NoteError(uint64_t& counter, const std::string& what) {
    ++counter;
    if (counters_.first_error.empty()) counters_.first_error = what;
  }

  std::string request_;
  bool reconnect_;
  sockaddr_in addr_{};
  int epoll_fd_ = -1;
  std::vector<std::unique_ptr<Connection>> conns_;
  std::vector<char> read_buf_;
  Counters counters_;
};

std::string CompletionRequest(uint16_t port, int prompt_tokens, int max_tokens) {
  std::string body = "{\"model\":\"sim\",\"prompt\":[";
  for (int i = 0; i < prompt_tokens; ++i) {
    if (i > 0) body += ',';
    body += std::to_string(1000 + (i * 7919) % 30000);
  }
  body +=
      "],\"max_tokens\":" + std::to_string(max_tokens) + ",\"ignore_eos\":true,\"stream\":true}";
  return "POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
         "\r\nContent-Type: application/json\r\nAccept: text/event-stream\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

void PrintErrors(const Counters& k) {
  std::printf("  errors: connect %" PRIu64 ", closed by simulator %" PRIu64 ", non-200 %" PRIu64
              ", protocol %" PRIu64 "\n",
              k.connect_errors, k.closed_by_peer, k.responses_error, k.protocol_errors);
  if (!k.first_error.empty()) std::printf("  first error: %s\n", k.first_error.c_str());
}

// ---------------------------------------------------------------------------------------------
// The two measurements

int RunEmit(const Options& o, const Child& sim) {
  LoadDriver driver(sim.port, CompletionRequest(sim.port, o.prompt_tokens, o.max_tokens),
                    /*reconnect=*/true);
  for (int i = 0; i < o.connections; ++i) driver.Open();
  const int64_t start = NowNs();
  driver.RunUntil(start + static_cast<int64_t>(o.warmup_s * 1e9));
  DrainChildStdout(sim);

  const Counters before = driver.counters();
  const double sim_cpu0 = ProcessCpuSeconds(sim.pid);
  const double sim_wait0 = ProcessRunqueueWaitSeconds(sim.pid);
  const double self_cpu0 = SelfCpuSeconds();
  const int64_t t0 = NowNs();
  driver.RunUntil(t0 + static_cast<int64_t>(o.duration_s * 1e9));
  const int64_t t1 = NowNs();
  const double sim_wait = ProcessRunqueueWaitSeconds(sim.pid) - sim_wait0;
  const double sim_cpu1 = ProcessCpuSeconds(sim.pid);
  const double self_cpu1 = SelfCpuSeconds();
  const Counters& after = driver.counters();

  const double seconds = static_cast<double>(t1 - t0) / 1e9;
  const double events = static_cast<double>(after.token_events - before.token_events);
  const double sim_cpu = sim_cpu1 - sim_cpu0;
  const double self_cpu = self_cpu1 - self_cpu0;
  const double responses = static_cast<double>(after.responses_ok - before.responses_ok);
  std::printf(
      "emit: %d connections, prompt %d token ids, max_tokens %d, ignore_eos, stream; "
      "%.1f s after %.1f s warm-up\n",
      o.connections, o.prompt_tokens, o.max_tokens, seconds, o.warmup_s);
  std::printf("  token events received   %.0f  (%.0f /s)\n", events, events / seconds);
  std::printf("  responses completed     %.0f  (%.1f /s)\n", responses, responses / seconds);
  std::printf(
      "  simulator CPU           %.2f s  (%.0f%% of one core); waiting for a CPU %.2f s "
      "(%.0f%%: other processes on its core)\n",
      sim_cpu, 100 * sim_cpu / seconds, sim_wait, 100 * sim_wait / seconds);
  std::printf("  token events per simulator CPU-second  %.0f\n",
              sim_cpu > 0 ? events / sim_cpu : 0.0);
  std::printf("  load generator CPU      %.2f s  (%.0f%% of one core)\n", self_cpu,
              100 * self_cpu / seconds);
  std::printf("  frames: %" PRIu64 " JSON, %" PRIu64 " [DONE] (whole run)\n", after.json_frames,
              after.done_frames);
  PrintErrors(after);
  std::printf(
      "RESULT mode=emit connections=%d seconds=%.3f token_events=%.0f "
      "token_events_per_s=%.0f sim_cpu_s=%.3f sim_cpu_util=%.3f "
      "events_per_sim_cpu_s=%.0f sim_wait_share=%.3f client_cpu_util=%.3f responses=%.0f "
      "errors=%" PRIu64 "\n",
      o.connections, seconds, events, events / seconds, sim_cpu, sim_cpu / seconds,
      sim_cpu > 0 ? events / sim_cpu : 0.0, sim_wait / seconds, self_cpu / seconds, responses,
      after.connect_errors + after.closed_by_peer + after.responses_error + after.protocol_errors);
  return 0;
}

int RunConnections(const Options& o, const Child& sim) {
  // Let the idle simulator settle, then take its baseline memory.
  LoadDriver driver(sim.port, CompletionRequest(sim.port, o.prompt_tokens, o.max_tokens),
                    /*reconnect=*/false);
  driver.RunUntil(NowNs() + 300'000'000);
  const long rss_idle_kib = ProcessRssKib(sim.pid);
  const int fds_idle = ProcessFdCount(sim.pid);

  const int64_t ramp_start = NowNs();
  const double ramp_s = o.connections / o.ramp_per_s;
  int64_t next_report = ramp_start + 1'000'000'000;
  bool fd_exhausted = false;
  while (static_cast<int>(driver.attempted()) < o.connections && !fd_exhausted) {
    int64_t now = NowNs();
    int due =
        std::min<int>(o.connections, static_cast<int>((now - ramp_start) / 1e9 * o.ramp_per_s) + 1);
    while (static_cast<int>(driver.attempted()) < due) {
      if (!driver.Open()) {
        fd_exhausted = true;
        break;
      }
    }
    driver.RunUntil(now + 2'000'000);
    if (NowNs() >= next_report) {
      next_report += 1'000'000'000;
      std::fprintf(stderr, "sim_load: ramp %zu/%d opened, %d open\n", driver.attempted(),
                   o.connections, driver.OpenConnections());
    }
    if (NowNs() - ramp_start > static_cast<int64_t>((ramp_s + 30) * 1e9)) break;
  }
  const double ramp_took = static_cast<double>(NowNs() - ramp_start) / 1e9;
  // Every stream needs its TTFT and a token or two before it counts as streaming.
  const double settle_s = std::max(2.0, (o.ttft_ms + 2 * o.itl_ms) / 1000.0);
  driver.RunUntil(NowNs() + static_cast<int64_t>(settle_s * 1e9));

  // Hold: sample once a second; a stream counts if a token arrived in the last 2 s.
  int min_streaming = o.connections;
  int last_streaming = 0;
  const int64_t hold_end = NowNs() + static_cast<int64_t>(o.duration_s * 1e9);
  const double sim_cpu0 = ProcessCpuSeconds(sim.pid);
  const double sim_wait0 = ProcessRunqueueWaitSeconds(sim.pid);
  const uint64_t tokens0 = driver.counters().token_events;
  const int64_t t0 = NowNs();
  long rss_peak_kib = 0;
  while (NowNs() < hold_end) {
    driver.RunUntil(std::min(hold_end, NowNs() + 1'000'000'000));
    last_streaming = driver.StreamingSince(NowNs() - 2'000'000'000);
    min_streaming = std::min(min_streaming, last_streaming);
    rss_peak_kib = std::max(rss_peak_kib, ProcessRssKib(sim.pid));
    std::fprintf(stderr, "sim_load: hold: %d streaming in the last 2 s; %d open: %s\n",
                 last_streaming, driver.OpenConnections(), driver.PhaseBreakdown().c_str());
  }
  const double hold_s = static_cast<double>(NowNs() - t0) / 1e9;
  const double sim_cpu = ProcessCpuSeconds(sim.pid) - sim_cpu0;
  const double sim_wait = ProcessRunqueueWaitSeconds(sim.pid) - sim_wait0;
  const double tokens = static_cast<double>(driver.counters().token_events - tokens0);
  const long rss_kib = ProcessRssKib(sim.pid);
  // Connections the simulator has accepted (its descriptors beyond the idle ones); those still in
  // its listen queue cost it nothing yet.
  const int accepted = std::max(0, ProcessFdCount(sim.pid) - fds_idle);
  const double per_conn_kib =
      accepted > 0 ? static_cast<double>(rss_kib - rss_idle_kib) / accepted : 0.0;
  const double us_per_event = tokens > 0 ? sim_cpu / tokens * 1e6 : 0.0;

  rlimit lim{};
  getrlimit(RLIMIT_NOFILE, &lim);
  std::printf(
      "connections: target %d, ramp %.0f/s (took %.1f s), fixed TTFT %.0f ms, ITL %.0f ms, "
      "max_tokens %d, hold %.1f s; RLIMIT_NOFILE %llu\n",
      o.connections, o.ramp_per_s, ramp_took, o.ttft_ms, o.itl_ms, o.max_tokens, hold_s,
      static_cast<unsigned long long>(lim.rlim_cur));
  std::printf("  attempted %zu, open at end %d (%s)\n", driver.attempted(),
              driver.OpenConnections(), driver.PhaseBreakdown().c_str());
  std::printf("  accepted by the simulator (its descriptors): %d\n", accepted);
  std::printf("  streaming (token in the last 2 s): min over hold %d, at end %d\n", min_streaming,
              last_streaming);
  std::printf(
      "  token events during hold %.0f (%.0f /s); simulator CPU %.0f%% of one core "
      "(%.1f us per token event), waiting for a CPU %.0f%%\n",
      tokens, tokens / hold_s, 100 * sim_cpu / hold_s, us_per_event, 100 * sim_wait / hold_s);
  std::printf(
      "  simulator RSS idle %ld KiB, held %ld KiB (peak %ld): %.2f KiB per accepted "
      "connection\n",
      rss_idle_kib, rss_kib, rss_peak_kib, per_conn_kib);
  PrintErrors(driver.counters());
  const Counters& k = driver.counters();
  std::printf(
      "RESULT mode=connections target=%d itl_ms=%g attempted=%zu accepted=%d "
      "streaming_min=%d streaming_end=%d rss_idle_kib=%ld rss_held_kib=%ld "
      "rss_per_conn_kib=%.2f hold_events_per_s=%.0f sim_cpu_util=%.3f "
      "sim_us_per_event=%.2f sim_wait_share=%.3f nofile=%llu errors=%" PRIu64 "\n",
      o.connections, o.itl_ms, driver.attempted(), accepted, min_streaming, last_streaming,
      rss_idle_kib, rss_kib, per_conn_kib, tokens / hold_s, sim_cpu / hold_s, us_per_event,
      sim_wait / hold_s, static_cast<unsigned long long>(lim.rlim_cur),
      k.connect_errors + k.closed_by_peer + k.responses_error + k.protocol_errors);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o = ParseOptions(argc, argv);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  signal(SIGPIPE, SIG_IGN);
  signal(SIGINT, OnFatalSignal);
  signal(SIGTERM, OnFatalSignal);
  signal(SIGALRM, OnFatalSignal);
  std::atexit(KillChild);

  // Both processes need a descriptor per connection; the child inherits the raised limit.
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
  const bool emit = o.mode == "emit";
  if (!emit && lim.rlim_cur < static_cast<rlim_t>(o.connections) + 64) {
    std::fprintf(stderr, "sim_load: RLIMIT_NOFILE is %llu: fewer than %d connections will open\n",
                 static_cast<unsigned long long>(lim.rlim_cur), o.connections);
  }

  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  sched_getaffinity(0, sizeof allowed, &allowed);
  const bool can_pin =
      CPU_ISSET(o.sim_cpu, &allowed) && CPU_ISSET(o.self_cpu, &allowed) && o.sim_cpu != o.self_cpu;
  if (!can_pin) {
    std::fprintf(stderr, "sim_load: CPUs %d and %d are not both available; not pinning\n",
                 o.sim_cpu, o.self_cpu);
  }

  // An overall deadline: whatever happens, the run ends and the simulator dies.
  const double budget_s =
      emit ? o.warmup_s + o.duration_s + 60 : o.connections / o.ramp_per_s + o.duration_s + 120;
  alarm(static_cast<unsigned>(budget_s));

  std::vector<std::string> sim_args;
  if (emit) {
    sim_args = {"--profile", "instant"};
  } else {
    char ttft[32], itl[32];
    std::snprintf(ttft, sizeof ttft, "%g", o.ttft_ms);
    std::snprintf(itl, sizeof itl, "%g", o.itl_ms);
    sim_args = {"--profile", "fixed", "--ttft-ms", ttft, "--itl-ms", itl};
  }
  Child sim = StartSimulator(o.bin, sim_args, can_pin ? o.sim_cpu : 0);
  if (can_pin && !PinTo(0, o.self_cpu)) {
    std::fprintf(stderr, "sim_load: could not pin myself to CPU %d\n", o.self_cpu);
  }
  std::printf("simulator pid %d on 127.0.0.1:%u, pinned to CPU %d; load generator on CPU %d%s\n",
              static_cast<int>(sim.pid), sim.port, o.sim_cpu, o.self_cpu,
              can_pin ? "" : " (NOT pinned)");

  int rc = emit ? RunEmit(o, sim) : RunConnections(o, sim);
  KillChild();
  return rc;
}
