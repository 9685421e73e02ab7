#include "harness/udp_socket.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include "base/sys_error.h"
#include "netns/namespace.h"

namespace netbench {
namespace {

sockaddr_in Address(int fd, bool peer) {
  sockaddr_in a{};
  socklen_t len = sizeof(a);
  const int r = peer ? ::getpeername(fd, reinterpret_cast<sockaddr*>(&a), &len)
                     : ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  if (r != 0) ThrowErrno(peer ? "getpeername" : "getsockname");
  return a;
}

}  // namespace

UniqueFd OpenUdpBeside(int tcp_fd, int ns_fd) {
  UniqueFd fd = netns::SocketIn(ns_fd, AF_INET, SOCK_DGRAM);
  sockaddr_in a = Address(tcp_fd, false);
  a.sin_port = 0;
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0)
    ThrowErrno("bind(UDP)");
  return fd;
}

uint16_t LocalPort(int fd) { return ntohs(Address(fd, false).sin_port); }

int PathMtu(int ns_fd, const sockaddr_in& to) {
  UniqueFd fd = netns::SocketIn(ns_fd, AF_INET, SOCK_DGRAM);
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&to), sizeof(to)) !=
      0)
    ThrowErrno("connect(UDP) for the path MTU");
  int mtu = 0;
  socklen_t len = sizeof(mtu);
  if (::getsockopt(fd.get(), IPPROTO_IP, IP_MTU, &mtu, &len) != 0)
    ThrowErrno("getsockopt(IP_MTU)");
  return mtu;
}

void ConnectUdpToPeer(int udp_fd, int tcp_fd, uint16_t port) {
  sockaddr_in a = Address(tcp_fd, true);
  a.sin_port = htons(port);
  if (::connect(udp_fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0)
    ThrowErrno("connect(UDP)");
}

}  // namespace netbench
