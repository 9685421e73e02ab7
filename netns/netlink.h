#ifndef NET_BENCH_NETNS_NETLINK_H_
#define NET_BENCH_NETNS_NETLINK_H_

// Thin RAII layer over libnl-3's route family. libnl objects are reference
// counted (*_alloc and rtnl_link_veth_get_peer return +1, *_put drops one):
// every object lives in a unique_ptr so that no error path leaks a reference.

#include <netlink/addr.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/socket.h>

#include <memory>
#include <stdexcept>
#include <string>

namespace netbench::netns {

// A failed netlink step; the message names the step and carries
// nl_geterror's text, e.g. "add veth pair: Object exists".
class NetlinkError : public std::runtime_error {
 public:
  NetlinkError(const std::string& step, int nl_err);
};

// Throws NetlinkError when `nl_err` (a libnl return value) is negative.
void CheckNl(int nl_err, const std::string& step);

struct NlSockDeleter {
  void operator()(nl_sock* s) const { nl_socket_free(s); }
};
struct LinkDeleter {
  void operator()(rtnl_link* l) const { rtnl_link_put(l); }
};
struct AddrDeleter {
  void operator()(rtnl_addr* a) const { rtnl_addr_put(a); }
};
struct NlAddrDeleter {
  void operator()(nl_addr* a) const { nl_addr_put(a); }
};
using NlSockPtr = std::unique_ptr<nl_sock, NlSockDeleter>;
using LinkPtr = std::unique_ptr<rtnl_link, LinkDeleter>;
using AddrPtr = std::unique_ptr<rtnl_addr, AddrDeleter>;
using NlAddrPtr = std::unique_ptr<nl_addr, NlAddrDeleter>;

// A NETLINK_ROUTE socket connected in the network namespace `ns_fd`. A
// netlink socket stays bound to the namespace it was created in, so every
// request made through it acts on that namespace.
NlSockPtr ConnectRoute(int ns_fd);

// Looks up the interface `name` through `sock`; throws when absent.
LinkPtr GetLink(nl_sock* sock, const std::string& name);

// Creates a veth pair in the namespace of `sock`: `name` stays there, `peer`
// is created directly in the namespace `peer_ns_fd` (IFLA_NET_NS_FD on the
// peer), both with the given MTU.
void AddVethPair(nl_sock* sock, const std::string& name,
                 const std::string& peer, int peer_ns_fd, int mtu);

// Sets IFF_UP on the interface `name`.
void SetLinkUp(nl_sock* sock, const std::string& name);

// Adds the IPv4 address `address`/`prefix` (host byte order) to `name`.
void AddIpv4Address(nl_sock* sock, const std::string& name, uint32_t address,
                    int prefix);

}  // namespace netbench::netns

#endif  // NET_BENCH_NETNS_NETLINK_H_
