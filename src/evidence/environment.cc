#include "evidence/environment.h"

#include <sched.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cmath>
#include <ctime>
#include <fstream>
#include <set>
#include <sstream>
#include <utility>

#include <fmt/format.h>

#include "core/duration.h"
#include "evidence/external_command.h"

namespace inferbench::evidence {
namespace {

const std::string kUnknownString(kUnknown);

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string OrUnknown(std::string_view s) {
  s = Trim(s);
  return s.empty() ? kUnknownString : std::string(s);
}

std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    lines.push_back(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return lines;
}

// "key : value" → (trimmed key, trimmed value); false without the separator.
bool SplitKeyValue(std::string_view line, char separator, std::string_view* key,
                   std::string_view* value) {
  size_t pos = line.find(separator);
  if (pos == std::string_view::npos) return false;
  *key = Trim(line.substr(0, pos));
  *value = Trim(line.substr(pos + 1));
  return true;
}

std::optional<int64_t> ParseInt(std::string_view s) {
  s = Trim(s);
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

std::optional<double> ParseDouble(std::string_view s) {
  s = Trim(s);
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty() || !std::isfinite(v)) {
    return std::nullopt;
  }
  return v;
}

// nvidia-smi writes "[N/A]", "[Not Supported]", "[Unknown Error]", "[Insufficient
// Permissions]" ... for values it cannot give.
bool IsNvidiaSmiMissing(std::string_view v) {
  return v.empty() || v == "N/A" || (v.front() == '[' && v.back() == ']');
}

std::string NvidiaText(std::string_view v) {
  v = Trim(v);
  return IsNvidiaSmiMissing(v) ? kUnknownString : std::string(v);
}

std::optional<int64_t> NvidiaInt(std::string_view v) {
  v = Trim(v);
  if (IsNvidiaSmiMissing(v)) return std::nullopt;
  if (auto i = ParseInt(v)) return i;
  // Some drivers print clocks or memory with a fraction; round rather than lose the value.
  if (auto d = ParseDouble(v)) return static_cast<int64_t>(std::llround(*d));
  return std::nullopt;
}

std::optional<double> NvidiaDouble(std::string_view v) {
  v = Trim(v);
  if (IsNvidiaSmiMissing(v)) return std::nullopt;
  return ParseDouble(v);
}

std::string JoinPath(const std::string& root, std::string_view rest) {
  std::string path = root;
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  if (path == "/") path.clear();
  path += '/';
  while (!rest.empty() && rest.front() == '/') rest.remove_prefix(1);
  path += rest;
  return path;
}

// The whole file, or nullopt when it cannot be read. Files under /proc report size 0, so read
// by stream rather than by size.
std::optional<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return out.str();
}

bool FileExists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

// ---- capture -----------------------------------------------------------------------------

std::string DetectContainer(const EnvironmentInputs& in) {
  if (FileExists(JoinPath(in.fs_root, ".dockerenv"))) return "docker";
  if (FileExists(JoinPath(in.fs_root, "run/.containerenv"))) return "podman";
  std::optional<std::string> cgroup = ReadFile(JoinPath(in.proc_root, "self/cgroup"));
  if (!cgroup) cgroup = ReadFile(JoinPath(in.proc_root, "1/cgroup"));
  if (!cgroup) return kUnknownString;
  const std::string& c = *cgroup;
  if (c.find("kubepods") != std::string::npos) return "kubernetes";
  if (c.find("docker") != std::string::npos) return "docker";
  if (c.find("libpod") != std::string::npos) return "podman";
  if (c.find("containerd") != std::string::npos) return "containerd";
  if (c.find("lxc") != std::string::npos) return "lxc";
  return "none";
}

HostInfo CaptureHost(const EnvironmentInputs& in) {
  HostInfo host;
  utsname uts{};
  if (::uname(&uts) == 0) {
    host.hostname = OrUnknown(uts.nodename);
    host.kernel = OrUnknown(uts.release);
    host.kernel_version = OrUnknown(uts.version);
    host.arch = OrUnknown(uts.machine);
  }
  std::optional<std::string> os_release = ReadFile(JoinPath(in.etc_root, "os-release"));
  if (!os_release) os_release = ReadFile(JoinPath(in.fs_root, "usr/lib/os-release"));
  if (os_release) host.os = ParseOsRelease(*os_release);

  if (std::optional<std::string> cpuinfo = ReadFile(JoinPath(in.proc_root, "cpuinfo"))) {
    CpuInfo cpu = ParseCpuInfo(*cpuinfo);
    host.cpu_model = cpu.model;
    host.cpu_logical_cores = cpu.logical_cores;
    host.cpu_physical_cores = cpu.physical_cores;
    host.cpu_sockets = cpu.sockets;
  }
  if (!host.cpu_logical_cores) {
    long online = ::sysconf(_SC_NPROCESSORS_ONLN);
    if (online > 0) host.cpu_logical_cores = online;
  }
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0) {
    host.cpu_usable_cores = CPU_COUNT(&set);
  }
  if (std::optional<std::string> meminfo = ReadFile(JoinPath(in.proc_root, "meminfo"))) {
    host.memory_bytes = ParseMemInfo(*meminfo);
  }
  host.container = DetectContainer(in);
  return host;
}

