#ifndef NET_BENCH_LIB_PERF_RING_H_
#define NET_BENCH_LIB_PERF_RING_H_

// One perf_event_open(2) event and its ring buffer, mapped and read by
// this process (the "mmap layout" of perf_event_open(2); the kernel's side
// is tools/perf/design.txt and include/uapi/linux/perf_event.h). The kernel
// writes records at data_head; the reader consumes from data_tail and
// publishes how far it read, so that the kernel may reuse the space. A
// record may wrap around the end of the data area: it is copied whole into
// a scratch buffer before it is handed on.
//
// Why not a library: Debian 12 packages none that reads perf samples for a
// C++ program (libperf, the kernel's own, is not packaged; libtraceevent
// parses tracepoint formats, not the sampling ring; libpfm4 only encodes
// hardware events), and perf(1) itself would be a second process whose
// output is text to parse. The ring's protocol is small, stable and
// documented in the uapi header, so it is read here.

#include <linux/perf_event.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "base/unique_fd.h"

namespace netbench {

class PerfRing {
 public:
  // Opens `attr` for every task on `cpu` (pid = -1), with a data area of
  // `data_pages` pages (a power of two). Returns an invalid ring with
  // *error set to the errno when the kernel refuses the event or the
  // mapping.
  static PerfRing Open(const perf_event_attr& attr, int cpu, size_t data_pages,
                       int* error);

  PerfRing() = default;
  ~PerfRing();
  PerfRing(PerfRing&& other) noexcept;
  PerfRing& operator=(PerfRing&& other) noexcept;
  PerfRing(const PerfRing&) = delete;
  PerfRing& operator=(const PerfRing&) = delete;

  bool valid() const { return base_ != nullptr; }
  int fd() const { return fd_.get(); }
  int cpu() const { return cpu_; }

  // PERF_EVENT_IOC_ENABLE / _DISABLE. Return 0 or the errno.
  int Enable() const;
  int Disable() const;

  // Calls visit(const perf_event_header& header) for every record written
  // since the last Drain, in order; the record's bytes follow the header
  // contiguously. Then hands the space back to the kernel.
  template <typename Visit>
  void Drain(Visit&& visit) {
    const uint64_t head = Head();
    uint64_t tail = Tail();
    while (tail + sizeof(perf_event_header) <= head) {
      const perf_event_header* h = RecordAt(tail);
      if (h->size < sizeof(perf_event_header) || tail + h->size > head) break;
      visit(*h);
      tail += h->size;
    }
    SetTail(head);
  }

 private:
  uint64_t Head() const;
  uint64_t Tail() const;
  void SetTail(uint64_t tail);
  // The record at ring position `at`, contiguous (copied when it wraps).
  const perf_event_header* RecordAt(uint64_t at);
  void Reset();

  UniqueFd fd_;
  int cpu_ = -1;
  void* base_ = nullptr;  // the metadata page, then the data area
  size_t mapped_ = 0;
  unsigned char* data_ = nullptr;
  uint64_t data_size_ = 0;
  std::vector<unsigned char> scratch_;
};

}  // namespace netbench

#endif  // NET_BENCH_LIB_PERF_RING_H_
