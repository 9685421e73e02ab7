#include "netns/topology.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <net/if.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <set>
#include <stdexcept>
#include <string>

#include "netns/ethtool.h"
#include "netns/privilege.h"
#include "test/net_test_util.h"

namespace netbench::netns {
namespace {

using testing::BindMountsOf;
using testing::ConnectAcross;
using testing::InterfaceExistsIn;
using testing::NamespaceInode;
using testing::NetNamespacesOf;
using testing::OtherHoldersOf;
using testing::PingPong;

struct InterfaceState {
  std::string address;
  std::string netmask;
  int mtu = 0;
  bool up = false;
  bool running = false;
};

// Reads an interface's state with ioctls on a socket created in the
// interface's namespace (the ioctls act on the socket's namespace).
InterfaceState ReadInterface(const Topology& t, Side side, const char* name) {
  UniqueFd s = t.Socket(side, AF_INET, SOCK_DGRAM);
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
  InterfaceState st;
  char text[INET_ADDRSTRLEN];
  const auto addr_of = [&](const sockaddr& sa) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&sa);
    inet_ntop(AF_INET, &in->sin_addr, text, sizeof(text));
    return std::string(text);
  };
  if (ioctl(s.get(), SIOCGIFADDR, &ifr) == 0)
    st.address = addr_of(ifr.ifr_addr);
  if (ioctl(s.get(), SIOCGIFNETMASK, &ifr) == 0)
    st.netmask = addr_of(ifr.ifr_netmask);
  if (ioctl(s.get(), SIOCGIFMTU, &ifr) == 0) st.mtu = ifr.ifr_mtu;
  if (ioctl(s.get(), SIOCGIFFLAGS, &ifr) == 0) {
    st.up = (ifr.ifr_flags & IFF_UP) != 0;
    st.running = (ifr.ifr_flags & IFF_RUNNING) != 0;
  }
  return st;
}

TEST(TopologyTest, CarriesTcpBothWaysWithRequestedAddressing) {
  TopologyOptions options;
  options.mtu = 9000;
  Topology t(options);
  const InterfaceState server =
      ReadInterface(t, Side::kServer, Topology::kServerInterface);
  const InterfaceState client =
      ReadInterface(t, Side::kClient, Topology::kClientInterface);
  EXPECT_EQ(server.address, "198.18.0.1");
  EXPECT_EQ(client.address, "198.18.0.2");
  EXPECT_EQ(server.netmask, "255.255.255.0");
  EXPECT_EQ(client.netmask, "255.255.255.0");
  EXPECT_EQ(server.mtu, 9000);
  EXPECT_EQ(client.mtu, 9000);
  EXPECT_TRUE(server.up && client.up);
  EXPECT_TRUE(ReadInterface(t, Side::kServer, "lo").up);
  EXPECT_TRUE(ReadInterface(t, Side::kClient, "lo").up);
  // The peer lives only in the client namespace.
  EXPECT_EQ(ReadInterface(t, Side::kServer, Topology::kClientInterface).mtu, 0);
  EXPECT_EQ(PingPong(ConnectAcross(t)), "");
}

TEST(TopologyTest, CustomSubnetAndOptmem) {
  TopologyOptions options;
  options.subnet = "10.77.3.9/16";
  options.optmem_max = 262144;
  Topology t(options);
  EXPECT_EQ(t.AddressString(Side::kServer), "10.77.0.1");
  EXPECT_EQ(t.AddressString(Side::kClient), "10.77.0.2");
  EXPECT_EQ(ReadInterface(t, Side::kClient, Topology::kClientInterface).netmask,
            "255.255.0.0");
  if (!t.optmem_per_namespace())
    GTEST_SKIP() << "kernel before 6.8: optmem_max is global, left untouched";
  EXPECT_EQ(t.optmem_max(), 262144);
  EXPECT_EQ(ReadOptmemMax(t.ns_fd(Side::kClient)), 262144);
  EXPECT_EQ(PingPong(ConnectAcross(t)), "");
}

// --veth_gro: GRO and rx-udp-gro-forwarding on both ends, and only when
// asked (a new veth has neither).
TEST(TopologyTest, UdpGroOnlyWhenAsked) {
  Topology plain;
  EXPECT_FALSE(
      UdpGroOn(plain.ns_fd(Side::kServer), Topology::kServerInterface));
  TopologyOptions options;
  options.gro = true;
  Topology t(options);
  EXPECT_TRUE(t.gro());
  EXPECT_TRUE(UdpGroOn(t.ns_fd(Side::kServer), Topology::kServerInterface));
  EXPECT_TRUE(UdpGroOn(t.ns_fd(Side::kClient), Topology::kClientInterface));
  EXPECT_EQ(PingPong(ConnectAcross(t)), "");
}

