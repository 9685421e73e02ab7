#include "netns/namespace.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/socket.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>

#include "base/sys_error.h"

namespace netbench::netns {
namespace {

void SetNs(int fd, const char* step) {
  if (::setns(fd, CLONE_NEWNET) != 0) ThrowErrno(step);
}

}  // namespace

UniqueFd CurrentNetNamespace() {
  // /proc/thread-self, not /proc/self: each thread may be in its own netns.
  UniqueFd fd(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
  if (!fd) ThrowErrno("open /proc/thread-self/ns/net");
  return fd;
}

UniqueFd NewNetNamespace() {
  ScopedNetns restore(CurrentNetNamespace().get());
  if (::unshare(CLONE_NEWNET) != 0) ThrowErrno("unshare(CLONE_NEWNET)");
  return CurrentNetNamespace();
}

ScopedNetns::ScopedNetns(int ns_fd) : original_(CurrentNetNamespace()) {
  SetNs(ns_fd, "setns into network namespace");
}

ScopedNetns::~ScopedNetns() {
  if (::setns(original_.get(), CLONE_NEWNET) != 0) {
    // A thread left in the wrong namespace would silently put every later
    // socket on the wrong network: stop instead.
    std::fprintf(
        stderr,
        "net_bench: cannot return to the original network namespace: %s\n",
        std::strerror(errno));
    std::abort();
  }
}

UniqueFd SocketIn(int ns_fd, int domain, int type, int protocol) {
  std::optional<ScopedNetns> in;
  if (ns_fd >= 0) in.emplace(ns_fd);
  UniqueFd fd(::socket(domain, type | SOCK_CLOEXEC, protocol));
  if (!fd) ThrowErrno("socket");
  return fd;
}

}  // namespace netbench::netns
