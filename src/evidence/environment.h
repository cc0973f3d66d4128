// Environment capture: the machine, GPUs, engine, images and harness a run was measured with, so
// that no number is reported without its context (DESIGN.md §2.3) and the environment becomes an
// artifact of the run (§7). `inferbench env` prints it; the runner stores it with each run.
//
// Honesty rules:
//   - Every field that cannot be found is the string "unknown": never empty, never missing. In
//     the C++ structs text fields hold "unknown" and numeric fields are std::nullopt; ToJson()
//     writes nullopt as "unknown".
//   - Host and GPU facts describe the machine running inferbench (JSON "scope": "harness_host").
//     Against a remote target they are not the server's hardware; the engine section (from the
//     server's /version) and the images (from the spec) are.
//   - Capture never fails: a missing file or command only leaves fields "unknown". `gpu_probe`
//     says why the GPU section is empty ("not found", "timed out after 10s", ...).
//
// environment.json ("inferbench.environment/v1"), stable key names:
//   {"schema": "inferbench.environment/v1", "scope": "harness_host",
//    "host": {"hostname", "os", "kernel", "kernel_version", "arch", "cpu_model",
//             "cpu_logical_cores", "cpu_usable_cores", "cpu_physical_cores", "cpu_sockets",
//             "memory_bytes", "container"},
//    "gpu_probe": "ok" | "not found" | "failed: ..." | "timed out after Ns",
//    "gpus": [{"index", "name", "uuid", "driver_version", "memory_total_mib", "sm_clock_max_mhz",
//              "memory_clock_max_mhz", "power_limit_w", "pcie_link_gen", "pcie_link_width"}],
//    "gpu_count", "driver", "cuda", "topology" (raw `nvidia-smi topo -m` text),
//    "engine": {"name", "version", "version_response" (the /version body: JSON when it parses,
//               else the raw text)},
//    "images": {"<name>": {"image", "digest"}},
//    "harness": {"version", "build_id"},
//    "captured_at": "YYYY-MM-DDTHH:MM:SSZ" (UTC)}
// Numbers are JSON numbers (or "unknown"); units are in the key names. "gpus" is [] and
// "gpu_count" "unknown" when nvidia-smi did not answer; "gpu_count" is 0 when it answered with no
// GPU. "container" is "docker", "podman", "kubernetes", "containerd", "lxc" or "none" (no sign
// found, which is not proof).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace inferbench::evidence {

inline constexpr std::string_view kUnknown = "unknown";
inline constexpr std::string_view kEnvironmentSchema = "inferbench.environment/v1";

struct CpuInfo {
  std::string model{kUnknown};
  std::optional<int64_t> logical_cores;   // "processor" entries
  std::optional<int64_t> physical_cores;  // distinct (physical id, core id) pairs
  std::optional<int64_t> sockets;         // distinct physical ids
};

struct HostInfo {
  std::string hostname{kUnknown};
  std::string os{kUnknown};              // os-release PRETTY_NAME
  std::string kernel{kUnknown};          // uname -r
  std::string kernel_version{kUnknown};  // uname -v
  std::string arch{kUnknown};            // uname -m
  std::string cpu_model{kUnknown};
  std::optional<int64_t> cpu_logical_cores;
  std::optional<int64_t> cpu_usable_cores;  // this process's CPU affinity mask
  std::optional<int64_t> cpu_physical_cores;
  std::optional<int64_t> cpu_sockets;
  std::optional<int64_t> memory_bytes;  // MemTotal
  std::string container{kUnknown};
};

// One line of `nvidia-smi --query-gpu=...` (see kNvidiaSmiQueryFields).
struct GpuInfo {
  int64_t index = 0;  // position in nvidia-smi's output
  std::string name{kUnknown};
  std::string uuid{kUnknown};
  std::string driver_version{kUnknown};
  std::optional<int64_t> memory_total_mib;
  std::optional<int64_t> sm_clock_max_mhz;
  std::optional<int64_t> memory_clock_max_mhz;
  std::optional<double> power_limit_w;
  std::optional<int64_t> pcie_link_gen;    // current
  std::optional<int64_t> pcie_link_width;  // current, lanes
};

