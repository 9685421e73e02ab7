#ifndef NET_BENCH_HARNESS_CLIENT_H_
#define NET_BENCH_HARNESS_CLIENT_H_

#include <netinet/in.h>

#include <chrono>
#include <memory>
#include <string>

#include "base/unique_fd.h"
#include "harness/auth.h"
#include "harness/protocol.h"

namespace netbench {

// Where the server is, and in which namespace client sockets are made.
struct ClientTarget {
  int ns_fd = -1;  // -1: the calling thread's namespace
  sockaddr_in server{};
  // The server runs in this process (veth, loopback): its steady clock is
  // ours, so the times in its Report can be used as they are.
  bool server_in_process = false;
  // The key to prove, and to check the server's proof against; null: none
  // (then only a server without a key accepts).
  std::shared_ptr<const AuthKey> key;
  std::string ServerAddress() const;  // "198.18.0.1"
  std::string Describe() const;       // "198.18.0.1:5301"
};

// A TCP socket made in the network namespace `ns_fd` (-1: the calling
// thread's); it stays bound to that namespace.
UniqueFd TcpSocketIn(int ns_fd);

// The client side of one benchmark connection.
class ClientConnection {
 public:
  // Connects and runs the handshake of harness/protocol.h, each bounded
  // by the Hello's timeout: reads the server's Challenge, sends `hello` with
  // a fresh nonce and the proof of target.key, reads the Ack and checks the
  // server's proof. Throws SysError naming the cause: not listening, timed
  // out, "server refused: <the server's reason, made printable>",
  // "authentication failed ...".
  static ClientConnection Open(const ClientTarget& target, const Hello& hello);

  ClientConnection(ClientConnection&&) = default;
  ClientConnection& operator=(ClientConnection&&) = delete;
  ~ClientConnection();

  int fd() const { return fd_.get(); }
  // A UDP pattern's data socket, connected to the server's; -1 for TCP.
  int udp_fd() const { return udp_ ? udp_.get() : -1; }

  // Sends the flow's schedule (harness/protocol.h), bounded by `timeout`.
  void SendGo(const Go& go, std::chrono::milliseconds timeout);

  // Ends the data phase (shutdown(SHUT_WR)) and reads the server's Report,
  // bounded by `timeout`. Its error is the server's text, NUL-terminated but
  // not made printable (base/printable.h).
  Report Finish(std::chrono::milliseconds timeout);

 private:
  ClientConnection(UniqueFd fd, UniqueFd udp);
  UniqueFd fd_;
  UniqueFd udp_;
};

// Shuts down every open client connection of the process (SIGINT): their
// blocked sends and receives return at once with an error.
void CutAllClientConnections();

}  // namespace netbench

#endif  // NET_BENCH_HARNESS_CLIENT_H_
