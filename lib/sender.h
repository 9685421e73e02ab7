#ifndef NET_BENCH_LIB_SENDER_H_
#define NET_BENCH_LIB_SENDER_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "lib/message.h"
#include "lib/mode.h"

namespace netbench {

struct SenderStats {
  uint64_t messages = 0;  // messages sent completely
  uint64_t bytes = 0;     // payload bytes sent
  uint64_t syscalls = 0;  // syscalls issued by the sender (io_uring_enter included)
  // Zero-copy truth; only the modes that ask for notifications fill these.
  uint64_t zc_sends = 0;        // sends that asked for zero-copy
  uint64_t zc_notifications = 0;  // completion notifications read
  uint64_t zc_completed = 0;    // sends whose completion has arrived
  uint64_t zc_copied = 0;       // of those, the ones the kernel copied after all
  uint64_t zc_enobufs = 0;      // ENOBUFS (optmem exhausted) met and drained
  // False when the kernel cannot say whether it copied (io_uring before
  // Linux 6.2): zc_copied is then meaningless and left out of the results.
  bool zc_copied_known = true;
};

struct SenderOptions {
  size_t message_size = 1024;
  // Bound on every wait of the sender (a blocked send, a completion that
  // does not come). A wait that runs past it throws SysError naming it.
  std::chrono::milliseconds timeout{5000};
};

// Sends messages of one size over one connected TCP socket with one mode.
// The socket is borrowed: destroy the sender before closing it (a zero-copy
// sender drains its completions, bounded by the timeout, when destroyed).
class Sender {
 public:
  virtual ~Sender() = default;

  // The message the next Send() transmits. The caller may write its fields
  // (a --verify stamp, new data) until Send(). A buffer handed to the kernel
  // for zero-copy is never returned here before its completion has arrived,
  // so this may wait (bounded) for completions.
  virtual Message& Prepare() = 0;

  // Sends the prepared message completely (partial sends are resumed).
  // Throws SysError (peer gone, timeout, ...).
  virtual void Send() = 0;

  // Waits until the kernel has released every buffer it holds (zero-copy
  // completions). Throws SysError when `timeout` passes first.
  virtual void Drain(std::chrono::milliseconds timeout) { (void)timeout; }

  const SenderStats& stats() const { return stats_; }

 protected:
  SenderStats stats_;
};

// Creates the sender for `mode` on the connected socket `fd`.
// Throws NotSupported ("not supported: <why>") when the running kernel lacks
// the mechanism, SysError on other setup failures.
std::unique_ptr<Sender> MakeSender(Mode mode, int fd,
                                   const SenderOptions& options);

// Empty when the running kernel supports `mode`, else why not. Probes once
// per mode (on a throwaway socket pair over loopback) and remembers.
std::string ModeUnsupportedReason(Mode mode);

}  // namespace netbench

#endif  // NET_BENCH_LIB_SENDER_H_
