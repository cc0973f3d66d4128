// RunDirectory: the files of one bench run (DESIGN.md §9, docs/FORMATS.md), written so that
// nothing measured is lost: requests.jsonl and token_times are appended and flushed as each
// request completes; summary.json is replaced atomically (write + rename) after every point.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "core/status.h"
#include "results/request_record.h"
#include "results/summary.h"

namespace inferbench::runner {

class RunDirectory {
 public:
  // Creates `dir` (and parents) and opens the append-only files. Refuses a directory that
  // already holds a run (requests.jsonl or summary.json), so runs are never mixed.
  static Result<std::unique_ptr<RunDirectory>> Create(const std::string& dir);
  ~RunDirectory();
  RunDirectory(const RunDirectory&) = delete;
  RunDirectory& operator=(const RunDirectory&) = delete;

  // One line of requests.jsonl and, when `token_times` is not empty, one of token_times:
  //   {"request_id":…,"first_ns":N,"delta_us":[…]}  (µs offsets between consecutive token
  //   events, rounded from absolute offsets so the reconstruction error stays ≤ 0.5 µs).
  Status AppendRecord(const results::RequestRecord& record, const std::vector<int64_t>& token_times);
  Status WriteSummary(const results::RunSummary& summary);
  Status WriteText(const std::string& name, const std::string& text);
  const std::string& path() const { return dir_; }

 private:
  RunDirectory(std::string dir, std::FILE* requests, std::FILE* tokens);
  std::string dir_;
  std::FILE* requests_;
  std::FILE* tokens_;
  std::string line_;
};

// Formats one token_times line (without the newline).
std::string FormatTokenTimes(const std::string& request_id, const std::vector<int64_t>& times);

}  // namespace inferbench::runner
