#ifndef NET_BENCH_TEST_NET_TEST_UTIL_H_
#define NET_BENCH_TEST_NET_TEST_UTIL_H_

#include <sys/types.h>

#include <set>
#include <string>
#include <utility>

#include "base/unique_fd.h"
#include "netns/topology.h"

namespace netbench::testing {

// A connected TCP pair across a topology: `client` in the client namespace,
// `server` the accepted socket in the server namespace.
struct TcpPair {
  UniqueFd client;
  UniqueFd server;
};

// Listens on the server address, connects from the client namespace and
// accepts. `server_rcvbuf` > 0: the listener's SO_RCVBUF, which the
// accepted socket inherits and the window it offers in the handshake
// follows. Throws on failure.
TcpPair ConnectAcross(const netns::Topology& topology, uint16_t port = 5201,
                      int server_rcvbuf = 0);

// Sends `text` one way and a reply the other way over `pair`; returns an empty
// string on success, the first failure otherwise.
std::string PingPong(const TcpPair& pair);

// Ignores SIGPIPE in the whole test process, as net_bench's main does, and
// returns true (for a namespace-scope initializer). splice(2) has no
// MSG_NOSIGNAL: a test binary whose senders splice into a connection the
// peer may close (SpliceZeroCopy) calls this, or the first EPIPE kills it.
bool IgnoreSigpipe();

// The inode of a namespace fd ("net:[<inode>]").
ino_t NamespaceInode(int ns_fd);

// What a test may say about namespaces without being fooled by the rest of
// the machine (other tests, another ctest run): only what a given process
// holds. Inode numbers identify namespaces only while they are alive; the
// kernel hands a freed one to the next namespace made (lowest free first),
// so a dead namespace cannot be looked for by its inode.

// The network namespaces process `pid` holds, other than the one this thread
// is in: those its threads are in (/proc/PID/task/*/ns/net) and those it
// holds open as fds. Empty once it is gone.
std::set<ino_t> NetNamespacesOf(pid_t pid);

// The network namespace `inode` of NetNamespacesOf(pid), opened through
// `pid`'s own link to it (so never another namespace that took the inode
// over); an invalid fd when `pid` no longer holds it.
UniqueFd OpenNetNamespaceOf(pid_t pid, ino_t inode);

// Whether an interface named `name` exists inside the network namespace
// `ns_fd`, looked up from a socket made in it.
bool InterfaceExistsIn(int ns_fd, const std::string& name);

// "" when the veth pair joins the network namespaces `server_ns` and
// `client_ns` (fds): veth_server inside the first and not the second,
// veth_client the other way round; else what is wrong.
std::string VethBetween(int server_ns, int client_ns);

// The same for the namespaces process `pid` holds (NetNamespacesOf): one
// of them holds veth_server, another veth_client.
std::string VethOf(pid_t pid);

// The processes other than `owner` and this one that hold the network
// namespace `inode` (a thread in it, or an fd on it).
// REQUIRES: `owner` holds it, so that it is alive and the inode is its.
std::set<pid_t> OtherHoldersOf(ino_t inode, pid_t owner);

// The --netns_bind_mount files and mounts (/var/run/netns/net_bench-PID-*)
// of process `pid`, as process `seen_by` (0: this one) sees them.
int BindMountsOf(pid_t pid, pid_t seen_by = 0);

// A mount namespace in which /var/run/netns is an empty tmpfs of its own,
// held by a child process until destroyed. The --netns_bind_mount runs of a
// test go in it (SpawnIn's `mount_ns_fd`, or `enter`), so that nothing else
// sees or removes their mounts: any --netns_bind_mount run removes the
// mounts of a dead net_bench (RemoveStaleBindMounts), another ctest run's
// included. Neither copied nor moved.
class PrivateNetnsDir {
 public:
  // `enter`: the calling thread also moves into it until destroyed, its
  // filesystem attributes unshared from the process's other threads first
  // (setns(2) requires it). Throws SysError.
  explicit PrivateNetnsDir(bool enter = false);
  ~PrivateNetnsDir();

  int fd() const { return mount_ns_.get(); }
  // A process inside it, for BindMountsOf(pid, holder()).
  pid_t holder() const { return holder_; }

 private:
  void StopHolder();

  pid_t holder_ = -1;
  UniqueFd mount_ns_;
  UniqueFd left_;  // the mount namespace the thread left, when it entered
};

}  // namespace netbench::testing

#endif  // NET_BENCH_TEST_NET_TEST_UTIL_H_

#include <chrono>

