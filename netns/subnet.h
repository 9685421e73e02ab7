#ifndef NET_BENCH_NETNS_SUBNET_H_
#define NET_BENCH_NETNS_SUBNET_H_

#include <cstdint>
#include <string>

namespace netbench::netns {

// An IPv4 subnet for the veth pair: the server takes the first host address,
// the client the second (198.18.0.0/24 gives .1 and .2).
struct Ipv4Subnet {
  uint32_t network = 0;  // host byte order, host bits cleared
  int prefix = 0;

  uint32_t server() const { return network + 1; }
  uint32_t client() const { return network + 2; }

  // Parses "A.B.C.D/P" with P in 8..30 (room for two hosts). Host bits may be
  // set ("198.18.0.1/24" means 198.18.0.0/24). Throws std::invalid_argument
  // with a one-line reason otherwise.
  static Ipv4Subnet Parse(const std::string& text);
};

// Dotted-quad text of a host-byte-order address.
std::string Ipv4ToString(uint32_t address);

}  // namespace netbench::netns

#endif  // NET_BENCH_NETNS_SUBNET_H_
