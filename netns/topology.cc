#include "netns/topology.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "base/sys_error.h"
#include "netns/ethtool.h"
#include "netns/namespace.h"
#include "netns/netlink.h"

namespace netbench::netns {
namespace {

constexpr char kOptmemPath[] = "/proc/sys/net/core/optmem_max";
constexpr char kNetnsDir[] = "/var/run/netns";
// Bind mounts are named kBindMountPrefix + pid + "-server" or "-client".
constexpr std::string_view kBindMountPrefix = "net_bench-";

// net.core.optmem_max became per network namespace in Linux 6.8
// (Documentation/admin-guide/sysctl/net.rst); before that, writing it from a
// namespace would change the host's value.
bool KernelHasPerNamespaceOptmem() {
  utsname u{};
  if (::uname(&u) != 0) return false;
  int major = 0, minor = 0;
  if (std::sscanf(u.release, "%d.%d", &major, &minor) != 2) return false;
  return major > 6 || (major == 6 && minor >= 8);
}

void WriteOptmemMax(int ns_fd, long value) {
  // Writes to /proc/sys/net act on the namespace of the writing thread.
  ScopedNetns in(ns_fd);
  UniqueFd fd(::open(kOptmemPath, O_WRONLY | O_CLOEXEC));
  if (!fd) ThrowErrno(std::string("open ") + kOptmemPath);
  const std::string text = std::to_string(value);
  if (::write(fd.get(), text.data(), text.size()) !=
      static_cast<ssize_t>(text.size()))
    ThrowErrno(std::string("write ") + kOptmemPath);
}

// The pid in a bind mount name of ours ("net_bench-123-server"), or -1.
pid_t BindMountOwner(std::string_view name) {
  if (name.rfind(kBindMountPrefix, 0) != 0) return -1;
  name.remove_prefix(kBindMountPrefix.size());
  pid_t pid = -1;
  auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), pid);
  const std::string_view side(
      end, static_cast<size_t>(name.data() + name.size() - end));
  if (ec != std::errc() || pid <= 0 || (side != "-server" && side != "-client"))
    return -1;
  return pid;
}

void RemoveBindMount(const std::string& path) {
  ::umount2(path.c_str(), MNT_DETACH);  // EINVAL: the file outlived its mount
  ::unlink(path.c_str());
}

}  // namespace

std::vector<std::string> RemoveStaleBindMounts() {
  std::vector<std::string> removed;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(kNetnsDir, ec)) {
    const pid_t owner = BindMountOwner(entry.path().filename().native());
    // ESRCH only: a live process of another user answers EPERM.
    if (owner < 0 || ::kill(owner, 0) == 0 || errno != ESRCH) continue;
    RemoveBindMount(entry.path());
    removed.push_back(entry.path());
  }
  return removed;
}

long ReadOptmemMax(int ns_fd) {
  ScopedNetns in(ns_fd);
  std::FILE* f = std::fopen(kOptmemPath, "re");
  if (!f) ThrowErrno(std::string("open ") + kOptmemPath);
  long value = -1;
  const int n = std::fscanf(f, "%ld", &value);
  std::fclose(f);
  if (n != 1) throw SysError(std::string("cannot parse ") + kOptmemPath);
  return value;
}

long ReadTcpWmemMax(int ns_fd) {
  constexpr char kPath[] = "/proc/sys/net/ipv4/tcp_wmem";
  std::optional<ScopedNetns> in;
  if (ns_fd >= 0) in.emplace(ns_fd);
  std::FILE* f = std::fopen(kPath, "re");
  if (!f) ThrowErrno(std::string("open ") + kPath);
  long min = -1, initial = -1, max = -1;
  const int n = std::fscanf(f, "%ld %ld %ld", &min, &initial, &max);
  std::fclose(f);
  if (n != 3 || max <= 0) throw SysError(std::string("cannot parse ") + kPath);
  return max;
}