// The --query-gpu fields, in the column order ParseNvidiaSmiCsv expects.
inline constexpr std::string_view kNvidiaSmiQueryFields =
    "name,uuid,driver_version,memory.total,clocks.max.sm,clocks.max.memory,power.limit,"
    "pcie.link.gen.current,pcie.link.width.current";

struct EngineInfo {
  std::string name{kUnknown};
  std::string version{kUnknown};
  std::string version_response{kUnknown};  // the /version body as received
};

struct ImageInfo {
  std::string image{kUnknown};
  std::string digest{kUnknown};  // "sha256:<64 hex>" when the reference is pinned
};

struct HarnessInfo {
  std::string version{kUnknown};
  std::string build_id{kUnknown};
};

struct Environment {
  HostInfo host;
  std::string gpu_probe{kUnknown};
  std::vector<GpuInfo> gpus;
  std::optional<int64_t> gpu_count;  // nullopt when nvidia-smi did not answer
  std::string driver{kUnknown};
  std::string cuda{kUnknown};
  std::string topology{kUnknown};
  EngineInfo engine;
  std::map<std::string, ImageInfo> images;
  HarnessInfo harness;
  std::string captured_at{kUnknown};

  // The environment.json document described at the top of this file.
  nlohmann::json ToJson() const;
};

struct EnvironmentInputs {
  std::string harness_version;  // "" → "unknown"
  std::string build_id;         // "" → "unknown"; see DescribeBuild()
  // The body of the target's GET /version ("" when not fetched). Its "version" key gives the
  // engine version and its "engine" key (if any) the engine name.
  std::string target_version_json;
  std::string
      engine_name;  // declared by the spec (system.engine.name); used when /version has none
  std::map<std::string, std::string> images;  // name → image reference, from the spec
  std::string nvidia_smi = "nvidia-smi";      // looked up on PATH unless it contains '/'
  std::string proc_root = "/proc";
  std::string etc_root = "/etc";
  std::string fs_root = "/";  // where /.dockerenv, /run/.containerenv, /usr/lib/os-release live
  int64_t command_timeout_ns = 10'000'000'000;  // each external command; killed when exceeded
};

// Reads /proc, /etc and uname, runs nvidia-smi (when present, each call bounded by
// command_timeout_ns; after a timeout no further call is made) and fills every field. Never fails.
// Blocks for up to a few command timeouts; call it from one thread at a time.
Environment CaptureEnvironment(const EnvironmentInputs& inputs);

// Human-readable, several lines, ending with a newline.
std::string FormatEnvironment(const Environment& environment);

// The compiler, build type and sanitizer of this binary, e.g. "gcc-12.2.0-release" or
// "gcc-12.2.0-debug-asan": honest and reproducible (no build timestamps).
std::string DescribeBuild();

// Parsers of the raw sources, separate so they can be tested from canned text. None fails: what
// cannot be found stays "unknown" / nullopt.

// /proc/cpuinfo: "model name" (else "Model", "Hardware" or "cpu model" on non-x86), processors,
// "physical id"/"core id" pairs.
CpuInfo ParseCpuInfo(std::string_view text);
// /proc/meminfo MemTotal in bytes.
std::optional<int64_t> ParseMemInfo(std::string_view text);
// os-release PRETTY_NAME (unquoted), else "NAME VERSION", else "unknown".
std::string ParseOsRelease(std::string_view text);
// `nvidia-smi --query-gpu=<kNvidiaSmiQueryFields> --format=csv,noheader,nounits`: one GpuInfo
// per non-blank line. "[N/A]", "[Not Supported]", any other "[...]", "N/A" and non-numbers in
// numeric columns become unknown.
std::vector<GpuInfo> ParseNvidiaSmiCsv(std::string_view text);
// "CUDA Version: 12.2" in the header of plain `nvidia-smi` output → "12.2", else "unknown".
std::string ParseCudaVersion(std::string_view text);
// "repo/x@sha256:<64 hex>" → "sha256:<64 hex>"; unpinned or malformed → "unknown".
std::string ParseImageDigest(std::string_view image);

}  // namespace inferbench::evidence
