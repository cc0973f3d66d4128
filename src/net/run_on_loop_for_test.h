// Tests only: run a function on an EventLoop's thread and wait for it, bounded. The loop runs on
// its own thread in these tests; a posted task that never runs aborts the test process instead
// of hanging it (the task references the caller's stack frame, so returning is not an option).
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <future>

#include "net/event_loop.h"

namespace inferbench::net {

inline void RunOnLoopAndWait(EventLoop& loop, const std::function<void()>& fn,
                             std::chrono::seconds limit = std::chrono::seconds(10)) {
  std::promise<void> done;
  std::future<void> finished = done.get_future();
  loop.Post([&] {
    fn();
    done.set_value();
  });
  if (finished.wait_for(limit) != std::future_status::ready) {
    ADD_FAILURE() << "event loop did not run a posted task within " << limit.count() << " s";
    std::abort();
  }
}

}  // namespace inferbench::net
