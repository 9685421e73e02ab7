#ifndef NET_BENCH_LIB_USER_SYMBOLS_H_
#define NET_BENCH_LIB_USER_SYMBOLS_H_

// This process's user-space functions by address: the executable
// (/proc/self/exe) and every shared library loaded (dl_iterate_phdr(3)),
// each from its own ELF symbols (lib/elf_symbols.h), or from its detached
// debug file when the library was stripped and the debug file is installed
// (glibc's memcpy variants, e.g. __memmove_avx_unaligned_erms, are local
// symbols: only libc6-dbg names them; without it an address there is
// "[libc.so.6]"). C++ names are demangled.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace netbench {

class UserSymbols {
 public:
  // Reads the objects loaded now. An object whose file cannot be read (the
  // vDSO) has no functions; its addresses are "[its name]".
  static UserSymbols LoadSelf();
  // Loaded once per process.
  static const UserSymbols& Self();

  static constexpr int kNone = -1;
  // The function containing `address`, or kNone.
  int Find(uint64_t address) const;
  std::string_view name(int function) const;
  // The object containing `address`, or kNone.
  int FindObject(uint64_t address) const;
  // "[libc.so.6]": how an address in the object but in no known function
  // is named.
  const std::string& object_name(int object) const {
    return objects_[static_cast<size_t>(object)].name;
  }
  size_t size() const { return functions_.size(); }
  // Whether the functions of the object whose file name starts with
  // `prefix` ("libc.so") come from a full symbol table.
  bool FullSymbols(std::string_view prefix) const;

 private:
  struct Function {
    uint64_t start;
    uint64_t end;  // == start when the symbol has no size
    uint32_t name_offset;
    uint32_t name_size;
    int object;
  };
  struct Object {
    std::string name;                                 // "[libc.so.6]"
    std::vector<std::pair<uint64_t, uint64_t>> text;  // executable ranges
    bool full = false;
  };
  void Add(const std::string& path, const std::string& short_name,
           uint64_t bias, std::vector<std::pair<uint64_t, uint64_t>> text);

  std::vector<Function> functions_;  // by start
  std::vector<Object> objects_;
  std::string names_;
};

}  // namespace netbench

#endif  // NET_BENCH_LIB_USER_SYMBOLS_H_
