#include "evidence/environment.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace inferbench::evidence {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// Two sockets, one core each, two hardware threads per core.
constexpr char kCpuInfo[] =
    "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Platinum 8480+\n"
    "physical id\t: 0\ncore id\t\t: 0\ncpu cores\t: 1\nflags\t\t: fpu vme de\n\n"
    "processor\t: 1\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Platinum 8480+\n"
    "physical id\t: 0\ncore id\t\t: 0\ncpu cores\t: 1\n\n"
    "processor\t: 2\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Platinum 8480+\n"
    "physical id\t: 1\ncore id\t\t: 0\ncpu cores\t: 1\n\n"
    "processor\t: 3\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Platinum 8480+\n"
    "physical id\t: 1\ncore id\t\t: 0\ncpu cores\t: 1\n\n";

constexpr char kMemInfo[] =
    "MemTotal:       16318412 kB\nMemFree:         1234567 kB\nMemAvailable:    9876543 kB\n";

constexpr char kOsRelease[] =
    "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\n"
    "VERSION=\"12 (bookworm)\"\nID=debian\n";

// Second GPU: clocks and power not reported, as on some virtualised or MIG setups.
constexpr char kNvidiaSmiCsv[] =
    "NVIDIA H100 80GB HBM3, GPU-0b1f2c3d-1111-2222-3333-444455556666, 535.104.05, 81559, 1980, "
    "2619, "
    "700.00, 5, 16\n"
    "NVIDIA H100 80GB HBM3, GPU-9a8b7c6d-7777-8888-9999-aaaabbbbcccc, 535.104.05, 81559, [N/A], "
    "[Not Supported], [N/A], 4, 8\n";

constexpr char kNvidiaSmiHeader[] =
    "Mon Jan  8 10:00:00 2024\n"
    "+---------------------------------------------------------------------------------------+\n"
    "| NVIDIA-SMI 535.104.05             Driver Version: 535.104.05   CUDA Version: 12.2     |\n"
    "|-----------------------------------------+----------------------+----------------------+\n";

constexpr char kTopology[] =
    "\tGPU0\tGPU1\tCPU Affinity\tNUMA Affinity\n"
    "GPU0\t X \tNV18\t0-55\t0\n"
    "GPU1\tNV18\t X \t0-55\t0\n";

constexpr char kDigest[] =
    "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

TEST(ParseCpuInfo, CountsThreadsCoresAndSockets) {
  CpuInfo cpu = ParseCpuInfo(kCpuInfo);
  EXPECT_EQ(cpu.model, "Intel(R) Xeon(R) Platinum 8480+");
  EXPECT_EQ(cpu.logical_cores, 4);
  EXPECT_EQ(cpu.physical_cores, 2);  // core id 0 on each of two sockets
  EXPECT_EQ(cpu.sockets, 2);
}

TEST(ParseCpuInfo, ArmWithoutModelNameOrTopology) {
  CpuInfo cpu = ParseCpuInfo(
      "processor\t: 0\nBogoMIPS\t: 50.00\n\nprocessor\t: 1\nBogoMIPS\t: 50.00\n\n"
      "Hardware\t: Example SoC\n");
  EXPECT_EQ(cpu.model, "Example SoC");
  EXPECT_EQ(cpu.logical_cores, 2);
  EXPECT_FALSE(cpu.physical_cores.has_value());
  EXPECT_FALSE(cpu.sockets.has_value());
}

TEST(ParseCpuInfo, EmptyTextIsAllUnknown) {
  CpuInfo cpu = ParseCpuInfo("");
  EXPECT_EQ(cpu.model, kUnknown);
  EXPECT_FALSE(cpu.logical_cores.has_value());
}

TEST(ParseMemInfo, MemTotalInBytes) {
  EXPECT_EQ(ParseMemInfo(kMemInfo), int64_t{16318412} * 1024);
  EXPECT_FALSE(ParseMemInfo("MemFree: 12 kB\n").has_value());
  EXPECT_FALSE(ParseMemInfo("MemTotal: lots kB\n").has_value());
}

TEST(ParseOsRelease, PrettyNameThenNameAndVersion) {
  EXPECT_EQ(ParseOsRelease(kOsRelease), "Debian GNU/Linux 12 (bookworm)");
  EXPECT_EQ(ParseOsRelease("# comment\nNAME='Alpine Linux'\nVERSION=3.19\n"), "Alpine Linux 3.19");
  EXPECT_EQ(ParseOsRelease("PRETTY_NAME=\"Say \\\"hi\\\" OS\"\n"), "Say \"hi\" OS");
  EXPECT_EQ(ParseOsRelease("PRETTY_NAME=\"\"\nNAME=Minimal\n"), "Minimal");
  EXPECT_EQ(ParseOsRelease("ID=x\n"), kUnknown);
}