void ValidateTopologyOptions(const TopologyOptions& options) {
  if (options.mtu < 68 || options.mtu > 65535)
    throw std::invalid_argument("bad MTU " + std::to_string(options.mtu) +
                                ": must be 68..65535");
  if (options.optmem_max < 0)
    throw std::invalid_argument("bad optmem_max " +
                                std::to_string(options.optmem_max) +
                                ": must be positive (or 0 for the default)");
  Ipv4Subnet::Parse(options.subnet);
}

Topology::Topology(const TopologyOptions& options)
    : subnet_((ValidateTopologyOptions(options),
               Ipv4Subnet::Parse(options.subnet))),
      mtu_(options.mtu),
      server_ns_(NewNetNamespace()),
      client_ns_(NewNetNamespace()) {
  // From here on, an exception closes both fds and the kernel frees the
  // namespaces with whatever was already built in them.
  NlSockPtr server = ConnectRoute(server_ns_.get());
  NlSockPtr client = ConnectRoute(client_ns_.get());
  AddVethPair(server.get(), kServerInterface, kClientInterface,
              client_ns_.get(), mtu_);
  SetLinkUp(server.get(), "lo");
  SetLinkUp(client.get(), "lo");
  AddIpv4Address(server.get(), kServerInterface, subnet_.server(),
                 subnet_.prefix);
  AddIpv4Address(client.get(), kClientInterface, subnet_.client(),
                 subnet_.prefix);
  SetLinkUp(server.get(), kServerInterface);
  SetLinkUp(client.get(), kClientInterface);
  if (options.gro) {
    SetUdpGro(server_ns_.get(), kServerInterface, true);
    SetUdpGro(client_ns_.get(), kClientInterface, true);
  }
  gro_ = options.gro;

  optmem_per_namespace_ = KernelHasPerNamespaceOptmem();
  if (optmem_per_namespace_ && options.optmem_max > 0) {
    WriteOptmemMax(server_ns_.get(), options.optmem_max);
    WriteOptmemMax(client_ns_.get(), options.optmem_max);
  }
  optmem_max_ = ReadOptmemMax(server_ns_.get());

  if (options.bind_mount) {
    try {
      BindMount(Side::kServer);
      BindMount(Side::kClient);
    } catch (...) {
      RemoveBindMounts();
      throw;
    }
  }
}

Topology::~Topology() { RemoveBindMounts(); }

UniqueFd Topology::Socket(Side side, int domain, int type, int protocol) const {
  return SocketIn(ns_fd(side), domain, type, protocol);
}

sockaddr_in Topology::Address(Side side, uint16_t port) const {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr =
      htonl(side == Side::kServer ? subnet_.server() : subnet_.client());
  return a;
}

std::string Topology::AddressString(Side side) const {
  return Ipv4ToString(side == Side::kServer ? subnet_.server()
                                            : subnet_.client());
}

// Same layout as iproute2's `ip netns add`: an empty file under
// /var/run/netns with the namespace bind-mounted on it.
void Topology::BindMount(Side side) {
  ::mkdir(kNetnsDir, 0755);
  const int index = side == Side::kServer ? 0 : 1;
  std::string path =
      std::string(kNetnsDir) + "/" + std::string(kBindMountPrefix) +
      std::to_string(::getpid()) + "-" + (index == 0 ? "server" : "client");
  UniqueFd file(
      ::open(path.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444));
  if (!file) ThrowErrno("create " + path);
  const std::string source = "/proc/self/fd/" + std::to_string(ns_fd(side));
  if (::mount(source.c_str(), path.c_str(), "none", MS_BIND, nullptr) != 0) {
    const int err = errno;
    ::unlink(path.c_str());
    throw SysError("bind-mount " + path, err);
  }
  mount_paths_[index] = std::move(path);
}

void Topology::RemoveBindMounts() {
  for (std::string& path : mount_paths_) {
    if (path.empty()) continue;
    RemoveBindMount(path);
    path.clear();
  }
}

}  // namespace netbench::netns
