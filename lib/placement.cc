#include "lib/placement.h"

#include <algorithm>
#include <charconv>
#include <stdexcept>

#include "base/sys_error.h"

namespace netbench {
namespace {

int ParseCpu(std::string_view text, std::string_view whole) {
  int v = -1;
  const auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() ||
      v < 0 || v >= CPU_SETSIZE)
    throw std::invalid_argument("'" + std::string(whole) +
                                "' is not a CPU list such as 0-3,6 (CPUs 0.." +
                                std::to_string(CPU_SETSIZE - 1) + ")");
  return v;
}

// The split policy's halves: client threads on the first, server threads on
// the second (the larger one when the list is odd).
size_t ClientHalf(size_t n) { return std::max<size_t>(n / 2, 1); }

}  // namespace

std::string_view AffinityName(Affinity affinity) {
  switch (affinity) {
    case Affinity::kSplit:
      return "split";
    case Affinity::kSame:
      return "same";
    case Affinity::kNone:
      break;
  }
  return "none";
}

std::optional<Affinity> ParseAffinity(std::string_view name) {
  for (Affinity a : {Affinity::kSplit, Affinity::kSame, Affinity::kNone})
    if (AffinityName(a) == name) return a;
  return std::nullopt;
}

Placement::Placement(Affinity affinity, std::vector<int> cpus)
    : affinity_(affinity), cpus_(std::move(cpus)) {
  if (const std::string why = Validate(affinity_, cpus_); !why.empty())
    throw std::invalid_argument(why);
}

std::string Placement::Validate(Affinity affinity,
                                const std::vector<int>& cpus) {
  if (affinity == Affinity::kNone) return "";
  if (cpus.empty()) return "--cpus: no CPU to place the threads on";
  if (affinity == Affinity::kSplit && cpus.size() < 2)
    return "--affinity=split needs at least 2 CPUs in --cpus (have " +
           FormatCpuList(cpus) + "); use --affinity=same";
  return "";
}

int Placement::ClientCpu(int i) const {
  if (affinity_ == Affinity::kNone || cpus_.empty()) return -1;
  const size_t n =
      affinity_ == Affinity::kSplit ? ClientHalf(cpus_.size()) : cpus_.size();
  return cpus_[static_cast<size_t>(i) % n];
}

int Placement::ServerCpu(int i) const {
  if (affinity_ == Affinity::kNone || cpus_.empty()) return -1;
  if (affinity_ == Affinity::kSame) return ClientCpu(i);
  const size_t first = ClientHalf(cpus_.size());
  return cpus_[first + static_cast<size_t>(i) % (cpus_.size() - first)];
}

std::vector<int> Placement::ClientCpus() const {
  if (affinity_ != Affinity::kSplit) return cpus_;
  return {cpus_.begin(),
          cpus_.begin() + static_cast<long>(ClientHalf(cpus_.size()))};
}

std::vector<int> Placement::ServerCpus() const {
  if (affinity_ != Affinity::kSplit) return cpus_;
  return {cpus_.begin() + static_cast<long>(ClientHalf(cpus_.size())),
          cpus_.end()};
}

int Placement::ThreadsWithOwnCpu() const {
  switch (affinity_) {
    case Affinity::kSplit:
      return static_cast<int>(ClientHalf(cpus_.size()));
    case Affinity::kSame:
      return 0;
    case Affinity::kNone:
      break;
  }
  return static_cast<int>(AllowedCpus().size() / 2);
}

std::string Placement::Describe() const {
  switch (affinity_) {
    case Affinity::kSplit:
      return "split: client CPUs " + FormatCpuList(ClientCpus()) +
             ", server CPUs " + FormatCpuList(ServerCpus());
    case Affinity::kSame:
      return "same: CPUs " + FormatCpuList(cpus_);
    case Affinity::kNone:
      break;
  }
  return "none";
}

std::vector<int> AllowedCpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof(set), &set) != 0)
    ThrowErrno("sched_getaffinity");
  std::vector<int> cpus;
  for (int c = 0; c < CPU_SETSIZE; ++c)
    if (CPU_ISSET(c, &set)) cpus.push_back(c);
  return cpus;
}

std::vector<int> ParseCpuList(std::string_view text) {
  std::vector<int> cpus;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = std::min(text.find(',', start), text.size());
    const std::string_view item = text.substr(start, comma - start);
    const size_t dash = item.find('-');
    const int lo = ParseCpu(item.substr(0, dash), text);
    const int hi = dash == std::string_view::npos
                       ? lo
                       : ParseCpu(item.substr(dash + 1), text);
    if (hi < lo)
      throw std::invalid_argument("'" + std::string(item) +
                                  "' is an empty CPU range");
    for (int c = lo; c <= hi; ++c) cpus.push_back(c);
    start = comma + 1;
  }
  std::sort(cpus.begin(), cpus.end());
  cpus.erase(std::unique(cpus.begin(), cpus.end()), cpus.end());
  return cpus;
}

std::string FormatCpuList(const std::vector<int>& cpus) {
  std::string out;
  for (size_t i = 0; i < cpus.size();) {
    size_t j = i;
    while (j + 1 < cpus.size() && cpus[j + 1] == cpus[j] + 1) ++j;
    if (!out.empty()) out += ',';
    out += std::to_string(cpus[i]);
    if (j > i) out += (j == i + 1 ? "," : "-") + std::to_string(cpus[j]);
    i = j + 1;
  }
  return out;
}

int CurrentCpu() { return ::sched_getcpu(); }

ScopedAffinity::ScopedAffinity(int cpu) {
  if (cpu < 0) return;
  if (::sched_getaffinity(0, sizeof(previous_), &previous_) != 0)
    ThrowErrno("sched_getaffinity");
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (::sched_setaffinity(0, sizeof(set), &set) != 0)
    ThrowErrno("sched_setaffinity(CPU " + std::to_string(cpu) + ")");
  pinned_ = true;
}

ScopedAffinity::~ScopedAffinity() {
  if (pinned_) ::sched_setaffinity(0, sizeof(previous_), &previous_);
}

}  // namespace netbench
