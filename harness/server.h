#ifndef NET_BENCH_HARNESS_SERVER_H_
#define NET_BENCH_HARNESS_SERVER_H_

#include <netinet/in.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <limits>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

#include "base/unique_fd.h"
#include "harness/auth.h"
#include "harness/refusal_log.h"
#include "harness/server_limits.h"
#include "harness/startup_budget.h"
#include "lib/placement.h"

namespace netbench {

struct ServerOptions {
  // Bound on the unauthenticated part of the handshake, from accept to the
  // client's Hello (one deadline, not one per call): a stranger holds a
  // connection this long at most.
  std::chrono::milliseconds handshake_timeout{5000};
  // Connections in that part at once: a budget of their own
  // (harness/startup_budget.h), apart from the authenticated ones. The
  // default, for the in-process server, has no random drop.
  StartupLimits startups{512, 100, 512};
  // Bound on the rest of the handshake once the client proved the key (the
  // Ack, after the buffers are made) and on writing the Report.
  std::chrono::milliseconds control_timeout{5000};
  // The longest wait a client may ask for in its Hello: the server's policy
  // wins over the client's request.
  std::chrono::milliseconds max_timeout{3600 * 1000};
  // Authenticated connections served at once; more are refused with a
  // reason (in the Ack).
  int max_connections = 512;
  // Authenticated connections at once from one peer address; 0: no cap.
  int max_per_address = 0;
  // Memory all connections' buffers may take (ConnectionCostBytes each).
  size_t max_memory = std::numeric_limits<size_t>::max();
  // The shared key clients must prove; null: no authentication.
  std::shared_ptr<const AuthKey> key;
  // Log refused or failed connections on stderr, rate-limited (serve).
  bool log = false;
  // Where the thread serving connection i (the Hello's index) runs.
  Placement placement;
  // Whether a client's request to spin (kHelloSpin) is honoured; otherwise
  // every wait blocks.
  bool allow_spin = true;
  // UDP patterns: the network namespace the server's UDP sockets are made
  // in (-1: the serving thread's), the listener's.
  int ns_fd = -1;
  // The fastest a connection's server side sends datagrams (UdpRR's
  // answers), in bits/s, whatever the client asks; 0: no cap.
  uint64_t max_rate = 0;
};

// The server side of every benchmark: accepts connections on a listening
// socket and serves each in a thread of its own (one thread per client),
// following the exchange of harness/protocol.h. Used in-process (in the
// server namespace) and by `net_bench serve`.
//
// Its limits come first. A connection starts in the handshake budget
// (ServerOptions::startups), bounded by a short deadline; only once its
// client proved the key does it count against the authenticated limits
// (connections at once, in all and per address), so that no one without
// the key can take the capacity key holders need. Then a memory budget
// checked before a connection allocates anything, and the client's
// timeouts capped by the server's. Every refusal reaches the client as a
// reason (in the Challenge when refused at accept, else in the Ack). A
// connection whose peer stopped reading is reset when it ends, so that the
// kernel frees at once what the peer left unread.
class Server {
 public:
  // Takes a bound, listening socket.
  Server(UniqueFd listener, const ServerOptions& options);
  // Stop() without a deadline.
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  uint16_t port() const { return port_; }
  // Shuts down every live connection (their threads end with an error);
  // new connections are still accepted.
  void CutAll();
  // Stops accepting, cuts every live connection and waits until `deadline`
  // for every connection's thread to end. Returns whether all did; if not,
  // the server must not be destroyed (a thread still runs): the caller
  // exits the process instead.
  bool Stop(std::chrono::steady_clock::time_point deadline);

  // Connections refused (at accept or in the handshake) or failed mid-run.
  uint64_t failed_connections() const { return failed_.load(); }
  uint64_t served_connections() const { return served_.load(); }
  size_t memory_in_use() const { return budget_.in_use(); }
  const RefusalLog& log() const { return log_; }

 private:
  struct Connection {
    UniqueFd fd;
    sockaddr_in peer{};
    uint64_t id = 0;  // its place in startups_
    std::thread thread;
    // Guarded by mu_:
    bool in_handshake = true;  // counted in startups_
    bool dropped = false;      // startups_ dropped it for another's place
    bool session = false;      // authenticated: counted in sessions_
    bool done = false;
  };
  void AcceptLoop();
  // Admits or refuses one accepted connection (accept-time limits).
  void Admit(UniqueFd fd, const sockaddr_in& peer);
  // accept(2) failed with EMFILE/ENFILE: refuse one pending connection
  // with the spare descriptor, or back off.
  void OnDescriptorLimit(int err);
  // Sleeps `ms` unless Stop() wakes the loop.
  void Backoff(int ms);
  void Serve(Connection* c);
  // Drops handshake `id` for another's place: shuts its reading down, so
  // that its thread ends and tells the client why. REQUIRES: mu_ held.
  void Drop(uint64_t id);
  // The client of `c` proved the key: `c` leaves the handshake budget and
  // takes an authenticated place. Returns "" or why not (in *kind).
  std::string Authenticated(Connection* c, Refusal* kind);
  // Whether the handshake budget dropped `c`.
  bool Dropped(Connection* c);
  void ReapFinished();
  void NoteRefusal(Refusal kind, const sockaddr_in& peer,
                   const std::string& why);

  ServerOptions options_;
  UniqueFd listener_;
  UniqueFd wake_;  // eventfd: tells the accept loop to stop
  // A descriptor kept in reserve: closed to accept (and refuse, with a
  // reason) one connection when the process is out of descriptors.
  UniqueFd spare_;
  uint16_t port_ = 0;
  MemoryBudget budget_;
  RefusalLog log_;
  std::mutex mu_;
  std::condition_variable finished_;   // a connection's thread is done
  std::list<Connection> connections_;  // guarded by mu_
  StartupBudget startups_;             // guarded by mu_
  uint64_t next_id_ = 0;               // guarded by mu_
  int sessions_ = 0;                   // guarded by mu_
  // Authenticated connections per address, guarded by mu_.
  std::unordered_map<uint32_t, int> per_address_;
  bool stopped_ = false;  // guarded by mu_
  std::atomic<uint64_t> failed_{0};
  std::atomic<uint64_t> served_{0};
  std::thread acceptor_;
};

// A TCP socket bound to `address`:`port` (port 0: any) and listening, in the
// calling thread's network namespace. `address` is a host name or an IPv4
// address (ResolveIpv4).
UniqueFd ListenTcp(const std::string& address, uint16_t port);

}  // namespace netbench

#endif  // NET_BENCH_HARNESS_SERVER_H_
