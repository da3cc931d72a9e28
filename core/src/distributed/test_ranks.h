// For tests: a job of N ranks as N threads of one process, each with its own Gloo group
// over loopback.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <stdexcept>
#include <vector>

#include "distributed/communicator.h"

namespace evoaug::testing {

/// A port nobody listens on now (the kernel's pick for a socket bound to port 0).
inline int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0)
    throw std::runtime_error("free_port: cannot bind a socket");
  ::close(fd);
  return ntohs(address.sin_port);
}

/// Rank `rank` of `size` with its rendezvous on 127.0.0.1:`port`.
inline WorldLayout loopback_layout(int rank, int size, int port) {
  WorldLayout world;
  world.rank = rank;
  world.size = size;
  world.master_addr = "127.0.0.1";
  world.master_port = port;
  world.source = "test";
  return world;
}

/// Runs `body(rank, communicator)` on `size` threads, one rank each; rethrows the first
/// failure.
template <class Body>
void on_ranks(int size, Body body) {
  const int port = free_port();
  std::vector<std::future<void>> ranks;
  for (int r = 0; r < size; ++r)
    ranks.push_back(std::async(std::launch::async, [&, r] {
      auto communicator =
          Communicator::connect(loopback_layout(r, size, port), "gloo", c10::kCPU, std::chrono::milliseconds(20000));
      body(r, *communicator);
    }));
  for (auto& rank : ranks) rank.get();
}

}  // namespace evoaug::testing
