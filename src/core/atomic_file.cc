#include "core/atomic_file.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <fmt/format.h>

namespace inferbench {

Status WriteFileAtomically(const std::string& path, std::string_view content) {
  namespace fs = std::filesystem;
  const fs::path target(path);
  std::error_code ec;
  if (target.has_parent_path()) {
    fs::create_directories(target.parent_path(), ec);
    if (ec) {
      return Status::Error(fmt::format("cannot write {}: cannot create directory {}: {}", path,
                                       target.parent_path().string(), ec.message()));
    }
  }
  const std::string temp = fmt::format("{}.tmp.{}", path, static_cast<long>(::getpid()));
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out) {
      return Status::Error(fmt::format(
          "cannot write {}: cannot open {} (check the directory exists and is writable)", path, temp));
    }
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    out.flush();
    if (!out) {
      out.close();
      fs::remove(temp, ec);
      return Status::Error(fmt::format("cannot write {}: writing {} failed (disk full?)", path, temp));
    }
  }
  fs::rename(temp, target, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(temp, ignored);
    return Status::Error(fmt::format("cannot write {}: cannot rename {} into place: {}", path, temp,
                                     ec.message()));
  }
  return Status::Ok();
}

}  // namespace inferbench
