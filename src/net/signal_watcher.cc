#include "net/signal_watcher.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <csignal>

namespace inferbench::net {

struct SignalWatcher::Impl {
  Impl(EventLoop& loop, std::function<void(int)> on_signal)
      : signals(*static_cast<boost::asio::io_context*>(loop.native_handle()), SIGINT, SIGTERM),
        on_signal(std::move(on_signal)),
        alive(std::make_shared<bool>(true)) {}

  void Arm() {
    std::weak_ptr<bool> guard = alive;
    signals.async_wait([this, guard](const boost::system::error_code& error, int signo) {
      if (error || guard.expired()) return;
      on_signal(signo);
      if (!guard.expired()) Arm();
    });
  }

  boost::asio::signal_set signals;
  std::function<void(int)> on_signal;
  std::shared_ptr<bool> alive;
};

SignalWatcher::SignalWatcher(EventLoop& loop, std::function<void(int)> on_signal)
    : impl_(std::make_unique<Impl>(loop, std::move(on_signal))) {
  impl_->Arm();
}

SignalWatcher::~SignalWatcher() {
  impl_->alive.reset();
  boost::system::error_code ignored;
  impl_->signals.cancel(ignored);
}

}  // namespace inferbench::net
