#ifndef NET_BENCH_LIB_MESSAGE_POOL_H_
#define NET_BENCH_LIB_MESSAGE_POOL_H_

#include <cstddef>
#include <vector>

#include "lib/kernel_held_memory.h"
#include "lib/message.h"

namespace netbench {

// The working set of a sender: `count` messages of `message_size` bytes,
// each of kFields fields, all in one KernelHeldMemory, so that the pool can
// be released (or abandoned) whatever the kernel still holds (see
// lib/kernel_held_memory.h). Every mode sends from one of these, going
// round it in order (DESIGN.md section 3, "One data regime for every mode"):
// the copy modes freely, the zero-copy modes waiting at a message whose
// completion has not come yet.
//
// Every field has an address of its own, as with separate allocations: a
// field of a page or more starts on a page boundary, a smaller one on a
// cache line of its own.
class MessagePool {
 public:
  MessagePool() = default;
  // Throws SysError when the memory cannot be mapped.
  MessagePool(size_t count, size_t message_size);

  size_t size() const { return messages_.size(); }
  Message& operator[](size_t i) { return messages_[i]; }
  KernelHeldMemory& memory() { return memory_; }

  // What a pool of `count` messages of `message_size` bytes maps.
  static size_t BytesFor(size_t count, size_t message_size);

  // How many messages of `message_size` bytes a working set of
  // `working_set` bytes holds: enough to cover it, plus one being written
  // and one being sent beyond what is in flight, at most kMaxMessages.
  static size_t CountFor(size_t working_set, size_t message_size);
  // Bounds the bookkeeping of tiny messages (whose working set is then
  // smaller than asked: the context reports what each size got).
  static constexpr size_t kMaxMessages = size_t{1} << 14;

 private:
  KernelHeldMemory memory_;
  std::vector<BorrowedMessage> messages_;
};

// A copy mode's way round its pool: Prepare() moves to the next message
// (once per message), Take() hands the prepared one on to be sent. The
// kernel copies before the send returns, so nothing waits.
class PoolCursor {
 public:
  // Throws SysError when the memory cannot be mapped.
  PoolCursor(size_t count, size_t message_size) : pool_(count, message_size) {}

  Message& Prepare() {
    if (!prepared_) {
      next_ = next_ + 1 == pool_.size() ? 0 : next_ + 1;
      prepared_ = true;
    }
    return pool_[next_];
  }
  // The prepared message, handed on exactly once.
  Message& Take() {
    Message& m = Prepare();
    prepared_ = false;
    return m;
  }

 private:
  MessagePool pool_;
  size_t next_ = 0;
  bool prepared_ = false;
};

}  // namespace netbench

#endif  // NET_BENCH_LIB_MESSAGE_POOL_H_
