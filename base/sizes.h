#ifndef NET_BENCH_BASE_SIZES_H_
#define NET_BENCH_BASE_SIZES_H_

#include <unistd.h>

#include <cstddef>

namespace netbench {

// `n` rounded up to a multiple of `to` (> 0).
constexpr size_t RoundUp(size_t n, size_t to) { return (n + to - 1) / to * to; }

// The page size of this machine (sysconf), read once.
inline size_t PageSize() {
  static const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  return page;
}

}  // namespace netbench

#endif  // NET_BENCH_BASE_SIZES_H_
