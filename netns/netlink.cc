#include "netns/netlink.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <netlink/errno.h>
#include <netlink/route/link/veth.h>
#include <sys/socket.h>

#include "netns/namespace.h"

namespace netbench::netns {

NetlinkError::NetlinkError(const std::string& step, int nl_err)
    : std::runtime_error(step + ": " + nl_geterror(nl_err)) {}

void CheckNl(int nl_err, const std::string& step) {
  if (nl_err < 0) throw NetlinkError(step, nl_err);
}

NlSockPtr ConnectRoute(int ns_fd) {
  NlSockPtr sock(nl_socket_alloc());
  if (!sock) throw NetlinkError("allocate netlink socket", -NLE_NOMEM);
  ScopedNetns in(ns_fd);
  CheckNl(nl_connect(sock.get(), NETLINK_ROUTE), "connect netlink socket");
  return sock;
}

LinkPtr GetLink(nl_sock* sock, const std::string& name) {
  rtnl_link* link = nullptr;
  CheckNl(rtnl_link_get_kernel(sock, 0, name.c_str(), &link),
          "look up interface " + name);
  return LinkPtr(link);
}

void AddVethPair(nl_sock* sock, const std::string& name,
                 const std::string& peer_name, int peer_ns_fd, int mtu) {
  LinkPtr link(rtnl_link_veth_alloc());
  if (!link) throw NetlinkError("allocate veth", -NLE_NOMEM);
  LinkPtr peer(rtnl_link_veth_get_peer(link.get()));
  rtnl_link_set_name(link.get(), name.c_str());
  rtnl_link_set_mtu(link.get(), static_cast<unsigned>(mtu));
  rtnl_link_set_name(peer.get(), peer_name.c_str());
  rtnl_link_set_mtu(peer.get(), static_cast<unsigned>(mtu));
  rtnl_link_set_ns_fd(peer.get(), peer_ns_fd);
  CheckNl(rtnl_link_add(sock, link.get(), NLM_F_CREATE | NLM_F_EXCL),
          "add veth pair " + name + "/" + peer_name);
}

void SetLinkUp(nl_sock* sock, const std::string& name) {
  LinkPtr current = GetLink(sock, name);
  LinkPtr change(rtnl_link_alloc());
  if (!change) throw NetlinkError("allocate link", -NLE_NOMEM);
  rtnl_link_set_flags(change.get(), IFF_UP);
  CheckNl(rtnl_link_change(sock, current.get(), change.get(), 0),
          "set " + name + " up");
}

void AddIpv4Address(nl_sock* sock, const std::string& name, uint32_t address,
                    int prefix) {
  LinkPtr link = GetLink(sock, name);
  AddrPtr addr(rtnl_addr_alloc());
  if (!addr) throw NetlinkError("allocate address", -NLE_NOMEM);
  uint32_t be = htonl(address);
  NlAddrPtr local(nl_addr_build(AF_INET, &be, sizeof(be)));
  if (!local) throw NetlinkError("build address", -NLE_NOMEM);
  nl_addr_set_prefixlen(local.get(), prefix);
  rtnl_addr_set_ifindex(addr.get(), rtnl_link_get_ifindex(link.get()));
  CheckNl(rtnl_addr_set_local(addr.get(), local.get()), "set address");
  CheckNl(rtnl_addr_add(sock, addr.get(), 0), "add address to " + name);
}

}  // namespace netbench::netns
