#include "runner/run_directory.h"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <memory>

#include <nlohmann/json.hpp>

#include "core/atomic_file.h"

namespace inferbench::runner {

namespace {

Status WriteError(const std::string& path) {
  return Status::Error("cannot write " + path + ": " + std::strerror(errno) +
                       " (check free space and permissions)");
}

}  // namespace

Result<std::unique_ptr<RunDirectory>> RunDirectory::Create(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return Status::Error("cannot create output directory " + dir + ": " + ec.message() +
                         " (choose another --output-dir)");
  }
  for (const char* name : {"/requests.jsonl", "/summary.json"}) {
    if (std::filesystem::exists(dir + name)) {
      return Status::Error("output directory " + dir + " already holds a run (" + (name + 1) +
                           "); choose another --output-dir or move that run away — runs are "
                           "never overwritten or mixed");
    }
  }
  std::string requests = dir + "/requests.jsonl";
  std::string tokens = dir + "/token_times";
  std::FILE* r = std::fopen(requests.c_str(), "a");
  if (!r) return WriteError(requests);
  std::FILE* t = std::fopen(tokens.c_str(), "a");
  if (!t) {
    std::fclose(r);
    return WriteError(tokens);
  }
  return std::unique_ptr<RunDirectory>(new RunDirectory(dir, r, t));
}

RunDirectory::RunDirectory(std::string dir, std::FILE* requests, std::FILE* tokens)
    : dir_(std::move(dir)), requests_(requests), tokens_(tokens) {}

RunDirectory::~RunDirectory() {
  std::fclose(requests_);
  std::fclose(tokens_);
}

std::string FormatTokenTimes(const std::string& request_id, const std::vector<int64_t>& times) {
  std::string line = "{\"request_id\":";
  line += nlohmann::json(request_id).dump();
  line += ",\"first_ns\":";
  line += std::to_string(times.empty() ? 0 : times.front());
  line += ",\"delta_us\":[";
  int64_t previous_us = 0;
  for (size_t i = 1; i < times.size(); ++i) {
    int64_t offset_us = std::llround(static_cast<double>(times[i] - times.front()) / 1000.0);
    if (i > 1) line += ',';
    line += std::to_string(offset_us - previous_us);
    previous_us = offset_us;
  }
  line += "]}";
  return line;
}

Status RunDirectory::AppendRecord(const results::RequestRecord& record,
                                  const std::vector<int64_t>& token_times) {
  line_ = record.ToJsonLine();
  line_ += '\n';
  if (std::fwrite(line_.data(), 1, line_.size(), requests_) != line_.size() ||
      std::fflush(requests_) != 0) {
    return WriteError(dir_ + "/requests.jsonl");
  }
  if (!token_times.empty()) {
    line_ = FormatTokenTimes(record.request_id, token_times);
    line_ += '\n';
    if (std::fwrite(line_.data(), 1, line_.size(), tokens_) != line_.size() ||
        std::fflush(tokens_) != 0) {
      return WriteError(dir_ + "/token_times");
    }
  }
  return Status::Ok();
}

Status RunDirectory::WriteText(const std::string& name, const std::string& text) {
  return WriteFileAtomically(dir_ + "/" + name, text);
}

Status RunDirectory::WriteSummary(const results::RunSummary& summary) {
  return WriteText("summary.json", summary.ToJson().dump(2) + "\n");
}

}  // namespace inferbench::runner
