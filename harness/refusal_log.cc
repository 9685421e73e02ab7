#include "harness/refusal_log.h"

#include <algorithm>
#include <vector>

#include "base/printable.h"

namespace netbench {

const char* RefusalName(Refusal kind) {
  switch (kind) {
    case Refusal::kStartupBudget:
      return "handshake budget";
    case Refusal::kConnectionLimit:
      return "connection limit";
    case Refusal::kAddressLimit:
      return "per-address limit";
    case Refusal::kMemoryBudget:
      return "memory budget";
    case Refusal::kAuthentication:
      return "authentication";
    case Refusal::kFdLimit:
      return "fd limit";
    case Refusal::kMemlock:
      return "memlock";
    case Refusal::kBadHello:
      return "bad hello";
    case Refusal::kHandshakeTimeout:
      return "handshake timeout";
    case Refusal::kUnsupported:
      return "unsupported";
    case Refusal::kFailed:
      return "failed";
    case Refusal::kOther:
      return "other";
  }
  return "other";
}

RefusalLog::RefusalLog(std::FILE* out, std::chrono::milliseconds interval,
                       int burst_per_kind)
    : out_(out),
      interval_(interval),
      burst_(burst_per_kind),
      start_(std::chrono::steady_clock::now()) {}

void RefusalLog::Note(Refusal kind, const std::string& line) {
  std::lock_guard lock(mu_);
  const auto now = std::chrono::steady_clock::now();
  if (now - start_ >= interval_) Summarize();
  const size_t k = static_cast<size_t>(kind);
  ++totals_[k];
  if (++counts_[k] <= static_cast<uint64_t>(burst_)) {
    ++written_;
    if (out_)
      std::fprintf(out_, "net_bench serve: %s\n", Printable(line).c_str());
  } else {
    ++unwritten_;
  }
}

int RefusalLog::Tick() {
  std::lock_guard lock(mu_);
  const auto now = std::chrono::steady_clock::now();
  if (now - start_ >= interval_) Summarize();
  if (unwritten_ == 0) return -1;
  const auto left =
      std::chrono::ceil<std::chrono::milliseconds>(start_ + interval_ - now);
  return static_cast<int>(std::max<long>(left.count(), 1));
}

void RefusalLog::Flush() {
  std::lock_guard lock(mu_);
  Summarize();
}

uint64_t RefusalLog::total(Refusal kind) const {
  std::lock_guard lock(mu_);
  return totals_[static_cast<size_t>(kind)];
}

void RefusalLog::Summarize() {
  const auto now = std::chrono::steady_clock::now();
  if (unwritten_ > 0 && out_) {
    std::vector<size_t> kinds;
    for (size_t k = 0; k < kRefusalKinds; ++k)
      if (counts_[k] > 0) kinds.push_back(k);
    std::sort(kinds.begin(), kinds.end(),
              [&](size_t a, size_t b) { return counts_[a] > counts_[b]; });
    std::string what;
    for (size_t k : kinds)
      what += (what.empty() ? "" : ", ") + std::to_string(counts_[k]) + " " +
              RefusalName(static_cast<Refusal>(k));
    const double seconds = std::chrono::duration<double>(now - start_).count();
    std::fprintf(out_,
                 "net_bench serve: refused or failed %llu connections in the "
                 "last %.*f s (%llu shown): %s\n",
                 static_cast<unsigned long long>(written_ + unwritten_),
                 seconds < 10 ? 1 : 0, seconds,
                 static_cast<unsigned long long>(written_), what.c_str());
  }
  counts_ = {};
  written_ = 0;
  unwritten_ = 0;
  start_ = now;
}

}  // namespace netbench