std::string DescribeFailure(const ExternalCommandResult& out, int64_t timeout_ns) {
  switch (out.outcome) {
    case ExternalCommandResult::Outcome::kNotFound:
      return "not found";
    case ExternalCommandResult::Outcome::kTimedOut:
      return "timed out after " + FormatDurationNs(timeout_ns);
    case ExternalCommandResult::Outcome::kSpawnFailed:
      return "failed: " + (out.error.empty() ? std::string("could not start") : out.error);
    case ExternalCommandResult::Outcome::kExited:
      break;
  }
  return out.exit_code < 0 ? "failed: killed by a signal"
                           : fmt::format("failed: exit {}", out.exit_code);
}

void CaptureGpus(const EnvironmentInputs& in, Environment* env) {
  const int64_t timeout = in.command_timeout_ns;
  ExternalCommandResult query =
      RunExternalCommand({in.nvidia_smi, "--query-gpu=" + std::string(kNvidiaSmiQueryFields),
                          "--format=csv,noheader,nounits"},
                         timeout);
  if (query.outcome != ExternalCommandResult::Outcome::kExited || query.exit_code != 0) {
    env->gpu_probe = DescribeFailure(query, timeout);
    return;
  }
  env->gpu_probe = "ok";
  env->gpus = ParseNvidiaSmiCsv(query.out);
  env->gpu_count = static_cast<int64_t>(env->gpus.size());
  for (const GpuInfo& gpu : env->gpus) {
    if (gpu.driver_version != kUnknown) {
      env->driver = gpu.driver_version;
      break;
    }
  }
  ExternalCommandResult header = RunExternalCommand({in.nvidia_smi}, timeout);
  if (header.outcome == ExternalCommandResult::Outcome::kTimedOut) {
    env->gpu_probe = "ok; plain nvidia-smi " + DescribeFailure(header, timeout);
    return;
  }
  if (header.outcome == ExternalCommandResult::Outcome::kExited && header.exit_code == 0) {
    env->cuda = ParseCudaVersion(header.out);
  }
  ExternalCommandResult topo = RunExternalCommand({in.nvidia_smi, "topo", "-m"}, timeout);
  if (topo.outcome == ExternalCommandResult::Outcome::kTimedOut) {
    env->gpu_probe = "ok; nvidia-smi topo -m " + DescribeFailure(topo, timeout);
    return;
  }
  if (topo.outcome == ExternalCommandResult::Outcome::kExited && topo.exit_code == 0) {
    std::string_view text = topo.out;
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
      text.remove_suffix(1);
    env->topology = text.empty() ? kUnknownString : std::string(text);
  }
}

