#ifndef NET_BENCH_TEST_NET_TEST_UTIL_H_
#define NET_BENCH_TEST_NET_TEST_UTIL_H_

#include <sys/types.h>

#include <string>
#include <utility>

#include "lib/unique_fd.h"
#include "netns/topology.h"

namespace netbench::testing {

// A connected TCP pair across a topology: `client` in the client namespace,
// `server` the accepted socket in the server namespace.
struct TcpPair {
  UniqueFd client;
  UniqueFd server;
};

// Listens on the server address, connects from the client namespace and
// accepts. Throws on failure.
TcpPair ConnectAcross(const netns::Topology& topology, uint16_t port = 5201);

// Sends `text` one way and a reply the other way over `pair`; returns an empty
// string on success, the first failure otherwise.
std::string PingPong(const TcpPair& pair);

// The inode of a namespace fd ("net:[<inode>]").
ino_t NamespaceInode(int ns_fd);

// Whether any process still holds the network namespace `inode` (as its
// namespace, a thread's namespace, or an open fd).
bool NamespaceHeld(ino_t inode);

// Whether an interface of this name exists in the calling thread's namespace.
bool InterfaceExists(const std::string& name);

// Entries under /var/run/netns whose name starts with "net_bench".
int NetBenchNetnsMounts();

}  // namespace netbench::testing

#endif  // NET_BENCH_TEST_NET_TEST_UTIL_H_
