#ifndef NET_BENCH_HARNESS_UDP_SOCKET_H_
#define NET_BENCH_HARNESS_UDP_SOCKET_H_

// The UDP socket pair of a UDP pattern's connection, beside its TCP control
// connection: each side binds a UDP socket to its own TCP address (port 0),
// tells the other its port in the handshake (harness/protocol.h), and
// connects it to the other's, so that each socket takes datagrams from its
// peer's alone (udp(7): a connected socket drops the others).

#include <netinet/in.h>

#include <cstdint>

#include "base/unique_fd.h"

namespace netbench {

// A UDP socket made in the network namespace `ns_fd` (-1: the calling
// thread's), bound to the local address of the connected TCP socket
// `tcp_fd`, port 0. Throws SysError.
UniqueFd OpenUdpBeside(int tcp_fd, int ns_fd);

// The port `fd` is bound to.
uint16_t LocalPort(int fd);

// The path MTU towards `to` as the kernel knows it (IP_MTU of a UDP socket
// connected to it, ip(7)), from the namespace `ns_fd`. Throws SysError.
int PathMtu(int ns_fd, const sockaddr_in& to);

// Connects the UDP socket `udp_fd` to the TCP peer's address of `tcp_fd`,
// port `port`. Throws SysError.
void ConnectUdpToPeer(int udp_fd, int tcp_fd, uint16_t port);

}  // namespace netbench

#endif  // NET_BENCH_HARNESS_UDP_SOCKET_H_
