#ifndef NET_BENCH_NETNS_PRIVILEGE_H_
#define NET_BENCH_NETNS_PRIVILEGE_H_

namespace netbench::netns {

enum class Privilege {
  kRoot,      // CAP_NET_ADMIN in the initial user namespace
  kRootless,  // an ordinary user, root inside a user namespace of its own
};

const char* PrivilegeName(Privilege p);

// Makes sure this process may create network namespaces. As root it does
// nothing. Otherwise it enters a new user namespace that maps the caller's
// uid and gid to 0, where it holds CAP_SYS_ADMIN and CAP_NET_ADMIN over the
// namespaces it creates (user_namespaces(7)), and a new, empty network
// namespace owned by it (the host's network is then out of reach, so callers
// that only need the host's network, such as loopback or two-host runs, do
// not call this). Calling it again returns the first answer.
// REQUIRES: when not root, the process is still single-threaded (the kernel
// refuses CLONE_NEWUSER to a multi-threaded process).
// Throws std::runtime_error with one line saying why neither works, and
// suggesting --topology=loopback.
Privilege EnsureNamespacePrivilege();

// The same without remembering the answer: for a freshly forked child whose
// parent may have called EnsureNamespacePrivilege() as another user.
Privilege AcquireNamespacePrivilege();

}  // namespace netbench::netns

#endif  // NET_BENCH_NETNS_PRIVILEGE_H_
