#ifndef NET_BENCH_LIB_SENDER_H_
#define NET_BENCH_LIB_SENDER_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "lib/message.h"
#include "lib/mode.h"
#include "lib/side_record.h"

namespace netbench {

struct SenderOptions {
  size_t message_size = 1024;
  // The working set: the bytes of messages the sender goes round (lib/
  // message_pool.h), the same for every mode. SpliceZeroCopy, which cannot
  // learn when the kernel is done with a page, takes fresh pages for every
  // message instead (lib/splice_sender.cc).
  size_t working_set = size_t{4} << 20;
  // Bound on every wait of the sender (a blocked send, a completion that
  // does not come). A wait that runs past it throws SysError naming it.
  std::chrono::milliseconds timeout{5000};
  // UDP (lib/datagram.h): the bytes of each datagram a message is cut into;
  // 0 for a stream socket. UdpSendmmsg hands `batch` datagrams to each
  // sendmmsg(), across messages.
  size_t datagram = 0;
  size_t batch = 1;
};

// Sends messages of one size over one connected socket with one mode: TCP,
// or UDP for the modes whose transport is UDP (lib/mode.h).
// The socket is borrowed: destroy the sender before closing it (a zero-copy
// sender drains its completions, bounded by the timeout, when destroyed).
class Sender {
 public:
  virtual ~Sender() = default;

  // The message the next Send() transmits: the next one of the working set,
  // in order. The caller may write its fields (the payload, a --verify
  // stamp) until Send(). A buffer handed to the kernel for zero-copy is
  // never returned here before its completion has arrived, so this may wait
  // (bounded) for completions.
  virtual Message& Prepare() = 0;

  // Sends the prepared message completely (partial sends are resumed).
  // Throws SysError (peer gone, timeout, ...).
  virtual void Send() = 0;

  // Hands the kernel what Send() still holds back: UdpSendmmsg's partial
  // batch. A flow calls it when it stops sending, and after an answer.
  virtual void Flush() {}

  // Waits until the kernel has released every buffer it holds (zero-copy
  // completions). Throws SysError when `timeout` passes first.
  virtual void Drain(std::chrono::milliseconds timeout) { (void)timeout; }

  // What the sender counted so far (messages, bytes, syscalls, zero-copy
  // truth); the time and CPU fields are left to a ThreadMeter.
  const SideRecord& stats() const { return stats_; }

 protected:
  SideRecord stats_;
};

// Creates the sender for `mode` on the connected socket `fd`.
// Throws NotSupported ("not supported: <why>") when the running kernel lacks
// the mechanism, SysError on other setup failures.
std::unique_ptr<Sender> MakeSender(Mode mode, int fd,
                                   const SenderOptions& options);

// An upper bound on the memory MakeSender(mode, ...) takes with `options`
// (its working set and buffers), so that a server can check a budget before
// it makes one.
size_t SenderMemoryBytes(Mode mode, const SenderOptions& options);

// Empty when the running kernel supports `mode`, else why not. Probes once
// per mode (on a throwaway socket pair over loopback) and remembers.
std::string ModeUnsupportedReason(Mode mode);

}  // namespace netbench

#endif  // NET_BENCH_LIB_SENDER_H_