EngineInfo CaptureEngine(const EnvironmentInputs& in) {
  EngineInfo engine;
  engine.version_response = OrUnknown(in.target_version_json);
  engine.name = OrUnknown(in.engine_name);
  nlohmann::json body =
      nlohmann::json::parse(in.target_version_json, nullptr, /*allow_exceptions=*/false);
  if (body.is_object()) {
    auto version = body.find("version");
    if (version != body.end() && version->is_string())
      engine.version = OrUnknown(version->get<std::string>());
    auto name = body.find("engine");
    if (name != body.end() && name->is_string() && !Trim(name->get<std::string>()).empty()) {
      engine.name = OrUnknown(name->get<std::string>());
    }
  }
  return engine;
}

std::string UtcNow() {
  std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  if (::gmtime_r(&now, &tm) == nullptr) return kUnknownString;
  char text[32];
  if (std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) return kUnknownString;
  return text;
}

template <typename T>
nlohmann::json OrUnknownJson(const std::optional<T>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(kUnknownString);
}

nlohmann::json TextJson(const std::string& s) {
  return s.empty() ? nlohmann::json(kUnknownString) : nlohmann::json(s);
}

template <typename T>
std::string OrUnknownText(const std::optional<T>& v, std::string_view suffix = "") {
  return v ? fmt::format("{}{}", *v, suffix) : kUnknownString;
}

}  // namespace

// ---- parsers -----------------------------------------------------------------------------

CpuInfo ParseCpuInfo(std::string_view text) {
  CpuInfo cpu;
  int64_t processors = 0;
  std::set<std::string> sockets;
  std::set<std::pair<std::string, std::string>> cores;
  std::string physical_id;
  std::string fallback_model;
  for (std::string_view line : Lines(text)) {
    std::string_view key, value;
    if (!SplitKeyValue(line, ':', &key, &value)) {
      physical_id.clear();  // a blank line ends one processor's block
      continue;
    }
    if (key == "processor") {
      ++processors;
    } else if (key == "model name") {
      if (cpu.model == kUnknown && !value.empty()) cpu.model = std::string(value);
    } else if (key == "Model" || key == "Hardware" || key == "cpu model") {
      if (fallback_model.empty()) fallback_model = std::string(value);
    } else if (key == "physical id") {
      physical_id = std::string(value);
      sockets.insert(physical_id);
    } else if (key == "core id") {
      cores.emplace(physical_id, std::string(value));
    }
  }
  if (cpu.model == kUnknown && !fallback_model.empty()) cpu.model = fallback_model;
  if (processors > 0) cpu.logical_cores = processors;
  if (!sockets.empty()) cpu.sockets = static_cast<int64_t>(sockets.size());
  if (!cores.empty()) cpu.physical_cores = static_cast<int64_t>(cores.size());
  return cpu;
}

std::optional<int64_t> ParseMemInfo(std::string_view text) {
  for (std::string_view line : Lines(text)) {
    std::string_view key, value;
    if (!SplitKeyValue(line, ':', &key, &value) || key != "MemTotal") continue;
    int64_t multiplier = 1;
    if (value.size() >= 2 &&
        (value.substr(value.size() - 2) == "kB" || value.substr(value.size() - 2) == "KB")) {
      multiplier = 1024;
      value.remove_suffix(2);
    }
    std::optional<int64_t> amount = ParseInt(value);
    if (!amount || *amount <= 0) return std::nullopt;
    return *amount * multiplier;
  }
  return std::nullopt;
}

