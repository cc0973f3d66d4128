#include "sim/ground_truth_trace.h"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <utility>

#include <nlohmann/json.hpp>

#include "sim/chunk_writer.h"

namespace inferbench::sim {
namespace {

constexpr int64_t kFlushAgeNs = 1'000'000'000;
constexpr size_t kFlushBytes = size_t{1} << 20;

void AppendInt(std::string& out, int64_t value) {
  char buffer[24];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  out.append(buffer, result.ptr);
}

void AppendString(std::string& out, std::string_view text) {
  out += '"';
  AppendJsonEscaped(out, text);
  out += '"';
}

std::string ErrnoText() { return std::strerror(errno); }

}  // namespace

std::string FormatTraceRecord(const TraceRecord& record) {
  std::string out;
  out.reserve(200 + record.token_ns.size() * 20);
  out += "{\"type\":\"request\",\"request_id\":";
  AppendString(out, record.request_id);
  out += ",\"arrival_ns\":";
  AppendInt(out, record.arrival_ns);
  out += ",\"first_token_ns\":";
  if (record.token_ns.empty()) {
    out += "null";
  } else {
    AppendInt(out, record.token_ns.front());
  }
  out += ",\"token_ns\":[";
  for (size_t i = 0; i < record.token_ns.size(); ++i) {
    if (i > 0) out += ',';
    AppendInt(out, record.token_ns[i]);
  }
  out += "],\"finish_ns\":";
  AppendInt(out, record.finish_ns);
  out += ",\"finish_reason\":";
  AppendString(out, record.finish_reason);
  out += ",\"prompt_tokens\":";
  AppendInt(out, record.prompt_tokens);
  out += ",\"completion_tokens\":";
  AppendInt(out, record.completion_tokens);
  out += ",\"status\":";
  AppendInt(out, record.status);
  out += '}';
  return out;
}

Result<std::unique_ptr<GroundTruthTrace>> GroundTruthTrace::Open(const std::string& path) {
  return Open(path, ClockAnchor::Now(), SteadyClock::Instance());
}

Result<std::unique_ptr<GroundTruthTrace>> GroundTruthTrace::Open(const std::string& path,
                                                                 const ClockAnchor& anchor,
                                                                 const Clock& clock) {
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) {
    return Status::Error("cannot create the trace file " + path + ": " + ErrnoText() +
                         " (check that the directory exists and is writable)");
  }
  std::unique_ptr<GroundTruthTrace> trace(new GroundTruthTrace(path, file, clock));
  std::string header = "{\"type\":\"anchor\",\"steady_ns\":";
  AppendInt(header, anchor.steady_ns);
  header += ",\"system_ns\":";
  AppendInt(header, anchor.system_ns);
  header += ",\"schema\":\"";
  header += kSimTraceSchema;
  header += "\"}\n";
  if (std::fwrite(header.data(), 1, header.size(), file) != header.size() ||
      std::fflush(file) != 0) {
    return Status::Error("cannot write the trace file " + path + ": " + ErrnoText());
  }
  return trace;
}

GroundTruthTrace::GroundTruthTrace(std::string path, std::FILE* file, const Clock& clock)
    : path_(std::move(path)), file_(file), clock_(clock) {}

GroundTruthTrace::~GroundTruthTrace() {
  Flush();
  std::fclose(file_);
}

void GroundTruthTrace::Append(const TraceRecord& record) {
  const int64_t now = clock_.NowNs();
  if (buffered_lines_ == 0) oldest_buffered_ns_ = now;
  buffer_ += FormatTraceRecord(record);
  buffer_ += '\n';
  ++buffered_lines_;
  if (buffer_.size() >= kFlushBytes || now - oldest_buffered_ns_ >= kFlushAgeNs) Flush();
}

Status GroundTruthTrace::Flush() {
  if (!buffer_.empty() && error_.ok()) {
    if (std::fwrite(buffer_.data(), 1, buffer_.size(), file_) != buffer_.size() ||
        std::fflush(file_) != 0) {
      error_ = Status::Error("cannot write the trace file " + path_ + ": " + ErrnoText());
    } else {
      lines_written_ += buffered_lines_;
    }
  }
  buffer_.clear();
  buffered_lines_ = 0;
  return error_;
}

Result<GroundTruthTraceContents> ReadGroundTruthTrace(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::Error("cannot open the trace file " + path + ": " + ErrnoText());
  GroundTruthTraceContents contents;
  std::string line;
  size_t line_number = 0;
  bool have_anchor = false;
  while (std::getline(in, line)) {
    ++line_number;
    if (line.empty()) continue;
    const std::string where = path + ":" + std::to_string(line_number);
    nlohmann::json json = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (json.is_discarded() || !json.is_object()) {
      return Status::Error(where + ": not a JSON object");
    }
    try {
      const std::string type = json.at("type").get<std::string>();
      if (type == "anchor") {
        if (json.value("schema", std::string()) != kSimTraceSchema) {
          return Status::Error(where + ": unknown schema, expected " +
                               std::string(kSimTraceSchema));
        }
        contents.anchor.steady_ns = json.at("steady_ns").get<int64_t>();
        contents.anchor.system_ns = json.at("system_ns").get<int64_t>();
        have_anchor = true;
      } else if (type == "request") {
        TraceRecord record;
        record.request_id = json.at("request_id").get<std::string>();
        record.arrival_ns = json.at("arrival_ns").get<int64_t>();
        record.token_ns = json.at("token_ns").get<std::vector<int64_t>>();
        record.finish_ns = json.at("finish_ns").get<int64_t>();
        record.finish_reason = json.at("finish_reason").get<std::string>();
        record.prompt_tokens = json.at("prompt_tokens").get<int>();
        record.completion_tokens = json.at("completion_tokens").get<int>();
        record.status = json.at("status").get<int>();
        contents.records.push_back(std::move(record));
      }
    } catch (const nlohmann::json::exception& e) {
      return Status::Error(where + ": " + e.what());
    }
  }
  if (!have_anchor) return Status::Error(path + ": no anchor line (is it a simulator trace?)");
  return contents;
}

}  // namespace inferbench::sim
