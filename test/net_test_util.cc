#include "test/net_test_util.h"

#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <tuple>

#include "base/sys_error.h"
#include "netns/namespace.h"

namespace netbench::testing {

TcpPair ConnectAcross(const netns::Topology& topology, uint16_t port,
                      int server_rcvbuf) {
  UniqueFd listener =
      topology.Socket(netns::Side::kServer, AF_INET, SOCK_STREAM);
  const int one = 1;
  ::setsockopt(listener.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (server_rcvbuf > 0 &&
      ::setsockopt(listener.get(), SOL_SOCKET, SO_RCVBUF, &server_rcvbuf,
                   sizeof(server_rcvbuf)) != 0)
    ThrowErrno("setsockopt(SO_RCVBUF)");
  sockaddr_in addr = topology.Address(netns::Side::kServer, port);
  if (::bind(listener.get(), reinterpret_cast<sockaddr*>(&addr),
             sizeof(addr)) != 0)
    ThrowErrno("bind");
  if (::listen(listener.get(), 8) != 0) ThrowErrno("listen");
  TcpPair pair;
  pair.client = topology.Socket(netns::Side::kClient, AF_INET, SOCK_STREAM);
  if (::connect(pair.client.get(), reinterpret_cast<sockaddr*>(&addr),
                sizeof(addr)) != 0)
    ThrowErrno("connect");
  pair.server =
      UniqueFd(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
  if (!pair.server) ThrowErrno("accept");
  return pair;
}

std::string PingPong(const TcpPair& pair) {
  char buf[16] = {};
  if (::send(pair.client.get(), "ping", 4, 0) != 4) return "send ping";
  if (::recv(pair.server.get(), buf, 4, MSG_WAITALL) != 4 ||
      std::memcmp(buf, "ping", 4) != 0)
    return "recv ping";
  if (::send(pair.server.get(), "pong", 4, 0) != 4) return "send pong";
  if (::recv(pair.client.get(), buf, 4, MSG_WAITALL) != 4 ||
      std::memcmp(buf, "pong", 4) != 0)
    return "recv pong";
  return "";
}

bool IgnoreSigpipe() {
  ::signal(SIGPIPE, SIG_IGN);
  return true;
}

ino_t NamespaceInode(int ns_fd) {
  struct stat st {};
  if (::fstat(ns_fd, &st) != 0) ThrowErrno("fstat namespace");
  return st.st_ino;
}

namespace {

namespace fs = std::filesystem;

// The inode of "net:[<inode>]", or 0 for any other link target.
ino_t NetInodeOf(const fs::path& link) {
  std::error_code ec;
  const std::string target = fs::read_symlink(link, ec).string();
  if (ec || target.rfind("net:[", 0) != 0) return 0;
  return std::strtoull(target.c_str() + 5, nullptr, 10);
}

// Calls visit(link, inode) for every network namespace link of process
// `pid`: its threads' ns/net and its fds on network namespaces.
template <typename Visit>
void ForEachNetLink(pid_t pid, Visit&& visit) {
  const fs::path proc = "/proc/" + std::to_string(pid);
  std::error_code ec;
  for (const auto& task : fs::directory_iterator(proc / "task", ec))
    if (const ino_t ino = NetInodeOf(task.path() / "ns" / "net"))
      visit(task.path() / "ns" / "net", ino);
  for (const auto& fd : fs::directory_iterator(proc / "fd", ec))
    if (const ino_t ino = NetInodeOf(fd.path())) visit(fd.path(), ino);
}

}  // namespace

std::set<ino_t> NetNamespacesOf(pid_t pid) {
  const ino_t own = NetInodeOf("/proc/thread-self/ns/net");
  std::set<ino_t> inodes;
  ForEachNetLink(pid, [&](const fs::path&, ino_t ino) {
    if (ino != own) inodes.insert(ino);
  });
  return inodes;
}

UniqueFd OpenNetNamespaceOf(pid_t pid, ino_t inode) {
  UniqueFd fd;
  ForEachNetLink(pid, [&](const fs::path& link, ino_t ino) {
    if (fd || ino != inode) return;
    fd.Reset(::open(link.c_str(), O_RDONLY | O_CLOEXEC));
    // The link may have changed between reading and opening it.
    if (fd && NamespaceInode(fd.get()) != inode) fd.Reset();
  });
  return fd;
}

bool InterfaceExistsIn(int ns_fd, const std::string& name) {
  UniqueFd s = netns::SocketIn(ns_fd, AF_INET, SOCK_DGRAM);
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, name.c_str(), IFNAMSIZ - 1);
  if (::ioctl(s.get(), SIOCGIFINDEX, &ifr) == 0) return true;
  if (errno != ENODEV) ThrowErrno("ioctl(SIOCGIFINDEX, " + name + ")");
  return false;
}

std::string VethBetween(int server_ns, int client_ns) {
  using netns::Topology;
  std::string wrong;
  for (const auto& [ns, side, name, present] :
       {std::tuple{server_ns, "server", Topology::kServerInterface, true},
        std::tuple{server_ns, "server", Topology::kClientInterface, false},
        std::tuple{client_ns, "client", Topology::kClientInterface, true},
        std::tuple{client_ns, "client", Topology::kServerInterface, false}})
    if (InterfaceExistsIn(ns, name) != present)
      wrong += std::string(name) + (present ? " missing from" : " also in") +
               " the " + side + " namespace; ";
  return wrong;
}

std::string VethOf(pid_t pid) {
  using netns::Topology;
  UniqueFd server, client;
  for (ino_t ino : NetNamespacesOf(pid)) {
    UniqueFd ns = OpenNetNamespaceOf(pid, ino);
    if (!ns) continue;
    if (!server && InterfaceExistsIn(ns.get(), Topology::kServerInterface))
      server = std::move(ns);
    else if (!client && InterfaceExistsIn(ns.get(), Topology::kClientInterface))
      client = std::move(ns);
  }
  if (!server || !client)
    return "no namespace of process " + std::to_string(pid) + " holds " +
           (server ? Topology::kClientInterface : Topology::kServerInterface);
  return VethBetween(server.get(), client.get());
}

std::set<pid_t> OtherHoldersOf(ino_t inode, pid_t owner) {
  std::set<pid_t> holders;
  const pid_t self = ::getpid();
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/proc", ec)) {
    const std::string name = e.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const pid_t pid = std::stoi(name);
    if (pid == owner || pid == self) continue;
    ForEachNetLink(pid, [&](const fs::path&, ino_t ino) {
      if (ino == inode) holders.insert(pid);
    });
  }
  return holders;
}

int BindMountsOf(pid_t pid, pid_t seen_by) {
  const std::string name = "net_bench-" + std::to_string(pid) + "-";
  const std::string view =
      seen_by == 0 ? "/proc/self" : "/proc/" + std::to_string(seen_by);
  // /proc/PID/root leads into that process's mounts, but an absolute
  // symlink on the way (/var/run -> /run) would lead back into ours.
  std::error_code ec;
  const fs::path dir = fs::weakly_canonical("/var/run/netns", ec);
  int n = 0;
  for (const auto& e :
       fs::directory_iterator(view + "/root" + dir.string(), ec))
    if (e.path().filename().string().rfind(name, 0) == 0) ++n;
  std::ifstream mounts(view + "/mountinfo");
  std::string line;
  while (std::getline(mounts, line))
    if (line.find("/netns/" + name) != std::string::npos) ++n;
  return n;
}

PrivateNetnsDir::PrivateNetnsDir(bool enter) {
  int ready[2];
  if (::pipe2(ready, O_CLOEXEC) != 0) ThrowErrno("pipe2");
  UniqueFd ready_read(ready[0]), ready_write(ready[1]);
  holder_ = ::fork();
  if (holder_ < 0) ThrowErrno("fork");
  if (holder_ == 0) {
    // Async-signal-safe calls only: the parent has threads.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    int err = 0;
    if (::unshare(CLONE_NEWNS) != 0 ||
        // Mounts made in here stay in here.
        ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
        (::mkdir("/var/run/netns", 0755) != 0 && errno != EEXIST) ||
        ::mount("tmpfs", "/var/run/netns", "tmpfs",
                MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0755") != 0)
      err = errno;
    (void)!::write(ready_write.get(), &err, sizeof(err));
    if (err != 0) ::_exit(1);
    for (;;) ::pause();
  }
  ready_write.Reset();
  int err = ECHILD;  // the holder died before it said anything
  if (::read(ready_read.get(), &err, sizeof(err)) == sizeof(err) && err == 0) {
    mount_ns_.Reset(
        ::open(("/proc/" + std::to_string(holder_) + "/ns/mnt").c_str(),
               O_RDONLY | O_CLOEXEC));
    err = errno;
  }
  if (!mount_ns_) {
    StopHolder();
    throw SysError("a private /var/run/netns (unshare, mount tmpfs)", err);
  }
  if (!enter) return;
  UniqueFd left(::open("/proc/thread-self/ns/mnt", O_RDONLY | O_CLOEXEC));
  if (!left || ::unshare(CLONE_FS) != 0 ||
      ::setns(mount_ns_.get(), CLONE_NEWNS) != 0) {
    err = errno;
    StopHolder();
    throw SysError("entering a private /var/run/netns", err);
  }
  left_ = std::move(left);
}

PrivateNetnsDir::~PrivateNetnsDir() {
  if (left_) ::setns(left_.get(), CLONE_NEWNS);
  StopHolder();
}

void PrivateNetnsDir::StopHolder() {
  ::kill(holder_, SIGKILL);
  ::waitpid(holder_, nullptr, 0);
}

}  // namespace netbench::testing

#include <linux/sockios.h>

#include <thread>

#include "base/socket_io.h"
#include "lib/integrity.h"
#include "lib/message_pool.h"

namespace netbench::testing {

TransferResult TransferVerified(const netns::Topology& topology, Mode mode,
                                size_t size, int count, RxMode rx,
                                void (*after_prepare)(Message&), uint16_t port,
                                const HoldBack* hold_back) {
  TransferResult result;
  constexpr std::chrono::milliseconds kTimeout{10000};
  TcpPair pair;
  try {
    pair = ConnectAcross(topology, port, hold_back ? hold_back->rcvbuf : 0);
    SetSocketTimeouts(pair.client.get(), kTimeout);
    SetSocketTimeouts(pair.server.get(), kTimeout);
    // Where SO_SNDBUFFORCE is refused (rootless: it takes CAP_NET_ADMIN
    // over the host), as much as SO_SNDBUF gives (net.core.wmem_max).
    if (hold_back &&
        ::setsockopt(pair.client.get(), SOL_SOCKET, SO_SNDBUFFORCE,
                     &hold_back->sndbuf, sizeof(hold_back->sndbuf)) != 0 &&
        (errno != EPERM ||
         ::setsockopt(pair.client.get(), SOL_SOCKET, SO_SNDBUF,
                      &hold_back->sndbuf, sizeof(hold_back->sndbuf)) != 0))
      ThrowErrno("setsockopt(SO_SNDBUF)");
  } catch (const std::exception& e) {
    result.error = e.what();
    return result;
  }
  std::string rx_error;
  std::thread receiver([&] {
    if (hold_back) std::this_thread::sleep_for(hold_back->hold);
    try {
      ReceiverOptions ro;
      ro.max_chunk = std::min<size_t>(size, 1 << 20);
      ro.timeout = kTimeout;
      auto r = MakeReceiver(rx, pair.server.get(), ro);
      StreamVerifier verifier(size);
      for (int i = 0; i < count; ++i) r->Receive(size, &verifier);
      result.verified = verifier.messages_verified();
      result.receiver = r->stats();
    } catch (const std::exception& e) {
      rx_error = e.what();
      ::shutdown(pair.server.get(), SHUT_RDWR);
    }
  });
  try {
    SenderOptions so;
    so.message_size = size;
    so.timeout = kTimeout;
    if (hold_back) {
      // CountFor adds 2 messages to what the working set covers.
      so.working_set = (hold_back->working_set_messages - 2) * size;
      result.working_set_messages = MessagePool::CountFor(so.working_set, size);
    }
    auto s = MakeSender(mode, pair.client.get(), so);
    for (int i = 0; i < count; ++i) {
      if (hold_back && static_cast<size_t>(i) == result.working_set_messages) {
        int unsent = 0;
        if (::ioctl(pair.client.get(), SIOCOUTQNSD, &unsent) != 0)
          ThrowErrno("ioctl(SIOCOUTQNSD)");
        result.unsent_at_reuse = static_cast<uint64_t>(unsent);
      }
      Message& m = s->Prepare();
      if (after_prepare) after_prepare(m);
      StampMessage(m, static_cast<uint64_t>(i));
      s->Send();
    }
    s->Drain(kTimeout);
    result.sender = s->stats();
  } catch (const std::exception& e) {
    result.error = std::string("sender: ") + e.what();
    ::shutdown(pair.client.get(), SHUT_RDWR);
  }
  receiver.join();
  // Both: the receiver's may be the cause (it stops reading when it finds a
  // corrupt message, and the sender then waits in vain).
  if (!rx_error.empty())
    result.error +=
        (result.error.empty() ? "" : "; ") + ("receiver: " + rx_error);
  return result;
}

}  // namespace netbench::testing

#include <grp.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "netns/privilege.h"

namespace netbench::testing {
namespace {

// Far above the ids of real users (and below (uid_t)-1, "no id").
constexpr uid_t kFirstTestUser = 3'000'000'000u;

constexpr int kChildOk = 0;
constexpr int kChildNoUserns = 10;
constexpr int kChildFailed = 11;

}  // namespace

ChildOutcome RunRootless(const std::function<std::string()>& body) {
  ChildOutcome outcome;
  // An ordinary user of this test process's own, not a shared one such as
  // nobody: the kernel charges the pages a zero-copy send pins to the user
  // (user_struct's locked_vm, against RLIMIT_MEMLOCK, 8 MiB here), so two
  // test runs side by side as one user would share that budget.
  const uid_t user = kFirstTestUser + static_cast<uid_t>(::getpid());
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) {
    outcome.message = "pipe failed";
    return outcome;
  }
  const pid_t child = ::fork();
  if (child == 0) {
    ::close(pipe_fds[0]);
    std::string result;
    int code = kChildOk;
    if (::setgroups(0, nullptr) != 0 || ::setgid(user) != 0 ||
        ::setuid(user) != 0 ||
        // A process that changed uid is made non-dumpable, which makes its
        // /proc/self files root's; an ordinary user's process is dumpable.
        ::prctl(PR_SET_DUMPABLE, 1) != 0) {
      result = "cannot drop to user " + std::to_string(user);
      code = kChildFailed;
    } else {
      try {
        if (netns::AcquireNamespacePrivilege() != netns::Privilege::kRootless)
          throw std::runtime_error("expected rootless privilege");
        result = body();
        if (!result.empty()) code = kChildFailed;
      } catch (const std::exception& e) {
        result = e.what();
        code = std::strstr(e.what(), "CLONE_NEWUSER") ? kChildNoUserns
                                                      : kChildFailed;
      }
    }
    (void)!::write(pipe_fds[1], result.data(), result.size());
    ::_exit(code);
  }
  ::close(pipe_fds[1]);
  char buf[4096];
  ssize_t n;
  while ((n = ::read(pipe_fds[0], buf, sizeof(buf))) > 0)
    outcome.message.append(buf, static_cast<size_t>(n));
  ::close(pipe_fds[0]);
  int status = 0;
  if (child < 0 || ::waitpid(child, &status, 0) != child ||
      !WIFEXITED(status)) {
    outcome.message = "child did not exit normally: " + outcome.message;
    return outcome;
  }
  outcome.no_user_namespaces = WEXITSTATUS(status) == kChildNoUserns;
  outcome.ok = WEXITSTATUS(status) == kChildOk;
  return outcome;
}

}  // namespace netbench::testing

#include <arpa/inet.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/ptrace.h>

#include <fstream>
#include <sstream>

#include "netns/namespace.h"

namespace netbench::testing {

pid_t SpawnIn(int ns_fd, const std::vector<std::string>& argv,
              const std::string& output_path, int mount_ns_fd, bool traced) {
  const pid_t pid = ::fork();
  if (pid != 0) return pid;
  if (ns_fd >= 0 && ::setns(ns_fd, CLONE_NEWNET) != 0) ::_exit(120);
  if (mount_ns_fd >= 0 && ::setns(mount_ns_fd, CLONE_NEWNS) != 0) ::_exit(123);
  const int out =
      ::open(output_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (out < 0) ::_exit(121);
  ::dup2(out, 1);
  ::dup2(out, 2);
  if (traced && ::ptrace(PTRACE_TRACEME, 0, nullptr, nullptr) != 0)
    ::_exit(124);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  ::execv(args[0], args.data());
  ::_exit(122);
}

int WaitOrKill(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    if (::waitpid(pid, &status, WNOHANG) == pid) return status;
    ::usleep(20000);
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, &status, 0);
  return -1;
}

std::string ReadFile(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

int CountOf(const std::string& text, const std::string& needle) {
  int n = 0;
  for (size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + needle.size()))
    ++n;
  return n;
}

bool WaitForListener(int ns_fd, const std::string& address, uint16_t port,
                     std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  inet_pton(AF_INET, address.c_str(), &a.sin_addr);
  while (std::chrono::steady_clock::now() < deadline) {
    UniqueFd fd;
    {
      netns::ScopedNetns in(ns_fd);
      fd.Reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    }
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0)
      return true;
    ::usleep(20000);
  }
  return false;
}

TempDir::TempDir() {
  char tmpl[] = "/tmp/net_bench_test.XXXXXX";
  if (!::mkdtemp(tmpl)) ThrowErrno("mkdtemp");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace netbench::testing
