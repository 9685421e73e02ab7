#ifndef NET_BENCH_BASE_RESOLVE_H_
#define NET_BENCH_BASE_RESOLVE_H_

#include <netinet/in.h>

#include <cstdint>
#include <string>

namespace netbench {

// The IPv4 address of `host` (a name such as "localhost", or dotted
// decimal) with `port`, through getaddrinfo(3): the one way every host name
// of net_bench is read (--listen, --topology=peer:), so that a name that
// works in one works in the other. Throws SysError "cannot resolve 'HOST':
// <reason>".
sockaddr_in ResolveIpv4(const std::string& host, uint16_t port);

}  // namespace netbench

#endif  // NET_BENCH_BASE_RESOLVE_H_
