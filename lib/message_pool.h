#ifndef NET_BENCH_LIB_MESSAGE_POOL_H_
#define NET_BENCH_LIB_MESSAGE_POOL_H_

#include <cstddef>
#include <vector>

#include "lib/kernel_held_memory.h"
#include "lib/message.h"

namespace netbench {

// The messages of a zero-copy sender: `count` messages of `message_size`
// bytes, each of kFields fields, all in one KernelHeldMemory, so that the
// pool can be released (or abandoned) whatever the kernel still holds (see
// lib/kernel_held_memory.h).
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

 private:
  KernelHeldMemory memory_;
  std::vector<BorrowedMessage> messages_;
};

}  // namespace netbench

#endif  // NET_BENCH_LIB_MESSAGE_POOL_H_
