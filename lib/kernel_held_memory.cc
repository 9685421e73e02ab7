#include "lib/kernel_held_memory.h"

#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <utility>

#include "base/sizes.h"
#include "base/sys_error.h"

namespace netbench {
namespace {

std::atomic<uint64_t> g_abandoned{0};

}  // namespace

size_t KernelHeldMemory::RoundToPages(size_t bytes) {
  return RoundUp(bytes, PageSize());
}

KernelHeldMemory::KernelHeldMemory(size_t bytes)
    : size_(RoundToPages(bytes == 0 ? 1 : bytes)) {
  // Populated now, outside any measurement: the first pass over a working
  // set must not pay a page fault per page that later passes do not.
  void* p = ::mmap(nullptr, size_, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
  if (p == MAP_FAILED) {
    size_ = 0;
    ThrowErrno("mmap(" + std::to_string(bytes) +
               " bytes for zero-copy buffers)");
  }
  base_ = static_cast<std::byte*>(p);
}

KernelHeldMemory::~KernelHeldMemory() {
  if (base_) ::munmap(base_, size_);
}

KernelHeldMemory::KernelHeldMemory(KernelHeldMemory&& other) noexcept
    : base_(std::exchange(other.base_, nullptr)),
      size_(std::exchange(other.size_, 0)) {}

KernelHeldMemory& KernelHeldMemory::operator=(
    KernelHeldMemory&& other) noexcept {
  if (this != &other) {
    if (base_) ::munmap(base_, size_);
    base_ = std::exchange(other.base_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

void KernelHeldMemory::Abandon() {
  if (!base_) return;
  // MAP_FIXED over our own range replaces it atomically: the old pages leave
  // this process (the kernel keeps those it references), and no other
  // mapping can be placed here in between.
  void* p =
      ::mmap(base_, size_, PROT_NONE,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) {
    // Cannot happen for a range we own, short of the kernel running out of
    // memory for the new mapping: keep the old one (a leak, never a reuse).
    ::madvise(base_, size_, MADV_DONTNEED);
  }
  g_abandoned += size_;
  base_ = nullptr;
  size_ = 0;
}

uint64_t KernelHeldMemory::abandoned_bytes() { return g_abandoned.load(); }

}  // namespace netbench