TEST(ParseNvidiaSmiCsv, TwoGpusWithUnsupportedFields) {
  std::vector<GpuInfo> gpus = ParseNvidiaSmiCsv(kNvidiaSmiCsv);
  ASSERT_EQ(gpus.size(), 2u);
  EXPECT_EQ(gpus[0].index, 0);
  EXPECT_EQ(gpus[0].name, "NVIDIA H100 80GB HBM3");
  EXPECT_EQ(gpus[0].uuid, "GPU-0b1f2c3d-1111-2222-3333-444455556666");
  EXPECT_EQ(gpus[0].driver_version, "535.104.05");
  EXPECT_EQ(gpus[0].memory_total_mib, 81559);
  EXPECT_EQ(gpus[0].sm_clock_max_mhz, 1980);
  EXPECT_EQ(gpus[0].memory_clock_max_mhz, 2619);
  EXPECT_EQ(gpus[0].power_limit_w, 700.0);
  EXPECT_EQ(gpus[0].pcie_link_gen, 5);
  EXPECT_EQ(gpus[0].pcie_link_width, 16);

  EXPECT_EQ(gpus[1].index, 1);
  EXPECT_EQ(gpus[1].uuid, "GPU-9a8b7c6d-7777-8888-9999-aaaabbbbcccc");
  EXPECT_FALSE(gpus[1].sm_clock_max_mhz.has_value());
  EXPECT_FALSE(gpus[1].memory_clock_max_mhz.has_value());
  EXPECT_FALSE(gpus[1].power_limit_w.has_value());
  EXPECT_EQ(gpus[1].pcie_link_gen, 4);
  EXPECT_EQ(gpus[1].pcie_link_width, 8);
}

TEST(ParseNvidiaSmiCsv, ShortLinesAndTextMarkersBecomeUnknown) {
  std::vector<GpuInfo> gpus = ParseNvidiaSmiCsv("\n[Unknown Error], N/A, 550.1\n\n");
  ASSERT_EQ(gpus.size(), 1u);
  EXPECT_EQ(gpus[0].name, kUnknown);
  EXPECT_EQ(gpus[0].uuid, kUnknown);
  EXPECT_EQ(gpus[0].driver_version, "550.1");
  EXPECT_FALSE(gpus[0].memory_total_mib.has_value());
  EXPECT_FALSE(gpus[0].pcie_link_width.has_value());
  EXPECT_TRUE(ParseNvidiaSmiCsv("").empty());
}

TEST(ParseNvidiaSmiCsv, NameWithCommaKeepsNumericColumnsInPlace) {
  std::vector<GpuInfo> gpus =
      ParseNvidiaSmiCsv("Odd, Name GPU, GPU-1, 550.1, 1024, 100, 200, 75.5, 3, 4\n");
  ASSERT_EQ(gpus.size(), 1u);
  EXPECT_EQ(gpus[0].name, "Odd, Name GPU");
  EXPECT_EQ(gpus[0].uuid, "GPU-1");
  EXPECT_EQ(gpus[0].memory_total_mib, 1024);
  EXPECT_EQ(gpus[0].power_limit_w, 75.5);
  EXPECT_EQ(gpus[0].pcie_link_width, 4);
}

TEST(ParseCudaVersion, FromHeader) {
  EXPECT_EQ(ParseCudaVersion(kNvidiaSmiHeader), "12.2");
  EXPECT_EQ(ParseCudaVersion("| CUDA Version: N/A |"), kUnknown);
  EXPECT_EQ(ParseCudaVersion("no header here"), kUnknown);
}

TEST(ParseImageDigest, OnlyPinnedReferences) {
  EXPECT_EQ(ParseImageDigest(std::string("vllm/vllm-openai@") + kDigest), kDigest);
  EXPECT_EQ(ParseImageDigest(std::string("registry.example:5000/x/y:v1@") + kDigest), kDigest);
  EXPECT_EQ(ParseImageDigest("vllm/vllm-openai:latest"), kUnknown);
  EXPECT_EQ(ParseImageDigest("repo@sha256:abc"), kUnknown);
  EXPECT_EQ(ParseImageDigest(
                "repo@sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef"),
            kUnknown);
  EXPECT_EQ(ParseImageDigest("repo@md5:0123"), kUnknown);
}

