#include "harness/server_limits.h"

#include <sys/resource.h>

#include <algorithm>
#include <fstream>
#include <limits>
#include <utility>

#include "lib/receiver.h"
#include "lib/sender.h"

namespace netbench {
namespace {

// The serving thread's touched stack and its bookkeeping: its stack is 8 MiB
// of address space, of which a connection touches a few pages.
constexpr size_t kThreadBytes = size_t{256} << 10;

// The stream receiver's chunk, as harness/server.cc sizes it.
constexpr size_t kMaxChunk = size_t{1} << 20;

// CAP_IPC_LOCK (linux/capability.h) in the effective set, from
// /proc/self/status: the capability lifts RLIMIT_MEMLOCK for pinned pages.
bool HasIpcLock() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("CapEff:", 0) != 0) continue;
    const unsigned long long caps = std::stoull(line.substr(7), nullptr, 16);
    constexpr int kCapIpcLock = 14;
    return (caps >> kCapIpcLock) & 1;
  }
  return false;
}

}  // namespace

MemoryBudget::Reservation::Reservation(Reservation&& other) noexcept
    : budget_(std::exchange(other.budget_, nullptr)),
      bytes_(std::exchange(other.bytes_, 0)) {}

MemoryBudget::Reservation& MemoryBudget::Reservation::operator=(
    Reservation&& other) noexcept {
  if (this != &other) {
    if (budget_) budget_->Release(bytes_);
    budget_ = std::exchange(other.budget_, nullptr);
    bytes_ = std::exchange(other.bytes_, 0);
  }
  return *this;
}

MemoryBudget::Reservation::~Reservation() {
  if (budget_) budget_->Release(bytes_);
}

std::string MemoryBudget::TryReserve(size_t bytes, Reservation* out) {
  std::lock_guard lock(mu_);
  if (limit_ != std::numeric_limits<size_t>::max() &&
      (bytes > limit_ || in_use_ > limit_ - bytes))
    return "memory budget: this connection needs " + FormatBytes(bytes) + ", " +
           FormatBytes(in_use_) + " of " + FormatBytes(limit_) +
           " are in use (--max_memory)";
  in_use_ += bytes;
  *out = Reservation(this, bytes);
  return "";
}

size_t MemoryBudget::in_use() const {
  std::lock_guard lock(mu_);
  return in_use_;
}

void MemoryBudget::Release(size_t bytes) {
  std::lock_guard lock(mu_);
  in_use_ -= bytes;
}

SenderOptions SenderOptionsOf(const Hello& hello,
                              std::chrono::milliseconds timeout) {
  SenderOptions o;
  o.message_size = static_cast<size_t>(hello.size);
  o.working_set = static_cast<size_t>(hello.working_set);
  o.timeout = timeout;
  o.datagram = hello.datagram;
  o.batch = hello.batch;
  return o;
}

DatagramReceiverOptions DatagramReceiverOptionsOf(const Hello& hello) {
  DatagramReceiverOptions o;
  o.datagram = hello.datagram;
  o.batch = hello.batch;
  return o;
}

size_t ConnectionCostBytes(const Hello& hello) {
  const size_t size = static_cast<size_t>(hello.size);
  size_t buffers = 0;
  const auto pattern = static_cast<Pattern>(hello.pattern);
  if (!ClientSends(pattern)) {
    buffers = SenderMemoryBytes(static_cast<Mode>(hello.mode),
                                SenderOptionsOf(hello, {}));
  } else if (TransportOf(pattern) == Transport::kUdp) {
    buffers = DatagramReceiverBytes(static_cast<UdpRx>(hello.rx),
                                    DatagramReceiverOptionsOf(hello));
  } else {
    ReceiverOptions ro;
    ro.max_chunk = std::min(size, kMaxChunk);
    buffers = ReceiverMemoryBytes(static_cast<RxMode>(hello.rx), ro);
  }
  return buffers + kThreadBytes;
}

std::string MemlockRefusal(Mode mode, size_t size) {
  if (!IsZeroCopyNotified(mode)) return "";
  rlimit limit{};
  if (::getrlimit(RLIMIT_MEMLOCK, &limit) != 0 ||
      limit.rlim_cur == RLIM_INFINITY || size <= limit.rlim_cur || HasIpcLock())
    return "";
  return "memlock: a " + FormatBytes(size) +
         " message cannot be pinned for a zero-copy send within the server's "
         "RLIMIT_MEMLOCK of " +
         FormatBytes(static_cast<size_t>(limit.rlim_cur));
}

std::string FormatBytes(size_t bytes) {
  constexpr size_t kKiB = size_t{1} << 10, kMiB = size_t{1} << 20,
                   kGiB = size_t{1} << 30;
  if (bytes >= kGiB && bytes % kGiB == 0)
    return std::to_string(bytes / kGiB) + " GiB";
  if (bytes >= kMiB) return std::to_string((bytes + kMiB / 2) / kMiB) + " MiB";
  if (bytes >= kKiB) return std::to_string((bytes + kKiB / 2) / kKiB) + " KiB";
  return std::to_string(bytes) + " bytes";
}

}  // namespace netbench
