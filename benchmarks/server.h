#ifndef NET_BENCH_BENCHMARKS_SERVER_H_
#define NET_BENCH_BENCHMARKS_SERVER_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <list>
#include <mutex>
#include <string>
#include <thread>

#include "lib/placement.h"
#include "lib/unique_fd.h"

namespace netbench {

struct ServerOptions {
  // Bound on reading a client's Hello and on writing its Report.
  std::chrono::milliseconds control_timeout{5000};
  // Connections served at once; more are refused (bounded memory).
  int max_connections = 512;
  // Log refused or failed connections on stderr (net_bench serve).
  bool log = false;
  // Where the thread serving connection i (the Hello's index) runs.
  Placement placement;
  // Whether a client's request to spin (kHelloSpin) is honoured; otherwise
  // every wait blocks.
  bool allow_spin = true;
};

// The server side of every benchmark: accepts connections on a listening
// socket and serves each in a thread of its own (one thread per client),
// following the exchange of benchmarks/protocol.h. Used in-process (in the
// server namespace) and by `net_bench serve`.
class Server {
 public:
  // Takes a bound, listening socket.
  Server(UniqueFd listener, const ServerOptions& options);
  // Stops accepting, cuts every live connection (their threads end with an
  // error) and joins every thread.
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  uint16_t port() const { return port_; }
  // Shuts down every live connection (their threads end with an error);
  // new connections are still accepted.
  void CutAll();
  // Connections whose Hello was refused or that failed mid-run.
  uint64_t failed_connections() const { return failed_.load(); }
  uint64_t served_connections() const { return served_.load(); }

 private:
  struct Connection {
    UniqueFd fd;
    std::thread thread;
    std::atomic<bool> done{false};
  };
  void AcceptLoop();
  void Serve(Connection* c);
  void ReapFinished();

  ServerOptions options_;
  UniqueFd listener_;
  UniqueFd wake_;  // eventfd: tells the accept loop to stop
  uint16_t port_ = 0;
  std::mutex mu_;
  std::list<Connection> connections_;  // guarded by mu_
  std::atomic<uint64_t> failed_{0};
  std::atomic<uint64_t> served_{0};
  std::thread acceptor_;
};

// A TCP socket bound to `address`:`port` (port 0: any) and listening, in the
// calling thread's network namespace. `address` is a host name or an IPv4
// address (ResolveIpv4).
UniqueFd ListenTcp(const std::string& address, uint16_t port);

}  // namespace netbench

#endif  // NET_BENCH_BENCHMARKS_SERVER_H_
