#ifndef NET_BENCH_NETNS_TOPOLOGY_H_
#define NET_BENCH_NETNS_TOPOLOGY_H_

#include <netinet/in.h>

#include <cstdint>
#include <string>
#include <vector>

#include "base/unique_fd.h"
#include "netns/subnet.h"

namespace netbench::netns {

enum class Side { kServer, kClient };

struct TopologyOptions {
  std::string subnet = "198.18.0.0/24";
  int mtu = 1500;  // 68..65535
  // net.core.optmem_max set inside both namespaces; MSG_ZEROCOPY bookkeeping
  // is charged against it. 0 leaves the kernel's default.
  long optmem_max = 131072;
  // GRO on both veth ends (netns/ethtool.h): the veth then runs NAPI, and
  // datagrams sent one by one can be coalesced for a UDP_GRO socket. Off by
  // default, as a new veth is: it changes what TCP's receive path does too.
  bool gro = false;
  // Debug only: also bind-mount both namespaces under /var/run/netns (as
  // net_bench-<pid>-server and -client) so that `ip netns exec` can look
  // inside. Not crash-safe: a SIGKILLed process leaves these behind (see
  // RemoveStaleBindMounts).
  bool bind_mount = false;
};

// Validates options without touching the system; throws
// std::invalid_argument with a one-line reason.
void ValidateTopologyOptions(const TopologyOptions& options);

// Two network namespaces, server and client, joined by a veth pair
// (veth_server 198.18.0.1/24 <-> veth_client 198.18.0.2/24 by default), built
// in-process over netlink. The veth is created inside the fresh server
// namespace with its peer created directly in the client namespace, so the
// host's namespace is never touched and two topologies never collide.
//
// Both namespaces are held only as file descriptors: destroying the object,
// or the process dying in any way (SIGKILL included), lets the kernel free
// the namespaces and the veth pair with them.
//
// REQUIRES: EnsureNamespacePrivilege() succeeded.
class Topology {
 public:
  static constexpr const char* kServerInterface = "veth_server";
  static constexpr const char* kClientInterface = "veth_client";

  explicit Topology(const TopologyOptions& options = {});
  ~Topology();
  Topology(const Topology&) = delete;
  Topology& operator=(const Topology&) = delete;

  int ns_fd(Side side) const {
    return side == Side::kServer ? server_ns_.get() : client_ns_.get();
  }

  // socket(2) inside the namespace of `side`. The socket stays bound to that
  // namespace whatever thread later uses it.
  UniqueFd Socket(Side side, int domain, int type, int protocol = 0) const;

  // The address of `side` on the veth pair, with `port`.
  sockaddr_in Address(Side side, uint16_t port) const;
  std::string AddressString(Side side) const;

  const Ipv4Subnet& subnet() const { return subnet_; }
  int mtu() const { return mtu_; }
  // Whether GRO was turned on on both veth ends (TopologyOptions::gro).
  bool gro() const { return gro_; }
  // net.core.optmem_max as read back from the server namespace.
  long optmem_max() const { return optmem_max_; }
  // False on kernels before 6.8, where optmem_max is global and is left as
  // the host has it instead of being set.
  bool optmem_per_namespace() const { return optmem_per_namespace_; }

 private:
  void BindMount(Side side);
  void RemoveBindMounts();

  Ipv4Subnet subnet_;
  int mtu_;
  bool gro_ = false;
  long optmem_max_ = 0;
  bool optmem_per_namespace_ = false;
  UniqueFd server_ns_;
  UniqueFd client_ns_;
  std::string mount_paths_[2];  // server, client; empty when not mounted
};

// Unmounts and removes the bind mounts of TopologyOptions::bind_mount whose
// process is gone (a process that was killed could not), and returns their
// paths. Mounts of a live process, whatever it is, are left alone.
std::vector<std::string> RemoveStaleBindMounts();

// Reads net.core.optmem_max as seen from the namespace `ns_fd`.
long ReadOptmemMax(int ns_fd);

// The most a TCP socket's send buffer grows to with autotuning, tcp_wmem[2]
// (Documentation/networking/ip-sysctl.rst), as seen from the namespace
// `ns_fd` (-1: the calling thread's).
long ReadTcpWmemMax(int ns_fd);

}  // namespace netbench::netns

#endif  // NET_BENCH_NETNS_TOPOLOGY_H_
