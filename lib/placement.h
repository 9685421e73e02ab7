#ifndef NET_BENCH_LIB_PLACEMENT_H_
#define NET_BENCH_LIB_PLACEMENT_H_

// Where the threads of a benchmark run. On a small machine the placement of
// the sending and receiving threads decides the numbers as much as the
// mechanism does: left to the scheduler, the two threads of a connection
// share a CPU in one run and not in the next, and the throughput differs by
// up to 2x between such runs (a bare sender/receiver pair over veth at
// 64 KiB: 9.7-17.8 Gbps unpinned, 16.7-17.4 Gbps pinned to two CPUs).

#include <sched.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace netbench {

enum class Affinity {
  // The sending and receiving threads of each connection on different CPUs:
  // client threads on the first half of the CPU list, server threads on the
  // second, connection i on CPU i mod (half's size) of its half.
  kSplit,
  // Both threads of connection i on CPU i mod (list's size).
  kSame,
  // No pinning: the scheduler decides.
  kNone,
};

std::string_view AffinityName(Affinity affinity);
std::optional<Affinity> ParseAffinity(std::string_view name);

// A placement policy over a list of CPUs.
class Placement {
 public:
  // REQUIRES: `cpus` is not empty, and holds at least 2 CPUs for kSplit
  // (Validate says so in one line).
  Placement(Affinity affinity, std::vector<int> cpus);
  // No pinning.
  Placement() : Placement(Affinity::kNone, {}) {}

  // "" when the policy can be applied, else why not, in one line.
  static std::string Validate(Affinity affinity, const std::vector<int>& cpus);

  Affinity affinity() const { return affinity_; }
  const std::vector<int>& cpus() const { return cpus_; }

  // The CPU for the client (benchmark) thread of connection `i`, and for
  // the server thread of the same connection; -1: not pinned.
  int ClientCpu(int i) const;
  int ServerCpu(int i) const;
  // The CPUs client threads and server threads use.
  std::vector<int> ClientCpus() const;
  std::vector<int> ServerCpus() const;
  // Threads that can each have a CPU of their own on one side: the client
  // side's CPU count (split), 0 (same: the two threads of a connection
  // share one), or half the list (none).
  int ThreadsWithOwnCpu() const;

  // "split: client CPUs 0, server CPUs 1", "same: CPUs 0-1", "none".
  std::string Describe() const;

 private:
  Affinity affinity_;
  std::vector<int> cpus_;
};

// The CPUs this process may run on (sched_getaffinity), ascending.
std::vector<int> AllowedCpus();

// "0-3,6" -> {0, 1, 2, 3, 6}: sorted, without duplicates. Throws
// std::invalid_argument with one line naming what is wrong.
std::vector<int> ParseCpuList(std::string_view text);

// {0, 1, 2, 3, 6} -> "0-3,6".
std::string FormatCpuList(const std::vector<int>& cpus);

// The CPU the calling thread is running on (sched_getcpu), -1 if unknown.
int CurrentCpu();

// Pins the calling thread to one CPU for the object's lifetime and restores
// the thread's previous affinity mask when destroyed (Google Benchmark runs
// thread 0 of every benchmark on the main thread, which must not stay
// pinned). cpu < 0 leaves the thread as it is. Throws SysError when the
// kernel refuses the CPU.
class ScopedAffinity {
 public:
  explicit ScopedAffinity(int cpu);
  ~ScopedAffinity();
  ScopedAffinity(const ScopedAffinity&) = delete;
  ScopedAffinity& operator=(const ScopedAffinity&) = delete;

 private:
  bool pinned_ = false;
  cpu_set_t previous_{};
};

}  // namespace netbench

#endif  // NET_BENCH_LIB_PLACEMENT_H_
