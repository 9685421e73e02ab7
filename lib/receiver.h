#ifndef NET_BENCH_LIB_RECEIVER_H_
#define NET_BENCH_LIB_RECEIVER_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "base/wait_policy.h"
#include "lib/mode.h"
#include "lib/side_record.h"

namespace netbench {

// Gets every received byte, in order, in pieces of any size (--verify).
class ByteSink {
 public:
  virtual ~ByteSink() = default;
  virtual void Consume(std::span<const std::byte> bytes) = 0;
};

struct ReceiverOptions {
  // The largest Receive() call to expect (the message size, or more).
  size_t max_chunk = 1 << 20;
  // Bound on each blocking wait; past it Receive throws SysError.
  std::chrono::milliseconds timeout{5000};
  // How to wait for data that has not arrived yet: sleep in the kernel, or
  // poll without sleeping (base/wait_policy.h).
  WaitPolicy wait = WaitPolicy::kBlock;
};

// Takes bytes off one connected TCP socket (borrowed, not owned).
class Receiver {
 public:
  virtual ~Receiver() = default;
  // Receives exactly `n` bytes. When `sink` is given every byte goes to it
  // (a kTrunc receiver cannot: it never sees the bytes). Throws PeerClosed
  // (base/sys_error.h) on end of stream, with how many of the `n` bytes had
  // arrived; SysError on timeout or error.
  virtual void Receive(size_t n, ByteSink* sink) = 0;
  // What the receiver counted so far (messages are not counted here: a
  // Receive() call is not necessarily one message).
  const SideRecord& stats() const { return stats_; }

 protected:
  SideRecord stats_;
};

// An upper bound on the memory MakeReceiver(mode, ..., options) takes (its
// buffers, and for kZeroCopy the pages it maps while it reads them), so that
// a server can check a budget before it makes one.
size_t ReceiverMemoryBytes(RxMode mode, const ReceiverOptions& options);

// Throws NotSupported when the running kernel lacks the mechanism.
std::unique_ptr<Receiver> MakeReceiver(RxMode mode, int fd,
                                       const ReceiverOptions& options);

}  // namespace netbench

#endif  // NET_BENCH_LIB_RECEIVER_H_
