#include "netns/subnet.h"

#include <arpa/inet.h>

#include <charconv>
#include <stdexcept>

namespace netbench::netns {

Ipv4Subnet Ipv4Subnet::Parse(const std::string& text) {
  const auto bad = [&](const std::string& why) {
    return std::invalid_argument("bad subnet '" + text + "': " + why +
                                 " (expected e.g. 198.18.0.0/24)");
  };
  const size_t slash = text.find('/');
  if (slash == std::string::npos) throw bad("missing /prefix");
  in_addr addr{};
  if (inet_pton(AF_INET, text.substr(0, slash).c_str(), &addr) != 1)
    throw bad("not an IPv4 address");
  int prefix = -1;
  const char* first = text.data() + slash + 1;
  const char* last = text.data() + text.size();
  auto [end, ec] = std::from_chars(first, last, prefix);
  if (ec != std::errc() || end != last || first == last)
    throw bad("prefix is not a number");
  if (prefix < 8 || prefix > 30) throw bad("prefix must be 8..30");
  const uint32_t mask = ~uint32_t{0} << (32 - prefix);
  Ipv4Subnet s;
  s.network = ntohl(addr.s_addr) & mask;
  s.prefix = prefix;
  const uint32_t first_octet = s.network >> 24;
  if (first_octet == 0 || first_octet == 127 || first_octet >= 224)
    throw bad("not a unicast subnet");
  return s;
}

std::string Ipv4ToString(uint32_t address) {
  in_addr a{htonl(address)};
  char buf[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &a, buf, sizeof(buf));
  return buf;
}

}  // namespace netbench::netns
