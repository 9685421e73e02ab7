#include "benchmarks/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "base/sys_error.h"
#include "base/unique_fd.h"
#include "benchmarks/interrupt.h"

namespace netbench {
namespace {

sigset_t StopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

// In the child, between fork and exec: async-signal-safe calls only.
[[noreturn]] void ExecChild(pid_t parent, int ns_fd, char* const* argv,
                            int stdout_fd, int null_fd, int cpu) {
  // net_bench's handler would write to the parent's interrupt pipe: restore
  // the defaults, then let the signals blocked around fork through.
  ::signal(SIGINT, SIG_DFL);
  ::signal(SIGTERM, SIG_DFL);
  const sigset_t stop = StopSignals();
  ::sigprocmask(SIG_UNBLOCK, &stop, nullptr);
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) ::_exit(126);
  // The parent may have died before prctl: then nothing would kill us.
  if (::getppid() != parent) ::_exit(126);
  ::setpgid(0, 0);
  if (ns_fd >= 0 && ::setns(ns_fd, CLONE_NEWNET) != 0) ::_exit(126);
  if (cpu >= 0) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (::sched_setaffinity(0, sizeof(set), &set) != 0) ::_exit(126);
  }
  if (::dup2(stdout_fd >= 0 ? stdout_fd : null_fd, STDOUT_FILENO) < 0 ||
      ::dup2(null_fd, STDERR_FILENO) < 0)
    ::_exit(126);
  ::execvp(argv[0], argv);
  ::_exit(127);
}

}  // namespace

ChildProcess::ChildProcess(int ns_fd, const std::vector<std::string>& argv,
                           int stdout_fd, int cpu) {
  // Everything the child needs is made before fork: the child of a
  // multi-threaded process may only make async-signal-safe calls.
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  UniqueFd null_fd(::open("/dev/null", O_RDWR | O_CLOEXEC));
  if (!null_fd) ThrowErrno("open /dev/null");
  const pid_t parent = ::getpid();
  // Blocked around fork, so that none reaches the child before it restored
  // the default handlers; the parent gets them as soon as they unblock.
  const sigset_t stop = StopSignals();
  sigset_t old;
  ::pthread_sigmask(SIG_BLOCK, &stop, &old);
  pid_ = ::fork();
  if (pid_ == 0)
    ExecChild(parent, ns_fd, args.data(), stdout_fd, null_fd.get(), cpu);
  const int fork_errno = errno;
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  if (pid_ < 0) throw SysError("fork", fork_errno);
  // Also here: whichever of the two runs first, the group exists before
  // the destructor may signal it.
  ::setpgid(pid_, pid_);
  // Not glibc 2.36's pidfd_open: its <sys/pidfd.h> lacks extern "C".
  pidfd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
}

ChildProcess::~ChildProcess() {
  KillAndReap();
  if (pidfd_ >= 0) ::close(pidfd_);
}

void ChildProcess::KillAndReap() {
  if (reaped_) return;
  // Unreaped, the child's pid (and so its group id) cannot be reused: the
  // signal reaches no stranger.
  ::kill(-pid_, SIGKILL);
  ::kill(pid_, SIGKILL);  // setpgid may have lost the race with exec
  // Not RetryEintr: the child was killed, so this wait is short, and it must
  // be reaped even when a stop signal interrupts the wait.
  while (::waitpid(pid_, &status_, 0) < 0 && errno == EINTR) {
  }
  reaped_ = true;
}

ChildProcess::Outcome ChildProcess::Wait(
    std::chrono::steady_clock::time_point deadline, int output_fd,
    std::string* output) {
  bool output_open = output_fd >= 0;
  while (!reaped_ || output_open) {
    if (InterruptSignal()) return Outcome::kInterrupted;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return Outcome::kTimedOut;
    pollfd p[3] = {{InterruptFd(), POLLIN, 0},
                   {reaped_ ? -1 : pidfd_, POLLIN, 0},
                   {output_open ? output_fd : -1, POLLIN, 0}};
    // Without a pidfd (kernel before 5.3), look again every 10 ms.
    const int timeout = pidfd_ < 0 ? 10 : static_cast<int>(left.count());
    if (::poll(p, 3, timeout) < 0 && errno != EINTR) ThrowErrno("poll");
    if (p[2].revents) {
      char buf[4096];
      const ssize_t n =
          RetryEintr([&] { return ::read(output_fd, buf, sizeof(buf)); });
      if (n > 0 && output) output->append(buf, static_cast<size_t>(n));
      if (n <= 0) output_open = false;
    }
    if (!reaped_ && (pidfd_ < 0 || p[1].revents) &&
        ::waitpid(pid_, &status_, WNOHANG) == pid_)
      reaped_ = true;
  }
  return Outcome::kExited;
}

}  // namespace netbench
