#ifndef NET_BENCH_LIB_KERNEL_HELD_MEMORY_H_
#define NET_BENCH_LIB_KERNEL_HELD_MEMORY_H_

// Memory for buffers that the kernel may go on using after their owner has
// given up on them: zero-copy sends (MSG_ZEROCOPY, io_uring SENDMSG_ZC)
// whose completions never came because the peer stopped reading.
//
// Zero-copy "temporarily shares the buffer between process and network
// stack", and "the kernel returns a notification when it is safe to modify
// data" (Documentation/networking/msg_zerocopy.rst, "Opportunity and
// Caveats"): until then skbs hold references to the buffer's pages. Were
// the buffer heap memory, freeing it early would let malloc hand those pages
// to the next allocation, another connection's message, while the kernel
// still transmits from them. Keeping it instead (the old way) leaks it for
// the life of the process, a remote memory leak driven by any peer that
// stops reading.
//
// So these buffers are anonymous mappings of their own, never heap memory.
// munmap() gives the virtual range back; a page the kernel still references
// stays alive as the kernel's alone until it drops the reference (the skb is
// freed: data acknowledged, or the socket reset or closed), and no mapping of
// this process can ever see it again, since a new anonymous mapping always
// gets fresh zeroed pages. A buffer can therefore be released at any time,
// completions or not; what a completion still guards is the content of a
// message in flight, which matters only while its sender uses it.
//
// One exception: an asynchronous request that has not taken its page
// references yet and will take them later from the virtual addresses it was
// given (an io_uring send queued in its ring, retried when the socket becomes
// writable). Were the range unmapped, a later mapping could take those
// addresses and the request would send that mapping's bytes. Abandon()
// covers it: the pages go, the addresses stay reserved as PROT_NONE for the
// life of the process (address space only, no memory), and such a request
// fails with EFAULT.

#include <cstddef>
#include <cstdint>

namespace netbench {

class KernelHeldMemory {
 public:
  KernelHeldMemory() = default;
  // `bytes` (rounded up to whole pages) of zeroed memory in a mapping of
  // its own, its pages populated. Throws SysError when the mapping fails
  // (ENOMEM).
  explicit KernelHeldMemory(size_t bytes);
  // Unmaps the range (see the top of the file for why that is always safe).
  ~KernelHeldMemory();
  KernelHeldMemory(KernelHeldMemory&& other) noexcept;
  KernelHeldMemory& operator=(KernelHeldMemory&& other) noexcept;
  KernelHeldMemory(const KernelHeldMemory&) = delete;
  KernelHeldMemory& operator=(const KernelHeldMemory&) = delete;

  std::byte* data() const { return base_; }
  size_t size() const { return size_; }

  // For memory that a request may still address by its virtual addresses:
  // replaces the pages with an inaccessible reservation kept for the life of
  // the process. Afterwards data() is null.
  void Abandon();

  // Bytes of address space reserved by Abandon() so far, process-wide.
  static uint64_t abandoned_bytes();

  // `bytes` rounded up to whole pages: what a mapping of `bytes` costs.
  static size_t RoundToPages(size_t bytes);

 private:
  std::byte* base_ = nullptr;
  size_t size_ = 0;
};

}  // namespace netbench

#endif  // NET_BENCH_LIB_KERNEL_HELD_MEMORY_H_
