#include "netns/ethtool.h"

#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "base/sys_error.h"
#include "netns/namespace.h"

namespace netbench::netns {
namespace {

// SIOCETHTOOL with `data` on interface `name`; throws naming `what`.
void Ethtool(int fd, const std::string& name, void* data, const char* what) {
  ifreq request{};
  name.copy(request.ifr_name, IFNAMSIZ - 1);
  request.ifr_data = static_cast<char*>(data);
  if (::ioctl(fd, SIOCETHTOOL, &request) != 0)
    ThrowErrno(std::string("SIOCETHTOOL(") + what + ") on " + name);
}

// The index of feature `feature` ("rx-udp-gro-forwarding") in the
// interface's feature strings (ETH_SS_FEATURES), as ETHTOOL_SFEATURES
// numbers its bits.
uint32_t FeatureIndex(int fd, const std::string& name,
                      const std::string& feature) {
  // ethtool_sset_info ends in a flexible array: one count per set asked.
  alignas(ethtool_sset_info)
      uint8_t sset[sizeof(ethtool_sset_info) + sizeof(uint32_t)] = {};
  auto* info = reinterpret_cast<ethtool_sset_info*>(sset);
  info->cmd = ETHTOOL_GSSET_INFO;
  info->sset_mask = uint64_t{1} << ETH_SS_FEATURES;
  Ethtool(fd, name, info, "ETHTOOL_GSSET_INFO");
  uint32_t count = 0;
  if (info->sset_mask) std::memcpy(&count, sset + sizeof(*info), sizeof(count));
  std::vector<uint8_t> buffer(sizeof(ethtool_gstrings) +
                              size_t{count} * ETH_GSTRING_LEN);
  auto* strings = reinterpret_cast<ethtool_gstrings*>(buffer.data());
  strings->cmd = ETHTOOL_GSTRINGS;
  strings->string_set = ETH_SS_FEATURES;
  strings->len = count;
  Ethtool(fd, name, strings, "ETHTOOL_GSTRINGS");
  for (uint32_t i = 0; i < count; ++i) {
    const char* s = reinterpret_cast<const char*>(strings->data) +
                    size_t{i} * ETH_GSTRING_LEN;
    if (feature == std::string(s, strnlen(s, ETH_GSTRING_LEN))) return i;
  }
  throw SysError("the kernel has no " + feature + " feature");
}

// Turns feature bit `index` on or off.
void SetFeature(int fd, const std::string& name, uint32_t index, bool on,
                const char* what) {
  const uint32_t blocks = index / 32 + 1;
  std::vector<uint8_t> buffer(sizeof(ethtool_sfeatures) +
                              blocks * sizeof(ethtool_set_features_block));
  auto* features = reinterpret_cast<ethtool_sfeatures*>(buffer.data());
  features->cmd = ETHTOOL_SFEATURES;
  features->size = blocks;
  features->features[index / 32].valid = uint32_t{1} << (index % 32);
  features->features[index / 32].requested =
      on ? uint32_t{1} << (index % 32) : 0;
  Ethtool(fd, name, features, what);
}

// Whether feature bit `index` is active.
bool FeatureActive(int fd, const std::string& name, uint32_t index) {
  const uint32_t blocks = index / 32 + 1;
  std::vector<uint8_t> buffer(sizeof(ethtool_gfeatures) +
                              blocks * sizeof(ethtool_get_features_block));
  auto* features = reinterpret_cast<ethtool_gfeatures*>(buffer.data());
  features->cmd = ETHTOOL_GFEATURES;
  features->size = blocks;
  Ethtool(fd, name, features, "ETHTOOL_GFEATURES");
  return (features->features[index / 32].active >> (index % 32)) & 1;
}

constexpr char kUdpGroForwarding[] = "rx-udp-gro-forwarding";

}  // namespace

bool UdpGroOn(int ns_fd, const std::string& name) {
  UniqueFd fd = SocketIn(ns_fd, AF_INET, SOCK_DGRAM);
  ethtool_value gro{};
  gro.cmd = ETHTOOL_GGRO;
  Ethtool(fd.get(), name, &gro, "ETHTOOL_GGRO");
  return gro.data != 0 &&
         FeatureActive(fd.get(), name,
                       FeatureIndex(fd.get(), name, kUdpGroForwarding));
}

void SetUdpGro(int ns_fd, const std::string& name, bool on) {
  UniqueFd fd = SocketIn(ns_fd, AF_INET, SOCK_DGRAM);
  ethtool_value gro{};
  gro.cmd = ETHTOOL_SGRO;
  gro.data = on ? 1 : 0;
  Ethtool(fd.get(), name, &gro, "ETHTOOL_SGRO");
  SetFeature(fd.get(), name, FeatureIndex(fd.get(), name, kUdpGroForwarding),
             on, "ETHTOOL_SFEATURES rx-udp-gro-forwarding");
}

}  // namespace netbench::netns
