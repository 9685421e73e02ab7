#ifndef NET_BENCH_HARNESS_REFUSAL_LOG_H_
#define NET_BENCH_HARNESS_REFUSAL_LOG_H_

// The server's log of refused and failed connections, rate-limited: a flood
// must not become a flood of log lines. In each interval the first few
// events of each kind are written in full; the rest are only counted, and
// when the interval ends one summary line gives them all:
//
//   net_bench serve: refused or failed 1826 connections in the last 10 s
//   (12 shown): 1800 connection limit, 26 authentication

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>

namespace netbench {

enum class Refusal {
  kStartupBudget,  // too many connections in their handshake
  kConnectionLimit,
  kAddressLimit,
  kMemoryBudget,
  kAuthentication,
  kFdLimit,
  kMemlock,
  kBadHello,
  kHandshakeTimeout,
  kUnsupported,
  kFailed,  // accepted, then failed in the data phase
  kOther,
};
inline constexpr size_t kRefusalKinds = 12;

// "connection limit", "authentication", ...
const char* RefusalName(Refusal kind);

class RefusalLog {
 public:
  // Writes to `out` (nullptr: counts only, writes nothing).
  explicit RefusalLog(
      std::FILE* out,
      std::chrono::milliseconds interval = std::chrono::seconds(10),
      int burst_per_kind = 3);

  // Records one event; writes "net_bench serve: <line>" unless this kind
  // already had its burst in the current interval. Thread-safe.
  void Note(Refusal kind, const std::string& line);

  // Ends the current interval if it is over, writing its summary line when
  // events went unwritten. Returns the milliseconds until the interval
  // holding unwritten events ends (for a poll timeout), or -1 when there
  // are none.
  int Tick();

  // Writes the summary of what went unwritten so far (at stop).
  void Flush();

  // Events of `kind` since the start.
  uint64_t total(Refusal kind) const;

 private:
  void Summarize();  // REQUIRES: mu_ held

  std::FILE* const out_;
  const std::chrono::milliseconds interval_;
  const int burst_;
  mutable std::mutex mu_;
  std::chrono::steady_clock::time_point start_;   // of the interval
  std::array<uint64_t, kRefusalKinds> counts_{};  // this interval
  std::array<uint64_t, kRefusalKinds> totals_{};
  uint64_t written_ = 0;    // this interval
  uint64_t unwritten_ = 0;  // this interval
};

}  // namespace netbench

#endif  // NET_BENCH_HARNESS_REFUSAL_LOG_H_
