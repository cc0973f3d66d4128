// Tests only (header-only; no library code includes it): scratch directories for the tests that
// write evidence to disk (the evidence tests and the warehouse tests that build a store).
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

namespace inferbench::evidence::testing {

// Where scratch directories go: /dev/shm when it is a writable folder, else the system temporary
// folder. Every object is fsynced (file and folder); on tmpfs that costs nothing, so the tests
// stay fast without weakening what they check.
inline std::filesystem::path ScratchParent() {
  std::error_code ec;
  if (std::filesystem::is_directory("/dev/shm", ec) && ::access("/dev/shm", W_OK) == 0) {
    return "/dev/shm";
  }
  return std::filesystem::temp_directory_path();
}

// Makes a new, empty directory ScratchParent()/<prefix>-XXXXXX and returns its path; returns ""
// after recording a test failure when it cannot. The caller removes it (RemoveScratchDir).
inline std::string MakeScratchDir(std::string_view prefix) {
  std::string pattern = (ScratchParent() / (std::string(prefix) + "-XXXXXX")).string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    ADD_FAILURE() << "cannot make a scratch directory " << pattern;
    return "";
  }
  return pattern;
}

// Removes a scratch directory and everything in it; "" and a missing directory are fine.
// Objects are 0444 in 0755 folders, so removal needs no chmod.
inline void RemoveScratchDir(const std::string& dir) {
  if (dir.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

}  // namespace inferbench::evidence::testing