// What a topology leaves is what this process holds: the namespaces come and
// go with its fds (nothing else holds them meanwhile, so the kernel frees
// them, and the veth pair with them, when they go), and no bind mount.
TEST(TopologyTest, DestroyingLeavesNothing) {
  const pid_t self = ::getpid();
  const std::set<ino_t> before = NetNamespacesOf(self);
  {
    Topology t;
    const ino_t server = NamespaceInode(t.ns_fd(Side::kServer));
    const ino_t client = NamespaceInode(t.ns_fd(Side::kClient));
    std::set<ino_t> expected = before;
    expected.insert({server, client});
    EXPECT_EQ(NetNamespacesOf(self), expected);
    EXPECT_EQ(OtherHoldersOf(server, self), std::set<pid_t>{});
    EXPECT_EQ(OtherHoldersOf(client, self), std::set<pid_t>{});
    EXPECT_EQ(
        testing::VethBetween(t.ns_fd(Side::kServer), t.ns_fd(Side::kClient)),
        "");
  }
  EXPECT_EQ(NetNamespacesOf(self), before);
  EXPECT_EQ(BindMountsOf(self), 0);
}

// In a mount namespace of the test's own, so that no other net_bench sees
// the mounts (and no other test's are counted).
TEST(TopologyTest, DebugBindMountsAreRemoved) {
  testing::PrivateNetnsDir dir(/*enter=*/true);
  TopologyOptions options;
  options.bind_mount = true;
  {
    Topology t(options);
    EXPECT_EQ(BindMountsOf(::getpid(), dir.holder()), 4);  // 2 files, 2 mounts
  }
  EXPECT_EQ(BindMountsOf(::getpid(), dir.holder()), 0);
}

TEST(TopologyTest, SigkilledBuilderLeavesNothing) {
  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(pipe_fds[0]);
    Topology t;
    ino_t inodes[2] = {NamespaceInode(t.ns_fd(Side::kServer)),
                       NamespaceInode(t.ns_fd(Side::kClient))};
    if (write(pipe_fds[1], inodes, sizeof(inodes)) != sizeof(inodes)) _exit(1);
    pause();
    _exit(0);
  }
  close(pipe_fds[1]);
  ino_t inodes[2] = {};
  ASSERT_EQ(read(pipe_fds[0], inodes, sizeof(inodes)),
            static_cast<ssize_t>(sizeof(inodes)));
  close(pipe_fds[0]);
  // Only the builder holds its namespaces, as fds: its death frees them.
  EXPECT_EQ(NetNamespacesOf(child), std::set<ino_t>(inodes, inodes + 2));
  for (ino_t ino : inodes)
    EXPECT_EQ(OtherHoldersOf(ino, child), std::set<pid_t>{}) << ino;
  {
    UniqueFd server = testing::OpenNetNamespaceOf(child, inodes[0]);
    UniqueFd client = testing::OpenNetNamespaceOf(child, inodes[1]);
    ASSERT_TRUE(server && client);
    EXPECT_EQ(testing::VethBetween(server.get(), client.get()), "");
  }
  kill(child, SIGKILL);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(NetNamespacesOf(child), std::set<ino_t>{});
  EXPECT_EQ(BindMountsOf(child), 0);
}

TEST(TopologyTest, TwoTopologiesAtOnceDoNotCollide) {
  Topology a;
  Topology b;
  auto pair_a = ConnectAcross(a, 6000);
  auto pair_b = ConnectAcross(b, 6000);  // same address and port: no clash
  EXPECT_EQ(PingPong(pair_a), "");
  EXPECT_EQ(PingPong(pair_b), "");
  EXPECT_NE(NamespaceInode(a.ns_fd(Side::kServer)),
            NamespaceInode(b.ns_fd(Side::kServer)));
}

TEST(TopologyTest, RootlessThroughUserNamespace) {
  const auto outcome = testing::RunRootless([] {
    Topology t;
    return PingPong(ConnectAcross(t));
  });
  if (outcome.no_user_namespaces)
    GTEST_SKIP() << "the kernel forbids user namespaces here: "
                 << outcome.message;
  EXPECT_TRUE(outcome.ok) << outcome.message;
  EXPECT_EQ(outcome.message, "");
}

TEST(TopologyTest, BadParametersFailClearlyAndLeaveNothing) {
  const std::set<ino_t> before = NetNamespacesOf(::getpid());
  const auto expect_error = [](TopologyOptions o, const char* needle) {
    try {
      Topology t(o);
      ADD_FAILURE() << "no error for " << needle;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos)
          << e.what();
    }
  };
  TopologyOptions o;
  o.mtu = 0;
  expect_error(o, "bad MTU 0");
  o.mtu = 70000;
  expect_error(o, "bad MTU 70000");
  o = {};
  o.subnet = "198.18.0.0";
  expect_error(o, "missing /prefix");
  o.subnet = "198.18.0/24";
  expect_error(o, "not an IPv4 address");
  o.subnet = "198.18.0.0/31";
  expect_error(o, "prefix must be 8..30");
  o.subnet = "198.18.0.0/2x";
  expect_error(o, "prefix is not a number");
  EXPECT_EQ(NetNamespacesOf(::getpid()), before);
  EXPECT_EQ(BindMountsOf(::getpid()), 0);
}

}  // namespace
}  // namespace netbench::netns