TEST(DescribeBuild, NamesCompilerAndBuildType) {
  std::string build = DescribeBuild();
  EXPECT_THAT(build, ::testing::AnyOf(HasSubstr("-debug"), HasSubstr("-release")));
  EXPECT_THAT(build, ::testing::AnyOf(StartsWith("gcc-"), StartsWith("clang-")));
}

// Every string in the document is non-empty and nothing is null.
void ExpectNoBlanks(const nlohmann::json& j, const std::string& path) {
  if (j.is_null()) {
    ADD_FAILURE() << path << " is null";
  } else if (j.is_string()) {
    EXPECT_FALSE(j.get<std::string>().empty()) << path << " is an empty string";
  } else if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      EXPECT_FALSE(it.key().empty()) << path << " has an empty key";
      ExpectNoBlanks(it.value(), path + "." + it.key());
    }
  } else if (j.is_array()) {
    for (size_t i = 0; i < j.size(); ++i)
      ExpectNoBlanks(j[i], path + "[" + std::to_string(i) + "]");
  }
}

void ExpectKeys(const nlohmann::json& j, const std::vector<std::string>& keys) {
  ASSERT_TRUE(j.is_object());
  for (const std::string& k : keys)
    EXPECT_TRUE(j.contains(k)) << "missing key " << k << " in " << j.dump();
  EXPECT_EQ(j.size(), keys.size()) << j.dump();
}

class CaptureEnvironmentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("ib_env_" + std::to_string(::getpid()) + "_" + info->name());
    std::filesystem::remove_all(dir_);
    for (const char* sub : {"proc/self", "etc", "root", "bin"})
      std::filesystem::create_directories(dir_ / sub);
    inputs_.proc_root = (dir_ / "proc").string();
    inputs_.etc_root = (dir_ / "etc").string();
    inputs_.fs_root = (dir_ / "root").string();
    inputs_.nvidia_smi = (dir_ / "bin" / "no-such-nvidia-smi").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void Write(const std::string& relative, const std::string& text) {
    std::ofstream out(dir_ / relative, std::ios::binary);
    out << text;
  }

  // An executable shell script standing in for nvidia-smi.
  std::string WriteScript(const std::string& name, const std::string& body) {
    std::string path = (dir_ / "bin" / name).string();
    Write("bin/" + name, "#!/bin/sh\n" + body);
    ::chmod(path.c_str(), 0755);
    return path;
  }

  void WriteCannedSystem() {
    Write("proc/cpuinfo", kCpuInfo);
    Write("proc/meminfo", kMemInfo);
    Write("proc/self/cgroup",
          "0::/kubepods.slice/kubepods-pod1234.slice/cri-containerd-abc.scope\n");
    Write("etc/os-release", kOsRelease);
  }

  std::filesystem::path dir_;
  EnvironmentInputs inputs_;
};

