#ifndef NET_BENCH_LIB_ELF_SYMBOLS_H_
#define NET_BENCH_LIB_ELF_SYMBOLS_H_

// The functions of one ELF file (elf(5)): its full symbol table (.symtab:
// every function, local ones too) or, when the file was stripped, its
// dynamic one (.dynsym: the exported functions only), and its GNU build id,
// which names its detached debug file (/usr/lib/debug/.build-id/xx/
// yyyy.debug, where Debian's -dbg packages put the .symtab that the
// shipped library lacks).

#include <cstdint>
#include <string>
#include <vector>

namespace netbench {

struct ElfFunction {
  uint64_t address = 0;  // st_value: the link-time address
  uint64_t size = 0;     // st_size; 0 when the symbol gives none
  std::string name;      // as in the file (C++ names mangled)
};

struct ElfSymbolFile {
  std::vector<ElfFunction> functions;
  bool full = false;     // from .symtab
  std::string build_id;  // lower-case hex; empty without one
};

// Reads `path`, a 64-bit little-endian ELF file. Throws SysError when it
// cannot be read or is not such a file.
ElfSymbolFile ReadElfFunctions(const std::string& path);

// Where Debian keeps the detached debug file of `build_id`.
std::string DebugFileForBuildId(const std::string& build_id);

}  // namespace netbench

#endif  // NET_BENCH_LIB_ELF_SYMBOLS_H_
