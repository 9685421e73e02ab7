#ifndef NET_BENCH_LIB_CPU_PROFILE_H_
#define NET_BENCH_LIB_CPU_PROFILE_H_

// What one window's samples say (DESIGN.md section 7): each event's time or
// count by category (lib/cpu_categories.h) and the cpu-clock samples' call
// chains as folded stacks, the format flame-graph tools read (one line per
// distinct chain: "comm;outermost;...;innermost count", kernel functions
// marked "_[k]" as perf's stackcollapse --kernel marks them, which
// flamegraph.pl colours apart).
//
// Which samples are the run's. Every task on the run's CPUs is sampled; the
// profile keeps this process's threads (io_uring's workers included), the
// idle task (and the softirqs it serves), and kernel threads serving a
// softirq (ksoftirqd: the network work a run causes outside its threads).
// Other processes (another user's build on a shared machine, even in a
// softirq that interrupted them), kernel threads' own housekeeping and the
// profiler's own thread are left out, and counted. On a shared machine the
// softirqs kept may also serve other users' traffic: the profile cannot
// tell whose packets a softirq moves.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "lib/cpu_attribution.h"
#include "lib/cpu_categories.h"
#include "lib/cpu_sampler.h"
#include "lib/kernel_symbols.h"
#include "lib/user_symbols.h"

namespace netbench {

// One event's samples by category: the sum of their periods (ns for
// cpu-clock, events for cycles and LLC misses).
struct CategoryTotals {
  std::array<double, kNumCpuCategories> by_category{};
  double total = 0;
};

using FoldedStacks = std::unordered_map<std::string, uint64_t>;

struct CpuProfile {
  int64_t window_ns = 0;  // the window the samples were kept from
  // By SampledEvent; absent when the event was not sampled.
  std::array<std::optional<CategoryTotals>, kNumSampledEvents> totals;
  // cpu-clock samples kept.
  uint64_t samples = 0;
  // Of those, taken in kernel mode outside the idle category, and of those
  // attributed to a category other than "other".
  uint64_t kernel_busy_samples = 0;
  uint64_t kernel_named_samples = 0;
  // cpu-clock samples left out: other processes, the profiler's thread.
  uint64_t left_out_samples = 0;
  // Samples the kernel wrote outside the window (around enable and
  // disable), discarded.
  uint64_t outside_window = 0;
  SamplerLosses losses;
  FoldedStacks stacks;  // cpu-clock samples kept
};

// Turns samples into a CpuProfile: symbolises their chains, attributes them
// and folds them. One per window.
class ProfileBuilder {
 public:
  struct Scope {
    uint32_t self_pid = 0;  // this process
    uint32_t skip_tid = 0;  // the profiler's own thread (0: none)
    int64_t start_ns = 0;   // the window, CLOCK_MONOTONIC
    int64_t end_ns = 0;
  };
  ProfileBuilder(const KernelSymbols& kernel, const UserSymbols& user,
                 const CpuAttribution& attribution, Scope scope);

  void Add(const RawSample& sample);
  CpuProfile Take(const SamplerLosses& losses, bool cycles, bool llc);

  // How a thread is named as the root of its stacks.
  std::string CommOf(uint32_t pid, uint32_t tid);

 private:
  struct Frame {
    bool kernel;
    int symbol;  // KernelSymbols or UserSymbols index, or kNone
    uint64_t address;
  };
  FrameMark MarkOf(const Frame& f);
  std::string_view NameOf(const Frame& f) const;
  void Fold(uint32_t pid, uint32_t tid, uint64_t count);

  const KernelSymbols& kernel_;
  const UserSymbols& user_;
  const CpuAttribution& attribution_;
  Scope scope_;
  CpuProfile profile_;
  // Marks by symbol, filled as symbols are met (kMarkUnset before).
  std::vector<int16_t> kernel_marks_;
  std::vector<int16_t> user_marks_;
  std::unordered_map<uint32_t, std::string> comms_;
  // Reused for every sample.
  std::vector<Frame> frames_;
  std::vector<FrameMark> marks_;
  std::string key_;
};

// Drains `sampler` (disabled) into the profile of the window [start_ns,
// end_ns) of `scope`, with the running kernel's and this process's symbols.
// Outside the window: symbolising allocates.
CpuProfile CollectProfile(CpuSampler& sampler,
                          const ProfileBuilder::Scope& scope);

}  // namespace netbench

#endif  // NET_BENCH_LIB_CPU_PROFILE_H_
