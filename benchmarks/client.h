#ifndef NET_BENCH_BENCHMARKS_CLIENT_H_
#define NET_BENCH_BENCHMARKS_CLIENT_H_

#include <netinet/in.h>

#include <chrono>
#include <string>

#include "benchmarks/protocol.h"
#include "lib/unique_fd.h"

namespace netbench {

// Where the server is, and in which namespace client sockets are made.
struct ClientTarget {
  int ns_fd = -1;  // -1: the calling thread's namespace
  sockaddr_in server{};
  // The server runs in this process (veth, loopback): its steady clock is
  // ours, so the times in its Report can be used as they are.
  bool server_in_process = false;
  std::string ServerAddress() const;  // "198.18.0.1"
  std::string Describe() const;       // "198.18.0.1:5301"
};

// A TCP socket made in the network namespace `ns_fd` (-1: the calling
// thread's); it stays bound to that namespace.
UniqueFd TcpSocketIn(int ns_fd);

// The client side of one benchmark connection.
class ClientConnection {
 public:
  // Connects (bounded by the Hello's timeout), sends `hello` and waits for
  // the server's Ack. Throws SysError naming the cause: not listening,
  // timed out, refused (with the server's reason), or the run was
  // interrupted by a signal.
  static ClientConnection Open(const ClientTarget& target, const Hello& hello);

  ClientConnection(ClientConnection&&) = default;
  ClientConnection& operator=(ClientConnection&&) = delete;
  ~ClientConnection();

  int fd() const { return fd_.get(); }

  // Ends the data phase (shutdown(SHUT_WR)) and reads the server's Report,
  // bounded by `timeout`.
  Report Finish(std::chrono::milliseconds timeout);

 private:
  explicit ClientConnection(UniqueFd fd);
  UniqueFd fd_;
};

// Shuts down every open client connection of the process (SIGINT): their
// blocked sends and receives return at once with an error.
void CutAllClientConnections();

}  // namespace netbench

#endif  // NET_BENCH_BENCHMARKS_CLIENT_H_