TEST_F(CaptureEnvironmentTest, CannedHostWithoutNvidiaSmi) {
  WriteCannedSystem();
  inputs_.harness_version = "0.1.0";
  inputs_.build_id = "gcc-12.2.0-debug";
  inputs_.target_version_json = R"({"version":"0.6.3"})";
  inputs_.engine_name = "vllm";
  inputs_.images = {{"engine", std::string("vllm/vllm-openai@") + kDigest},
                    {"sidecar", "busybox:latest"}};
  Environment env = CaptureEnvironment(inputs_);

  EXPECT_EQ(env.host.os, "Debian GNU/Linux 12 (bookworm)");
  EXPECT_EQ(env.host.cpu_model, "Intel(R) Xeon(R) Platinum 8480+");
  EXPECT_EQ(env.host.cpu_logical_cores, 4);
  EXPECT_EQ(env.host.cpu_physical_cores, 2);
  EXPECT_EQ(env.host.cpu_sockets, 2);
  EXPECT_EQ(env.host.memory_bytes, int64_t{16318412} * 1024);
  EXPECT_EQ(env.host.container, "kubernetes");
  EXPECT_EQ(env.gpu_probe, "not found");
  EXPECT_TRUE(env.gpus.empty());
  EXPECT_FALSE(env.gpu_count.has_value());
  EXPECT_EQ(env.engine.name, "vllm");
  EXPECT_EQ(env.engine.version, "0.6.3");
  EXPECT_EQ(env.images.at("engine").digest, kDigest);
  EXPECT_EQ(env.images.at("sidecar").digest, kUnknown);

  nlohmann::json j = env.ToJson();
  ExpectNoBlanks(j, "$");
  ExpectKeys(j, {"schema", "scope", "host", "gpu_probe", "gpus", "gpu_count", "driver", "cuda",
                 "topology", "engine", "images", "harness", "captured_at"});
  ExpectKeys(j["host"], {"hostname", "os", "kernel", "kernel_version", "arch", "cpu_model",
                         "cpu_logical_cores", "cpu_usable_cores", "cpu_physical_cores",
                         "cpu_sockets", "memory_bytes", "container"});
  ExpectKeys(j["engine"], {"name", "version", "version_response"});
  ExpectKeys(j["harness"], {"version", "build_id"});
  EXPECT_EQ(j["schema"], "inferbench.environment/v1");
  EXPECT_EQ(j["gpu_count"], "unknown");
  EXPECT_EQ(j["driver"], "unknown");
  EXPECT_EQ(j["cuda"], "unknown");
  EXPECT_EQ(j["topology"], "unknown");
  EXPECT_EQ(j["gpus"], nlohmann::json::array());
  EXPECT_EQ(j["host"]["memory_bytes"], int64_t{16318412} * 1024);
  EXPECT_EQ(j["engine"]["version_response"], nlohmann::json({{"version", "0.6.3"}}));
  EXPECT_EQ(j["images"]["engine"]["digest"], kDigest);
  EXPECT_EQ(j["harness"]["version"], "0.1.0");
  EXPECT_THAT(j["captured_at"].get<std::string>(),
              ::testing::MatchesRegex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z"));
  EXPECT_THAT(FormatEnvironment(env), HasSubstr("Intel(R) Xeon(R) Platinum 8480+"));
}

TEST_F(CaptureEnvironmentTest, NothingFoundIsUnknownNeverBlank) {
  Environment env = CaptureEnvironment(inputs_);  // empty directories, no inputs
  EXPECT_EQ(env.host.os, kUnknown);
  EXPECT_EQ(env.host.cpu_model, kUnknown);
  EXPECT_FALSE(env.host.memory_bytes.has_value());
  EXPECT_EQ(env.host.container, kUnknown);
  EXPECT_EQ(env.engine.name, kUnknown);
  EXPECT_EQ(env.engine.version, kUnknown);
  EXPECT_EQ(env.engine.version_response, kUnknown);
  EXPECT_EQ(env.harness.version, kUnknown);
  EXPECT_EQ(env.harness.build_id, kUnknown);

  nlohmann::json j = env.ToJson();
  ExpectNoBlanks(j, "$");
  EXPECT_EQ(j["host"]["os"], "unknown");
  EXPECT_EQ(j["host"]["memory_bytes"], "unknown");
  EXPECT_EQ(j["host"]["cpu_sockets"], "unknown");
  EXPECT_EQ(j["engine"]["version_response"], "unknown");
  EXPECT_EQ(j["images"], nlohmann::json::object());
  std::string text = FormatEnvironment(env);
  EXPECT_THAT(text, HasSubstr("unknown (nvidia-smi: not found)"));
  EXPECT_EQ(text.back(), '\n');
}

TEST_F(CaptureEnvironmentTest, EngineFromSimulatorAndFromGarbage) {
  inputs_.engine_name = "declared";
  inputs_.target_version_json = R"({"version":"0.1.0","engine":"inferbench-sim","profile":"h100"})";
  EXPECT_EQ(CaptureEnvironment(inputs_).engine.name, "inferbench-sim");

  inputs_.target_version_json = "<html>not found</html>";
  Environment env = CaptureEnvironment(inputs_);
  EXPECT_EQ(env.engine.name, "declared");
  EXPECT_EQ(env.engine.version, kUnknown);
  EXPECT_EQ(env.ToJson()["engine"]["version_response"], "<html>not found</html>");
}

TEST_F(CaptureEnvironmentTest, DockerenvMarksDocker) {
  Write("root/.dockerenv", "");
  EXPECT_EQ(CaptureEnvironment(inputs_).host.container, "docker");
}

TEST_F(CaptureEnvironmentTest, FakeNvidiaSmiThroughExec) {
  WriteCannedSystem();
  const std::string query = "--query-gpu=" + std::string(kNvidiaSmiQueryFields);
  inputs_.nvidia_smi =
      WriteScript("nvidia-smi", "if [ \"$1\" = '" + query +
                                    "' ] && [ \"$2\" = '--format=csv,noheader,nounits' ]; then\n"
                                    "  cat '" +
                                    (dir_ / "bin" / "csv.txt").string() +
                                    "'\n"
                                    "elif [ \"$1\" = topo ] && [ \"$2\" = -m ]; then\n"
                                    "  cat '" +
                                    (dir_ / "bin" / "topo.txt").string() +
                                    "'\n"
                                    "elif [ $# -eq 0 ]; then\n"
                                    "  cat '" +
                                    (dir_ / "bin" / "header.txt").string() +
                                    "'\n"
                                    "else\n"
                                    "  echo unexpected arguments >&2; exit 3\n"
                                    "fi\n");
  Write("bin/csv.txt", kNvidiaSmiCsv);
  Write("bin/topo.txt", kTopology);
  Write("bin/header.txt", kNvidiaSmiHeader);

  Environment env = CaptureEnvironment(inputs_);
  EXPECT_EQ(env.gpu_probe, "ok");
  ASSERT_EQ(env.gpus.size(), 2u);
  EXPECT_EQ(env.gpu_count, 2);
  EXPECT_EQ(env.gpus[1].uuid, "GPU-9a8b7c6d-7777-8888-9999-aaaabbbbcccc");
  EXPECT_EQ(env.driver, "535.104.05");
  EXPECT_EQ(env.cuda, "12.2");
  EXPECT_EQ(env.topology, std::string(kTopology).substr(0, std::string(kTopology).size() - 1));

  nlohmann::json j = env.ToJson();
  ExpectNoBlanks(j, "$");
  EXPECT_EQ(j["gpu_count"], 2);
  ExpectKeys(j["gpus"][0],
             {"index", "name", "uuid", "driver_version", "memory_total_mib", "sm_clock_max_mhz",
              "memory_clock_max_mhz", "power_limit_w", "pcie_link_gen", "pcie_link_width"});
  EXPECT_EQ(j["gpus"][0]["power_limit_w"], 700.0);
  EXPECT_EQ(j["gpus"][1]["power_limit_w"], "unknown");
  EXPECT_EQ(j["gpus"][1]["sm_clock_max_mhz"], "unknown");
  std::string text = FormatEnvironment(env);
  EXPECT_THAT(text, HasSubstr("NVIDIA H100 80GB HBM3"));
  EXPECT_THAT(text, HasSubstr("CUDA 12.2"));
  EXPECT_THAT(text, HasSubstr("NV18"));
}

TEST_F(CaptureEnvironmentTest, FailingNvidiaSmiLeavesGpusUnknown) {
  inputs_.nvidia_smi = WriteScript("nvidia-smi",
                                   "echo \"NVIDIA-SMI has failed because it couldn't communicate "
                                   "with the NVIDIA driver.\"\nexit 9\n");
  Environment env = CaptureEnvironment(inputs_);
  EXPECT_EQ(env.gpu_probe, "failed: exit 9");
  EXPECT_TRUE(env.gpus.empty());
  EXPECT_FALSE(env.gpu_count.has_value());
  EXPECT_EQ(env.driver, kUnknown);
  ExpectNoBlanks(env.ToJson(), "$");
}

TEST_F(CaptureEnvironmentTest, NoGpusIsZeroNotUnknown) {
  inputs_.nvidia_smi = WriteScript("nvidia-smi", "exit 0\n");
  Environment env = CaptureEnvironment(inputs_);
  EXPECT_EQ(env.gpu_probe, "ok");
  EXPECT_EQ(env.gpu_count, 0);
  EXPECT_EQ(env.ToJson()["gpu_count"], 0);
}

TEST_F(CaptureEnvironmentTest, HungNvidiaSmiIsKilledAtTheTimeout) {
  // The script never answers; its child `sleep` must be killed with it.
  inputs_.nvidia_smi = WriteScript("nvidia-smi", "sleep 60\n");
  inputs_.command_timeout_ns = 200'000'000;
  Environment env = CaptureEnvironment(inputs_);
  EXPECT_THAT(env.gpu_probe, StartsWith("timed out after"));
  EXPECT_FALSE(env.gpu_count.has_value());
  ExpectNoBlanks(env.ToJson(), "$");
}

}  // namespace
}  // namespace inferbench::evidence