namespace {

// An os-release value: shell-like quoting ("…", '…') with backslash escapes inside double quotes.
std::string UnquoteOsReleaseValue(std::string_view v) {
  v = Trim(v);
  if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front()) {
    char quote = v.front();
    v = v.substr(1, v.size() - 2);
    if (quote == '\'') return std::string(v);
    std::string out;
    for (size_t i = 0; i < v.size(); ++i) {
      if (v[i] == '\\' && i + 1 < v.size()) ++i;
      out += v[i];
    }
    return out;
  }
  return std::string(v);
}

}  // namespace

std::string ParseOsRelease(std::string_view text) {
  std::map<std::string, std::string, std::less<>> fields;
  for (std::string_view line : Lines(text)) {
    line = Trim(line);
    if (line.empty() || line.front() == '#') continue;
    std::string_view key, value;
    if (!SplitKeyValue(line, '=', &key, &value)) continue;
    fields[std::string(key)] = UnquoteOsReleaseValue(value);
  }
  auto get = [&](std::string_view key) -> std::string {
    auto it = fields.find(key);
    return it == fields.end() ? std::string() : std::string(Trim(it->second));
  };
  if (std::string pretty = get("PRETTY_NAME"); !pretty.empty()) return pretty;
  std::string name = get("NAME");
  std::string version = get("VERSION");
  if (name.empty()) return kUnknownString;
  return version.empty() ? name : name + " " + version;
}

std::vector<GpuInfo> ParseNvidiaSmiCsv(std::string_view text) {
  constexpr size_t kColumns = 9;
  std::vector<GpuInfo> gpus;
  for (std::string_view line : Lines(text)) {
    if (Trim(line).empty()) continue;
    std::vector<std::string_view> cells;
    while (true) {
      size_t comma = line.find(',');
      cells.push_back(Trim(line.substr(0, comma)));
      if (comma == std::string_view::npos) break;
      line.remove_prefix(comma + 1);
    }
    // The name is the only free-text column; if it held commas, the numeric columns are still
    // the last eight.
    if (cells.size() > kColumns) {
      size_t extra = cells.size() - kColumns;
      std::string_view first = cells[0];
      std::string_view last = cells[extra];
      std::string_view joined(first.data(),
                              static_cast<size_t>(last.data() + last.size() - first.data()));
      cells.erase(cells.begin() + 1, cells.begin() + 1 + static_cast<std::ptrdiff_t>(extra));
      cells[0] = joined;
    }
    cells.resize(kColumns, std::string_view());
    GpuInfo gpu;
    gpu.index = static_cast<int64_t>(gpus.size());
    gpu.name = NvidiaText(cells[0]);
    gpu.uuid = NvidiaText(cells[1]);
    gpu.driver_version = NvidiaText(cells[2]);
    gpu.memory_total_mib = NvidiaInt(cells[3]);
    gpu.sm_clock_max_mhz = NvidiaInt(cells[4]);
    gpu.memory_clock_max_mhz = NvidiaInt(cells[5]);
    gpu.power_limit_w = NvidiaDouble(cells[6]);
    gpu.pcie_link_gen = NvidiaInt(cells[7]);
    gpu.pcie_link_width = NvidiaInt(cells[8]);
    gpus.push_back(std::move(gpu));
  }
  return gpus;
}

std::string ParseCudaVersion(std::string_view text) {
  constexpr std::string_view kLabel = "CUDA Version:";
  size_t pos = text.find(kLabel);
  if (pos == std::string_view::npos) return kUnknownString;
  std::string_view rest = text.substr(pos + kLabel.size());
  while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
  size_t end = 0;
  while (end < rest.size() &&
         (std::isdigit(static_cast<unsigned char>(rest[end])) || rest[end] == '.'))
    ++end;
  std::string_view version = rest.substr(0, end);
  if (version.empty() || !std::isdigit(static_cast<unsigned char>(version.front())))
    return kUnknownString;
  return std::string(version);
}

