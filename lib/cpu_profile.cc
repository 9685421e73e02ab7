#include "lib/cpu_profile.h"

#include <algorithm>
#include <fstream>

namespace netbench {
namespace {

// Marks cached per symbol: a category index, or one of these.
constexpr int16_t kMarkUnset = -3;
constexpr int16_t kMarkPrimitive = -2;
constexpr int16_t kMarkUnknown = FrameMark::kUnknown;

FrameMark FromCache(int16_t cached) {
  FrameMark m;
  if (cached == kMarkPrimitive) {
    m.copy_primitive = true;
  } else {
    m.category = cached;
  }
  return m;
}

int16_t ToCache(const FrameMark& m) {
  return m.copy_primitive ? kMarkPrimitive : m.category;
}

std::string FirstLine(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

}  // namespace

ProfileBuilder::ProfileBuilder(const KernelSymbols& kernel,
                               const UserSymbols& user,
                               const CpuAttribution& attribution, Scope scope)
    : kernel_(kernel),
      user_(user),
      attribution_(attribution),
      scope_(scope),
      kernel_marks_(kernel.size(), kMarkUnset),
      user_marks_(user.size(), kMarkUnset) {
  profile_.totals[static_cast<size_t>(SampledEvent::kCpuClock)].emplace();
}

FrameMark ProfileBuilder::MarkOf(const Frame& f) {
  if (f.symbol < 0) return FrameMark{kMarkUnknown, false};
  std::vector<int16_t>& cache = f.kernel ? kernel_marks_ : user_marks_;
  int16_t& cached = cache[static_cast<size_t>(f.symbol)];
  if (cached == kMarkUnset)
    cached = ToCache(attribution_.Mark(
        f.kernel ? kernel_.name(f.symbol) : user_.name(f.symbol), f.kernel));
  return FromCache(cached);
}

std::string_view ProfileBuilder::NameOf(const Frame& f) const {
  if (f.kernel) return f.symbol >= 0 ? kernel_.name(f.symbol) : "[kernel]";
  if (f.symbol >= 0) return user_.name(f.symbol);
  const int object = user_.FindObject(f.address);
  return object >= 0 ? std::string_view(user_.object_name(object))
                     : "[unknown]";
}

std::string ProfileBuilder::CommOf(uint32_t pid, uint32_t tid) {
  if (pid == 0) return "swapper";
  auto it = comms_.find(tid);
  if (it != comms_.end()) return it->second;
  // This process's threads fold into one root, whatever their names;
  // another's are named by the thread, or by their process once the thread
  // is gone, or by its number.
  std::string comm = pid == scope_.self_pid
                         ? FirstLine("/proc/self/comm")
                         : FirstLine("/proc/" + std::to_string(pid) + "/task/" +
                                     std::to_string(tid) + "/comm");
  if (comm.empty()) comm = FirstLine("/proc/" + std::to_string(pid) + "/comm");
  if (comm.empty()) comm = "pid:" + std::to_string(pid);
  for (char& c : comm)
    if (c == ';' || c == ' ') c = '_';
  return comms_.emplace(tid, comm).first->second;
}

void ProfileBuilder::Add(const RawSample& sample) {
  const bool cpu_clock = sample.event == SampledEvent::kCpuClock;
  const auto time = static_cast<int64_t>(sample.time_ns);
  if (time < scope_.start_ns || time >= scope_.end_ns) {
    if (cpu_clock) ++profile_.outside_window;
    return;
  }
  // The chain, innermost first: context markers (values of
  // PERF_CONTEXT_MAX and above), then that context's IPs. The first IP of a
  // context is where the CPU was (or, in user space under a syscall, the
  // instruction after the syscall); each after it is a return address, the
  // instruction after a call: one byte back is inside the call, and inside
  // the caller even when the call was its last instruction.
  frames_.clear();
  enum class Context { kNone, kKernel, kUser } context = Context::kNone;
  bool first = true;
  bool user_done = false;
  for (const uint64_t v : sample.chain) {
    if (v >= static_cast<uint64_t>(PERF_CONTEXT_MAX)) {
      context =
          v == static_cast<uint64_t>(PERF_CONTEXT_KERNEL) ? Context::kKernel
          : v == static_cast<uint64_t>(PERF_CONTEXT_USER) ? Context::kUser
                                                          : Context::kNone;
      first = true;
      continue;
    }
    const uint64_t address = first ? v : v - 1;
    if (context == Context::kKernel) {
      frames_.push_back({true, kernel_.Find(address), address});
    } else if (context == Context::kUser && !user_done) {
      // Past the first user frame (the sampled IP, or the syscall's call
      // site), the kernel follows frame pointers, which code built without
      // them (glibc, -O2) does not keep: the first address that is in no
      // known function ends the user chain.
      const int symbol = user_.Find(address);
      if (symbol < 0 && !first) {
        user_done = true;
        continue;
      }
      frames_.push_back({false, symbol, address});
    }
    first = false;
  }

  marks_.clear();
  bool has_user = false;
  bool in_softirq = false;
  static const size_t softirq = FindCpuCategory("veth_softirq");
  for (const Frame& f : frames_) {
    marks_.push_back(MarkOf(f));
    has_user |= !f.kernel;
    in_softirq |=
        f.kernel && marks_.back().category == static_cast<int16_t>(softirq);
  }
  // A kernel thread has no user part: ksoftirqd, a kworker.
  const bool kept = sample.pid == scope_.self_pid
                        ? sample.tid != scope_.skip_tid
                        : sample.pid == 0 || (!has_user && in_softirq);
  if (!kept) {
    if (cpu_clock) ++profile_.left_out_samples;
    return;
  }
  const size_t category = CpuAttribution::Attribute(marks_);
  auto& totals = profile_.totals[static_cast<size_t>(sample.event)];
  if (!totals) totals.emplace();
  const auto period = static_cast<double>(sample.period);
  totals->by_category[category] += period;
  totals->total += period;
  if (!cpu_clock) return;
  ++profile_.samples;
  if (sample.kernel && category != IdleCpuCategory()) {
    ++profile_.kernel_busy_samples;
    if (category != OtherCpuCategory()) ++profile_.kernel_named_samples;
  }
  Fold(sample.pid, sample.tid, 1);
}

void ProfileBuilder::Fold(uint32_t pid, uint32_t tid, uint64_t count) {
  key_ = CommOf(pid, tid);
  // frames_ is innermost first, kernel before user: backwards, it is the
  // user chain from its outermost frame, then the kernel's.
  for (auto it = frames_.rbegin(); it != frames_.rend(); ++it) {
    key_ += ';';
    key_ += NameOf(*it);
    if (it->kernel) key_ += "_[k]";
  }
  profile_.stacks[key_] += count;
}

CpuProfile ProfileBuilder::Take(const SamplerLosses& losses, bool cycles,
                                bool llc) {
  profile_.losses = losses;
  // A sampled event with no sample kept still measured: zero, not absent.
  if (cycles && !profile_.totals[static_cast<size_t>(SampledEvent::kCycles)])
    profile_.totals[static_cast<size_t>(SampledEvent::kCycles)].emplace();
  if (llc && !profile_.totals[static_cast<size_t>(SampledEvent::kLlcMisses)])
    profile_.totals[static_cast<size_t>(SampledEvent::kLlcMisses)].emplace();
  return std::move(profile_);
}

CpuProfile CollectProfile(CpuSampler& sampler,
                          const ProfileBuilder::Scope& scope) {
  static const CpuAttribution* attribution = new CpuAttribution();
  ProfileBuilder builder(KernelSymbols::Running(), UserSymbols::Self(),
                         *attribution, scope);
  const SamplerLosses losses =
      sampler.Drain([&](const RawSample& s) { builder.Add(s); });
  const auto& events = sampler.events();
  const auto has = [&](SampledEvent e) {
    return std::find(events.begin(), events.end(), e) != events.end();
  };
  CpuProfile profile = builder.Take(losses, has(SampledEvent::kCycles),
                                    has(SampledEvent::kLlcMisses));
  profile.window_ns = scope.end_ns - scope.start_ns;
  return profile;
}

}  // namespace netbench