#include "lib/mode.h"
#include "lib/receiver.h"
#include "lib/sender.h"

namespace netbench::testing {

struct TransferResult {
  std::string error;  // empty on success
  SideRecord sender;
  SideRecord receiver;
  uint64_t verified = 0;  // messages whose every byte was checked
  // With a HoldBack: the bytes the sender's socket had not yet transmitted
  // (SIOCOUTQNSD) just before the sender was asked for its first recycled
  // message, and the size of the working set it went round.
  uint64_t unsent_at_reuse = 0;
  size_t working_set_messages = 0;
};

// A receiver that holds the data back, so that a recycled buffer comes
// round while the kernel still reads it. Over veth the kernel copies a
// zero-copy send's pages when it transmits them (skb_orphan_frags_rx, in
// the sender's own softirq), so a sender whose peer keeps up never reuses a
// buffer the kernel still reads, early or not. With a small receive buffer
// and a receiver that does not read for a while, what the working set sent
// waits in the sender's socket untransmitted, its skbs still reading the
// sender's pages: a buffer written too early changes bytes the receiver
// later sees.
struct HoldBack {
  int rcvbuf = 4096;  // the receiver's SO_RCVBUF, set before it connects
  std::chrono::milliseconds hold{300};  // the receiver reads nothing so long
  // The sender's SO_SNDBUFFORCE, room for it all (rootless: SO_SNDBUF,
  // capped by net.core.wmem_max).
  int sndbuf = 32 << 20;
  size_t working_set_messages = 4;  // what SenderOptions::working_set holds
};

// Sends `count` stamped messages of `size` bytes with `mode` over a fresh
// connection across `topology` and verifies every byte on the receiving side
// (in its own thread), then drains the sender. `after_prepare`, when given,
// runs on each message right after Prepare() and before it is stamped (to
// scribble over recycled buffers). `hold_back`, when given, holds the data
// back as it says.
TransferResult TransferVerified(const netns::Topology& topology, Mode mode,
                                size_t size, int count,
                                RxMode rx = RxMode::kCopy,
                                void (*after_prepare)(Message&) = nullptr,
                                uint16_t port = 5300,
                                const HoldBack* hold_back = nullptr);

}  // namespace netbench::testing

#include <functional>

namespace netbench::testing {

struct ChildOutcome {
  bool no_user_namespaces = false;  // the kernel refused: skip with `message`
  bool ok = false;
  std::string message;  // the failure, or why user namespaces are refused
};

// Forks a child that drops to an unprivileged user of its own (no other
// process runs as it), enters a user namespace
// (netns::AcquireNamespacePrivilege) and runs `body`, which returns "" on
// success or what failed. Waits for it and reports.
ChildOutcome RunRootless(const std::function<std::string()>& body);

}  // namespace netbench::testing

#include <vector>

namespace netbench::testing {

// Starts `argv` in a child process whose network namespace is `ns_fd` (-1:
// this one) and mount namespace `mount_ns_fd` (-1: this one), with stdout
// and stderr going to `output_path`. `traced`: the child asks this thread to
// trace it (PTRACE_TRACEME), so that it stops at exec.
pid_t SpawnIn(int ns_fd, const std::vector<std::string>& argv,
              const std::string& output_path, int mount_ns_fd = -1,
              bool traced = false);

// Waits for `pid` at most `timeout`. Returns its wait status, or -1 when it
// was still running (it is then SIGKILLed and reaped).
int WaitOrKill(pid_t pid, std::chrono::milliseconds timeout);

std::string ReadFile(const std::string& path);

// Counts the occurrences of `needle` in `text`.
int CountOf(const std::string& text, const std::string& needle);

// Connects to `address`:`port` from the namespace `ns_fd` until it succeeds
// or `timeout` passes; returns whether it did.
bool WaitForListener(int ns_fd, const std::string& address, uint16_t port,
                     std::chrono::milliseconds timeout);

// A fresh, empty directory under /tmp, removed with its contents when the
// object goes.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace netbench::testing

#include <gtest/gtest.h>

namespace netbench::testing {

// A test suite whose tests share one veth topology, built before the first
// test of the suite and destroyed after the last. `Base` is ::testing::Test
// or a ::testing::TestWithParam<T>.
template <typename Base>
class SharedTopology : public Base {
 protected:
  static void SetUpTestSuite() { topology_ = new netns::Topology(); }
  static void TearDownTestSuite() {
    delete topology_;
    topology_ = nullptr;
  }
  static inline netns::Topology* topology_ = nullptr;
};

}  // namespace netbench::testing
