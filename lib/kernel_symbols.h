#ifndef NET_BENCH_LIB_KERNEL_SYMBOLS_H_
#define NET_BENCH_LIB_KERNEL_SYMBOLS_H_

// The kernel's functions by address, from /proc/kallsyms: one line per
// symbol, "ffffffff81ba4820 T _copy_from_iter", a module's followed by
// "[module]". The file lists no sizes: an address belongs to the last
// function that starts at or below it (sorted table, binary search). Without
// CAP_SYSLOG, kernel.kptr_restrict makes the kernel print every address as 0
// (Documentation/admin-guide/sysctl/kernel.rst, kptr_restrict): the table is
// then empty and says so.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace netbench {

class KernelSymbols {
 public:
  // Reads `path` in the format of /proc/kallsyms, keeping the functions
  // (types t, T, w, W). Throws SysError when it cannot be read.
  static KernelSymbols Load(const std::string& path = "/proc/kallsyms");

  // The kernel's, loaded once per process (modules loaded later are not
  // seen).
  static const KernelSymbols& Running();

  KernelSymbols() = default;

  // Every address read was 0: hidden by kernel.kptr_restrict.
  bool addresses_hidden() const { return hidden_; }
  size_t size() const { return entries_.size(); }
  static constexpr int kNone = -1;
  // The function containing `address`, or kNone: below the first function,
  // or further than kMaxFunctionBytes past the last.
  int Find(uint64_t address) const;
  std::string_view name(int index) const;
  uint64_t address(int index) const {
    return entries_[static_cast<size_t>(index)].address;
  }

  // No kernel function is this long: an address further past the last
  // function's start is none of the table's.
  static constexpr uint64_t kMaxFunctionBytes = 1 << 20;

 private:
  struct Entry {
    uint64_t address;
    uint32_t name_offset;  // into names_
    uint32_t name_size;
  };
  std::vector<Entry> entries_;  // by address
  std::string names_;
  bool hidden_ = false;
};

}  // namespace netbench

#endif  // NET_BENCH_LIB_KERNEL_SYMBOLS_H_
