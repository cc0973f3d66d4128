// SignalWatcher: delivers SIGINT/SIGTERM to a callback on an EventLoop's thread (not in a signal
// handler), so Ctrl-C can stop a run cleanly: stop issuing, cancel in-flight requests, write
// every file, exit 130. Loop thread only; destroy before the loop.
#pragma once

#include <functional>
#include <memory>

#include "net/event_loop.h"

namespace inferbench::net {

class SignalWatcher {
 public:
  // Watches SIGINT and SIGTERM from now until destruction; `on_signal(signo)` runs on the loop
  // once per delivered signal.
  SignalWatcher(EventLoop& loop, std::function<void(int signo)> on_signal);
  ~SignalWatcher();
  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace inferbench::net