std::string ParseImageDigest(std::string_view image) {
  constexpr std::string_view kPrefix = "sha256:";
  size_t at = image.rfind('@');
  if (at == std::string_view::npos) return kUnknownString;
  std::string_view digest = Trim(image.substr(at + 1));
  if (digest.substr(0, kPrefix.size()) != kPrefix) return kUnknownString;
  std::string_view hex = digest.substr(kPrefix.size());
  if (hex.size() != 64) return kUnknownString;
  for (char c : hex) {
    if (!std::isxdigit(static_cast<unsigned char>(c)) ||
        std::isupper(static_cast<unsigned char>(c))) {
      return kUnknownString;
    }
  }
  return std::string(digest);
}

// ---- capture, JSON, text -----------------------------------------------------------------

Environment CaptureEnvironment(const EnvironmentInputs& inputs) {
  Environment env;
  env.captured_at = UtcNow();
  env.host = CaptureHost(inputs);
  CaptureGpus(inputs, &env);
  env.engine = CaptureEngine(inputs);
  for (const auto& [name, image] : inputs.images) {
    ImageInfo info;
    info.image = OrUnknown(image);
    info.digest = ParseImageDigest(image);
    env.images[name.empty() ? kUnknownString : name] = std::move(info);
  }
  env.harness.version = OrUnknown(inputs.harness_version);
  env.harness.build_id = OrUnknown(inputs.build_id);
  return env;
}

nlohmann::json Environment::ToJson() const {
  nlohmann::json h = {
      {"hostname", TextJson(host.hostname)},
      {"os", TextJson(host.os)},
      {"kernel", TextJson(host.kernel)},
      {"kernel_version", TextJson(host.kernel_version)},
      {"arch", TextJson(host.arch)},
      {"cpu_model", TextJson(host.cpu_model)},
      {"cpu_logical_cores", OrUnknownJson(host.cpu_logical_cores)},
      {"cpu_usable_cores", OrUnknownJson(host.cpu_usable_cores)},
      {"cpu_physical_cores", OrUnknownJson(host.cpu_physical_cores)},
      {"cpu_sockets", OrUnknownJson(host.cpu_sockets)},
      {"memory_bytes", OrUnknownJson(host.memory_bytes)},
      {"container", TextJson(host.container)},
  };
  nlohmann::json g = nlohmann::json::array();
  for (const GpuInfo& gpu : gpus) {
    g.push_back({
        {"index", gpu.index},
        {"name", TextJson(gpu.name)},
        {"uuid", TextJson(gpu.uuid)},
        {"driver_version", TextJson(gpu.driver_version)},
        {"memory_total_mib", OrUnknownJson(gpu.memory_total_mib)},
        {"sm_clock_max_mhz", OrUnknownJson(gpu.sm_clock_max_mhz)},
        {"memory_clock_max_mhz", OrUnknownJson(gpu.memory_clock_max_mhz)},
        {"power_limit_w", OrUnknownJson(gpu.power_limit_w)},
        {"pcie_link_gen", OrUnknownJson(gpu.pcie_link_gen)},
        {"pcie_link_width", OrUnknownJson(gpu.pcie_link_width)},
    });
  }
  nlohmann::json version_response = TextJson(engine.version_response);
  nlohmann::json parsed =
      nlohmann::json::parse(engine.version_response, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_discarded()) version_response = std::move(parsed);
  nlohmann::json imgs = nlohmann::json::object();
  for (const auto& [name, info] : images) {
    imgs[name.empty() ? kUnknownString : name] = {{"image", TextJson(info.image)},
                                                  {"digest", TextJson(info.digest)}};
  }
  return {
      {"schema", std::string(kEnvironmentSchema)},
      {"scope", "harness_host"},
      {"host", std::move(h)},
      {"gpu_probe", TextJson(gpu_probe)},
      {"gpus", std::move(g)},
      {"gpu_count", OrUnknownJson(gpu_count)},
      {"driver", TextJson(driver)},
      {"cuda", TextJson(cuda)},
      {"topology", TextJson(topology)},
      {"engine",
       {{"name", TextJson(engine.name)},
        {"version", TextJson(engine.version)},
        {"version_response", version_response}}},
      {"images", std::move(imgs)},
      {"harness",
       {{"version", TextJson(harness.version)}, {"build_id", TextJson(harness.build_id)}}},
      {"captured_at", TextJson(captured_at)},
  };
}

