#include "test/net_test_util.h"

#include <dirent.h>
#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "base/sys_error.h"

namespace netbench::testing {

TcpPair ConnectAcross(const netns::Topology& topology, uint16_t port) {
  UniqueFd listener =
      topology.Socket(netns::Side::kServer, AF_INET, SOCK_STREAM);
  const int one = 1;
  ::setsockopt(listener.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
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

bool NamespaceHeld(ino_t inode) {
  namespace fs = std::filesystem;
  const std::string needle = "net:[" + std::to_string(inode) + "]";
  std::error_code ec;
  const auto points_at_ns = [&](const fs::path& link) {
    std::error_code e;
    return fs::read_symlink(link, e).string() == needle;
  };
  for (const auto& proc : fs::directory_iterator("/proc", ec)) {
    const std::string pid = proc.path().filename();
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    std::error_code e;
    for (const auto& task : fs::directory_iterator(proc.path() / "task", e))
      if (points_at_ns(task.path() / "ns" / "net")) return true;
    for (const auto& fd : fs::directory_iterator(proc.path() / "fd", e))
      if (points_at_ns(fd.path())) return true;
  }
  return false;
}

bool InterfaceExists(const std::string& name) {
  return ::if_nametoindex(name.c_str()) != 0;
}

int NetBenchNetnsMounts() {
  int count = 0;
  std::error_code ec;
  for (const auto& e :
       std::filesystem::directory_iterator("/var/run/netns", ec))
    if (e.path().filename().string().rfind("net_bench", 0) == 0) ++count;
  return count;
}

}  // namespace netbench::testing

#include <thread>

#include "base/socket_io.h"
#include "lib/integrity.h"

namespace netbench::testing {

TransferResult TransferVerified(const netns::Topology& topology, Mode mode,
                                size_t size, int count, RxMode rx,
                                void (*after_prepare)(Message&),
                                uint16_t port) {
  TransferResult result;
  constexpr std::chrono::milliseconds kTimeout{10000};
  TcpPair pair;
  try {
    pair = ConnectAcross(topology, port);
    SetSocketTimeouts(pair.client.get(), kTimeout);
    SetSocketTimeouts(pair.server.get(), kTimeout);
  } catch (const std::exception& e) {
    result.error = e.what();
    return result;
  }
  std::string rx_error;
  std::thread receiver([&] {
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
    auto s = MakeSender(mode, pair.client.get(), so);
    for (int i = 0; i < count; ++i) {
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
  if (result.error.empty() && !rx_error.empty())
    result.error = "receiver: " + rx_error;
  return result;
}

}  // namespace netbench::testing

#include <grp.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "netns/privilege.h"

namespace netbench::testing {
namespace {

constexpr int kChildOk = 0;
constexpr int kChildNoUserns = 10;
constexpr int kChildFailed = 11;

}  // namespace

ChildOutcome RunRootless(const std::function<std::string()>& body) {
  ChildOutcome outcome;
  const passwd* nobody = ::getpwnam("nobody");
  if (!nobody) {
    outcome.message = "no user 'nobody'";
    return outcome;
  }
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
    if (::setgroups(0, nullptr) != 0 || ::setgid(nobody->pw_gid) != 0 ||
        ::setuid(nobody->pw_uid) != 0 ||
        // A process that changed uid is made non-dumpable, which makes its
        // /proc/self files root's; an ordinary user's process is dumpable.
        ::prctl(PR_SET_DUMPABLE, 1) != 0) {
      result = "cannot drop to nobody";
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

#include <fstream>
#include <sstream>

#include "netns/namespace.h"

namespace netbench::testing {

pid_t SpawnIn(int ns_fd, const std::vector<std::string>& argv,
              const std::string& output_path) {
  const pid_t pid = ::fork();
  if (pid != 0) return pid;
  if (ns_fd >= 0 && ::setns(ns_fd, CLONE_NEWNET) != 0) ::_exit(120);
  const int out =
      ::open(output_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (out < 0) ::_exit(121);
  ::dup2(out, 1);
  ::dup2(out, 2);
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
