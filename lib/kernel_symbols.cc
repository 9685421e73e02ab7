#include "lib/kernel_symbols.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "base/sys_error.h"

namespace netbench {
namespace {

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

bool IsFunctionType(char type) {
  return type == 't' || type == 'T' || type == 'w' || type == 'W';
}

}  // namespace

KernelSymbols KernelSymbols::Load(const std::string& path) {
  std::unique_ptr<std::FILE, FileCloser> f(std::fopen(path.c_str(), "re"));
  if (!f) ThrowErrno("open " + path);
  KernelSymbols table;
  bool any_address = false;
  bool any_symbol = false;
  char* line = nullptr;
  size_t capacity = 0;
  ssize_t n;
  while ((n = ::getline(&line, &capacity, f.get())) > 0) {
    // "address type name[\t[module]]\n"
    char* end = nullptr;
    const uint64_t address = std::strtoull(line, &end, 16);
    if (end == line || *end != ' ' || end[1] == '\0' || end[2] != ' ') continue;
    const char type = end[1];
    const char* name = end + 3;
    size_t size = 0;
    while (name[size] != '\0' && name[size] != '\t' && name[size] != '\n' &&
           name[size] != ' ')
      ++size;
    if (size == 0 || !IsFunctionType(type)) continue;
    any_symbol = true;
    if (address == 0) continue;
    any_address = true;
    table.entries_.push_back({address,
                              static_cast<uint32_t>(table.names_.size()),
                              static_cast<uint32_t>(size)});
    table.names_.append(name, size);
  }
  std::free(line);
  if (std::ferror(f.get())) ThrowErrno("read " + path);
  table.hidden_ = any_symbol && !any_address;
  // Modules, BPF programs and aliases come after the core kernel's in no
  // particular order: sort, keeping the first of aliases at one address.
  std::stable_sort(
      table.entries_.begin(), table.entries_.end(),
      [](const Entry& a, const Entry& b) { return a.address < b.address; });
  table.entries_.erase(std::unique(table.entries_.begin(), table.entries_.end(),
                                   [](const Entry& a, const Entry& b) {
                                     return a.address == b.address;
                                   }),
                       table.entries_.end());
  table.entries_.shrink_to_fit();
  return table;
}

const KernelSymbols& KernelSymbols::Running() {
  static const KernelSymbols* running = [] {
    try {
      return new KernelSymbols(Load());
    } catch (const SysError&) {
      return new KernelSymbols();  // every kernel address unknown
    }
  }();
  return *running;
}

int KernelSymbols::Find(uint64_t address) const {
  // The first function starting above `address`, then the one before it.
  const auto above = std::upper_bound(
      entries_.begin(), entries_.end(), address,
      [](uint64_t a, const Entry& e) { return a < e.address; });
  if (above == entries_.begin()) return kNone;
  const auto it = above - 1;
  if (above == entries_.end() && address - it->address > kMaxFunctionBytes)
    return kNone;
  return static_cast<int>(it - entries_.begin());
}

std::string_view KernelSymbols::name(int index) const {
  const Entry& e = entries_[static_cast<size_t>(index)];
  return std::string_view(names_).substr(e.name_offset, e.name_size);
}

}  // namespace netbench
