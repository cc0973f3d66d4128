// SimServer: the simulator's HTTP face. Serves vLLM's OpenAI-compatible endpoints on one
// EventLoop, drives the Engine's step loop with timers (or per-request timers for the `fixed`
// profile), streams SSE chunks, applies faults, records ground truth and exposes /metrics.
// Loop thread only, except the constructor.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "net/event_loop.h"
#include "sim/faults.h"
#include "sim/profile.h"

namespace inferbench::sim {

struct SimOptions {
  std::string served_model_name = "sim";
  SimProfile profile;              // engine parameters (overrides already applied)
  std::string bind_address = "127.0.0.1";
  uint16_t port = 0;               // 0: a free port
  int64_t startup_delay_ns = 0;    // completions wait this long after start; /health answers at once
  std::vector<FaultSpec> faults;
  uint64_t seed = 0;               // fault draws
  std::string trace_file;          // ground-truth JSONL; empty: none
  std::string version = "0.0.0";  // reported by GET /version
};

class SimServer {
 public:
  SimServer(net::EventLoop& loop, SimOptions options);
  ~SimServer();
  SimServer(const SimServer&) = delete;
  SimServer& operator=(const SimServer&) = delete;

  // Opens the trace file and starts listening. Errors name the file or address.
  Status Start();
  uint16_t port() const;
  // Stops serving: closes connections, flushes the trace. Idempotent.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Runs a simulator until SIGINT/SIGTERM: prints `listening http://ADDR:PORT` as the first stdout
// line once bound. Returns the process exit code.
int RunSimulator(SimOptions options);

}  // namespace inferbench::sim
