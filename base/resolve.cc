#include "base/resolve.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <cstring>

#include "base/sys_error.h"

namespace netbench {

sockaddr_in ResolveIpv4(const std::string& host, uint16_t port) {
  addrinfo hints{};
  hints.ai_family = AF_INET;  // the topology and the server are IPv4 only
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (const int err = ::getaddrinfo(host.c_str(), nullptr, &hints, &res);
      err != 0) {
    throw SysError(
        "cannot resolve '" + host + "': " +
        (err == EAI_SYSTEM ? std::strerror(errno) : ::gai_strerror(err)));
  }
  sockaddr_in a{};
  std::memcpy(&a, res->ai_addr, sizeof(a));
  ::freeaddrinfo(res);
  a.sin_port = htons(port);
  return a;
}

}  // namespace netbench
