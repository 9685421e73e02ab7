#include "lib/perf_ring.h"

#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "base/sizes.h"
#include "base/sys_error.h"

namespace netbench {

PerfRing PerfRing::Open(const perf_event_attr& attr, int cpu, size_t data_pages,
                        int* error) {
  PerfRing ring;
  perf_event_attr a = attr;
  const int fd = static_cast<int>(RetryEintr([&] {
    return ::syscall(SYS_perf_event_open, &a, -1, cpu, -1,
                     PERF_FLAG_FD_CLOEXEC);
  }));
  if (fd < 0) {
    *error = errno;
    return ring;
  }
  ring.fd_.Reset(fd);
  ring.cpu_ = cpu;
  // One metadata page, then 2^n pages of data (perf_event_open(2), "mmap
  // layout").
  const size_t page = PageSize();
  ring.mapped_ = (1 + data_pages) * page;
  void* p =
      ::mmap(nullptr, ring.mapped_, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) {
    *error = errno;
    return PerfRing();
  }
  ring.base_ = p;
  auto* meta = static_cast<perf_event_mmap_page*>(p);
  // data_offset and data_size are set by kernels since 4.1; before, the
  // data area starts at the second page and fills the rest.
  const uint64_t offset = meta->data_offset ? meta->data_offset : page;
  ring.data_size_ = meta->data_size ? meta->data_size : data_pages * page;
  ring.data_ = static_cast<unsigned char*>(p) + offset;
  *error = 0;
  return ring;
}

PerfRing::~PerfRing() { Reset(); }

void PerfRing::Reset() {
  if (base_) ::munmap(base_, mapped_);
  base_ = nullptr;
  data_ = nullptr;
  fd_.Reset();
}

PerfRing::PerfRing(PerfRing&& other) noexcept { *this = std::move(other); }

PerfRing& PerfRing::operator=(PerfRing&& other) noexcept {
  if (this == &other) return *this;
  Reset();
  fd_ = std::move(other.fd_);
  cpu_ = other.cpu_;
  base_ = std::exchange(other.base_, nullptr);
  mapped_ = other.mapped_;
  data_ = std::exchange(other.data_, nullptr);
  data_size_ = other.data_size_;
  scratch_ = std::move(other.scratch_);
  return *this;
}

int PerfRing::Enable() const {
  return ::ioctl(fd_.get(), PERF_EVENT_IOC_ENABLE, 0) == 0 ? 0 : errno;
}

int PerfRing::Disable() const {
  return ::ioctl(fd_.get(), PERF_EVENT_IOC_DISABLE, 0) == 0 ? 0 : errno;
}

// The kernel publishes data_head after writing the records before it: read
// it with acquire order, so that the records' bytes are read after it
// (include/uapi/linux/perf_event.h, on data_head: "an rmb() ... after
// reading this value"), and publish data_tail with release order, after the
// last read of a record ("an mb() ... before writing the data_tail").
uint64_t PerfRing::Head() const {
  auto* meta = static_cast<perf_event_mmap_page*>(base_);
  return __atomic_load_n(&meta->data_head, __ATOMIC_ACQUIRE);
}

uint64_t PerfRing::Tail() const {
  auto* meta = static_cast<perf_event_mmap_page*>(base_);
  return __atomic_load_n(&meta->data_tail, __ATOMIC_RELAXED);
}

void PerfRing::SetTail(uint64_t tail) {
  auto* meta = static_cast<perf_event_mmap_page*>(base_);
  __atomic_store_n(&meta->data_tail, tail, __ATOMIC_RELEASE);
}

const perf_event_header* PerfRing::RecordAt(uint64_t at) {
  const uint64_t offset = at % data_size_;
  // Records are 8-byte aligned in an area of whole pages: a header never
  // wraps, its record may.
  perf_event_header h;
  std::memcpy(&h, data_ + offset, sizeof(h));
  if (offset + h.size <= data_size_)
    return reinterpret_cast<const perf_event_header*>(data_ + offset);
  scratch_.resize(h.size);
  const size_t first = static_cast<size_t>(data_size_ - offset);
  std::memcpy(scratch_.data(), data_ + offset, first);
  std::memcpy(scratch_.data() + first, data_, h.size - first);
  return reinterpret_cast<const perf_event_header*>(scratch_.data());
}

}  // namespace netbench