std::string FormatEnvironment(const Environment& env) {
  const HostInfo& h = env.host;
  std::string out;
  auto line = [&](std::string_view label, const std::string& text) {
    out += fmt::format("{:<10} {}\n", label, text);
  };
  line("Host", fmt::format("{} ({}; kernel {}; {}; container: {})", h.hostname, h.os, h.kernel,
                           h.arch, h.container));
  line("CPU",
       fmt::format("{}: {} logical cores ({} usable), {} physical, {} socket(s)", h.cpu_model,
                   OrUnknownText(h.cpu_logical_cores), OrUnknownText(h.cpu_usable_cores),
                   OrUnknownText(h.cpu_physical_cores), OrUnknownText(h.cpu_sockets)));
  line("Memory", h.memory_bytes ? fmt::format("{:.1f} GiB ({} bytes)",
                                              static_cast<double>(*h.memory_bytes) / (1 << 30),
                                              *h.memory_bytes)
                                : kUnknownString);
  if (!env.gpu_count) {
    line("GPUs", fmt::format("unknown (nvidia-smi: {})", env.gpu_probe));
  } else {
    line("GPUs", fmt::format("{} (driver {}, CUDA {}; nvidia-smi: {})", *env.gpu_count, env.driver,
                             env.cuda, env.gpu_probe));
    for (const GpuInfo& g : env.gpus) {
      out += fmt::format(
          "  [{}] {}  {}  {} MiB  SM max {} MHz  mem max {} MHz  power limit {} W  PCIe gen {} "
          "x{}\n",
          g.index, g.name, g.uuid, OrUnknownText(g.memory_total_mib),
          OrUnknownText(g.sm_clock_max_mhz), OrUnknownText(g.memory_clock_max_mhz),
          OrUnknownText(g.power_limit_w), OrUnknownText(g.pcie_link_gen),
          OrUnknownText(g.pcie_link_width));
    }
  }
  if (env.topology == kUnknown) {
    line("Topology", kUnknownString);
  } else {
    line("Topology", "(nvidia-smi topo -m)");
    for (std::string_view l : Lines(env.topology)) out += fmt::format("  {}\n", l);
  }
  const bool engine_unknown = env.engine.name == kUnknown && env.engine.version == kUnknown;
  line("Engine",
       engine_unknown ? kUnknownString : fmt::format("{} {}", env.engine.name, env.engine.version));
  if (env.images.empty()) {
    line("Images", "none declared");
  } else {
    bool first = true;
    for (const auto& [name, info] : env.images) {
      line(first ? "Images" : "", fmt::format("{}: {} (digest {})", name, info.image, info.digest));
      first = false;
    }
  }
  line("Harness",
       fmt::format("inferbench {} (build {})", env.harness.version, env.harness.build_id));
  line("Captured", env.captured_at + " (host and GPUs: the machine running inferbench)");
  return out;
}

std::string DescribeBuild() {
  std::string compiler;
#if defined(__clang__)
  compiler = fmt::format("clang-{}.{}.{}", __clang_major__, __clang_minor__, __clang_patchlevel__);
#elif defined(__GNUC__)
  compiler = fmt::format("gcc-{}.{}.{}", __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__);
#else
  compiler = "unknown-compiler";
#endif
#ifdef NDEBUG
  std::string build = compiler + "-release";
#else
  std::string build = compiler + "-debug";
#endif
#if defined(__SANITIZE_ADDRESS__)
  build += "-asan";
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
  build += "-asan";
#endif
#endif
  return build;
}

}  // namespace inferbench::evidence
