#ifndef NET_BENCH_NETNS_ETHTOOL_H_
#define NET_BENCH_NETNS_ETHTOOL_H_

#include <string>

namespace netbench::netns {

// Lets interface `name`, inside the network namespace `ns_fd`, coalesce
// the UDP datagrams that local sockets send through it (SIOCETHTOOL, as
// `ethtool -K name gro on rx-udp-gro-forwarding on`). On a veth, GRO gives
// the receiving end a NAPI instance (drivers/net/veth.c, veth_set_features),
// and a datagram from a local socket goes through it only when the
// receiving end also has rx-udp-gro-forwarding (veth_skb_is_eligible_for_gro);
// TCP's segments (tcp_wfree, not sock_wfree) keep the backlog. Without this
// the veth hands every datagram to the backlog as it comes, and a UDP_GRO
// socket gets them one by one. Throws SysError.
void SetUdpGro(int ns_fd, const std::string& name, bool on);

// Whether both are on. Throws SysError.
bool UdpGroOn(int ns_fd, const std::string& name);

}  // namespace netbench::netns

#endif  // NET_BENCH_NETNS_ETHTOOL_H_
