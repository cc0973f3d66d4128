// Test tool: holds a warehouse file open read-only, the way a dashboard or report reader would,
// so a test can check that a writer (`inferbench run`) waits a bounded time and loses nothing.
//
//   hold_warehouse FILE MILLISECONDS
//
// Prints "holding" once the connection is open, then sleeps; exits 0, or 2 when it cannot open.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "warehouse/database.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: hold_warehouse FILE MILLISECONDS\n");
    return 2;
  }
  inferbench::warehouse::OpenOptions options;
  options.mode = inferbench::warehouse::AccessMode::kReadOnly;
  options.lock_wait_ns = 10'000'000'000;
  auto db = inferbench::warehouse::Database::Open(argv[1], options);
  if (!db.ok()) {
    std::fprintf(stderr, "hold_warehouse: %s\n", db.status().message().c_str());
    return 2;
  }
  std::printf("holding\n");
  std::fflush(stdout);
  std::this_thread::sleep_for(std::chrono::milliseconds(std::atol(argv[2])));
  return 0;
}
