#ifndef NET_BENCH_NETNS_NAMESPACE_H_
#define NET_BENCH_NETNS_NAMESPACE_H_

#include "base/unique_fd.h"

namespace netbench::netns {

// Creates a new network namespace and returns it as a file descriptor. The
// calling thread stays in the namespace it was in. The namespace lives as long
// as something holds it: this fd, a socket created in it, or a thread inside
// it; the kernel frees it (and its interfaces) when the last one goes, which
// is what makes SIGKILL leave nothing behind.
// REQUIRES: CAP_SYS_ADMIN over the current user namespace.
UniqueFd NewNetNamespace();

// Opens the network namespace the calling thread is in.
UniqueFd CurrentNetNamespace();

// Moves the calling thread into a network namespace for the lifetime of the
// object and back to its original namespace afterwards. Only the calling
// thread moves (setns(2) with CLONE_NEWNET is per thread).
class ScopedNetns {
 public:
  explicit ScopedNetns(int ns_fd);
  ~ScopedNetns();
  ScopedNetns(const ScopedNetns&) = delete;
  ScopedNetns& operator=(const ScopedNetns&) = delete;

 private:
  UniqueFd original_;
};

// socket(2) (with SOCK_CLOEXEC) made inside the network namespace `ns_fd`
// (-1: the calling thread's). The socket stays bound to that namespace
// whatever thread uses it later. Throws SysError.
UniqueFd SocketIn(int ns_fd, int domain, int type, int protocol = 0);

}  // namespace netbench::netns

#endif  // NET_BENCH_NETNS_NAMESPACE_H_
