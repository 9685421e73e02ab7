#ifndef NET_BENCH_HARNESS_SERVER_LIMITS_H_
#define NET_BENCH_HARNESS_SERVER_LIMITS_H_

// The server's own limits, which win over whatever a client asks for: a
// memory budget for connections' buffers, and what one connection costs.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>

#include "harness/protocol.h"
#include "lib/datagram_receiver.h"
#include "lib/sender.h"

namespace netbench {

// Memory the server lets connections take for their buffers, all together.
// Each connection reserves its cost (ConnectionCostBytes) before it
// allocates anything and gives it back when it ends. Thread-safe.
class MemoryBudget {
 public:
  // `limit` bytes in all; SIZE_MAX: no limit.
  explicit MemoryBudget(size_t limit) : limit_(limit) {}

  // Holds `bytes` of the budget until destroyed.
  class Reservation {
   public:
    Reservation() = default;
    Reservation(Reservation&& other) noexcept;
    Reservation& operator=(Reservation&& other) noexcept;
    Reservation(const Reservation&) = delete;
    Reservation& operator=(const Reservation&) = delete;
    ~Reservation();

   private:
    friend class MemoryBudget;
    Reservation(MemoryBudget* budget, size_t bytes)
        : budget_(budget), bytes_(bytes) {}
    MemoryBudget* budget_ = nullptr;
    size_t bytes_ = 0;
  };

  // Reserves `bytes` into `*out` and returns "", or returns why not
  // ("memory budget: ...") and leaves `*out` alone.
  std::string TryReserve(size_t bytes, Reservation* out);

  size_t in_use() const;
  size_t limit() const { return limit_; }

 private:
  void Release(size_t bytes);
  const size_t limit_;
  mutable std::mutex mu_;
  size_t in_use_ = 0;  // guarded by mu_
};

// The sender of the RR server side of a connection described by `hello`.
SenderOptions SenderOptionsOf(const Hello& hello,
                              std::chrono::milliseconds timeout);

// The receiver of the UdpStream server side of a connection.
DatagramReceiverOptions DatagramReceiverOptionsOf(const Hello& hello);

// What the server side of a connection described by `hello` allocates: its
// sender's working set (RR) or its receiver's buffers (Stream), and the
// thread that serves it. An upper bound, from the mechanisms' own figures
// (SenderMemoryBytes, ReceiverMemoryBytes).
// REQUIRES: ValidateHello(hello) is "".
size_t ConnectionCostBytes(const Hello& hello);

// "" when this process may pin the pages of one message of `size` bytes for
// a zero-copy send with `mode` (MSG_ZEROCOPY and io_uring's send-zc charge
// pinned pages to RLIMIT_MEMLOCK unless the process has CAP_IPC_LOCK), else
// why not. Modes that pin nothing always pass.
std::string MemlockRefusal(Mode mode, size_t size);

// "12 MiB", "512 KiB", "100 bytes".
std::string FormatBytes(size_t bytes);

}  // namespace netbench

#endif  // NET_BENCH_HARNESS_SERVER_LIMITS_H_
