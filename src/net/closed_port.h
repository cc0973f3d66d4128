// ClosedPort(): a loopback TCP port nobody listens on (bound to port 0, read, then released), for
// tests that need a connection to be refused at once. Header-only and dependency-free (no Asio),
// so tests of modules above net/ can use it too.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>

namespace inferbench::net {

// 0 when no socket could be made (the caller's connection then fails anyway).
inline uint16_t ClosedPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  ::inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
  uint16_t port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
    socklen_t length = sizeof address;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) port = ntohs(address.sin_port);
  }
  ::close(fd);
  return port;
}

}  // namespace inferbench::net
