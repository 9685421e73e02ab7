#ifndef NET_BENCH_BENCHMARKS_CHILD_PROCESS_H_
#define NET_BENCH_BENCHMARKS_CHILD_PROCESS_H_

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace netbench {

// A helper program (iperf3) run by a benchmark, which dies with net_bench
// however net_bench ends:
//  - SIGKILL, a crash: PR_SET_PDEATHSIG(SIGKILL), set in the child;
//  - every other way out, exceptions and interrupts included: the destructor
//    kills the child's process group and reaps it.
// The child runs in a process group of its own, so that a Ctrl-C at the
// terminal reaches only net_bench, which then stops its children itself.
//
// PR_SET_PDEATHSIG fires when the *thread* that forked exits: make and
// destroy the object on one thread that outlives the child (Google
// Benchmark runs a benchmark of one thread on the main thread).
class ChildProcess {
 public:
  // Starts `argv` (argv[0] looked up in PATH) with its network namespace set
  // to `ns_fd` (-1: this one), its stdout on `stdout_fd` (-1: /dev/null) and
  // its stderr on /dev/null, pinned to CPU `cpu` (-1: not pinned). Throws
  // SysError when fork fails; a program that cannot start exits 127 (not
  // found) or 126.
  ChildProcess(int ns_fd, const std::vector<std::string>& argv,
               int stdout_fd = -1, int cpu = -1);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }

  enum class Outcome { kExited, kTimedOut, kInterrupted };

  // Waits until the child exits and `output_fd` (the read end of its stdout
  // pipe, or -1) reaches end of file, appending what it reads to *output;
  // or until `deadline` passes or the run is interrupted (InterruptFd),
  // whichever comes first. After kExited, exit_status() is its wait status.
  Outcome Wait(std::chrono::steady_clock::time_point deadline,
               int output_fd = -1, std::string* output = nullptr);
  int exit_status() const { return status_; }

 private:
  void KillAndReap();

  pid_t pid_ = -1;
  int pidfd_ = -1;  // readable once the child has exited
  bool reaped_ = false;
  int status_ = 0;
};

}  // namespace netbench

#endif  // NET_BENCH_BENCHMARKS_CHILD_PROCESS_H_
