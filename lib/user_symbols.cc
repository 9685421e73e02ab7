#include "lib/user_symbols.h"

#include <cxxabi.h>
#include <link.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <string_view>

#include "base/sys_error.h"
#include "lib/elf_symbols.h"

namespace netbench {
namespace {

struct LoadedObject {
  std::string path;
  uint64_t bias = 0;
  std::vector<std::pair<uint64_t, uint64_t>> text;
};

int CollectObject(dl_phdr_info* info, size_t, void* data) {
  auto* objects = static_cast<std::vector<LoadedObject>*>(data);
  LoadedObject o;
  o.path = info->dlpi_name ? info->dlpi_name : "";
  o.bias = info->dlpi_addr;
  for (ElfW(Half) i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type == PT_LOAD && (ph.p_flags & PF_X))
      o.text.emplace_back(o.bias + ph.p_vaddr,
                          o.bias + ph.p_vaddr + ph.p_memsz);
  }
  objects->push_back(std::move(o));
  return 0;
}

std::string BaseName(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

struct FreeDeleter {
  void operator()(char* p) const { std::free(p); }
};

// `name` without its parameter list (and a trailing " const"), which
// flame graphs do not need: "netbench::WritePayload".
std::string WithoutParameters(std::string name) {
  constexpr std::string_view kConst = " const";
  if (name.size() > kConst.size() &&
      name.compare(name.size() - kConst.size(), kConst.size(), kConst) == 0)
    name.resize(name.size() - kConst.size());
  if (name.empty() || name.back() != ')') return name;
  int depth = 0;
  for (size_t i = name.size(); i-- > 0;) {
    if (name[i] == ')') ++depth;
    if (name[i] == '(' && --depth == 0) {
      if (i > 0) name.resize(i);
      break;
    }
  }
  return name;
}

// The demangled name of a C++ function, without its parameters
// ("netbench::WritePayload"); any other name as it is.
std::string Demangled(const std::string& name) {
  if (name.rfind("_Z", 0) != 0) return name;
  int status = 0;
  std::unique_ptr<char, FreeDeleter> d(
      abi::__cxa_demangle(name.c_str(), nullptr, nullptr, &status));
  return status == 0 && d ? WithoutParameters(d.get()) : name;
}

// The object's functions: its own full table, else its debug file's, else
// its dynamic symbols.
ElfSymbolFile ReadObject(const std::string& path) {
  ElfSymbolFile own = ReadElfFunctions(path);
  if (own.full || own.build_id.empty()) return own;
  try {
    ElfSymbolFile debug = ReadElfFunctions(DebugFileForBuildId(own.build_id));
    if (debug.full && !debug.functions.empty()) return debug;
  } catch (const SysError&) {
    // No debug file installed.
  }
  return own;
}

}  // namespace

void UserSymbols::Add(const std::string& path, const std::string& short_name,
                      uint64_t bias,
                      std::vector<std::pair<uint64_t, uint64_t>> text) {
  const int object = static_cast<int>(objects_.size());
  Object o;
  o.name = "[" + short_name + "]";
  o.text = std::move(text);
  try {
    ElfSymbolFile file = ReadObject(path);
    o.full = file.full;
    for (const ElfFunction& f : file.functions) {
      const std::string name = Demangled(f.name);
      functions_.push_back({bias + f.address, bias + f.address + f.size,
                            static_cast<uint32_t>(names_.size()),
                            static_cast<uint32_t>(name.size()), object});
      names_ += name;
    }
  } catch (const SysError&) {
    // Unreadable (the vDSO has no file): its addresses are the object's.
  }
  objects_.push_back(std::move(o));
}

UserSymbols UserSymbols::LoadSelf() {
  std::vector<LoadedObject> loaded;
  dl_iterate_phdr(CollectObject, &loaded);
  UserSymbols table;
  for (const LoadedObject& o : loaded) {
    if (o.text.empty()) continue;
    // The executable comes first, with no name.
    const bool executable = o.path.empty();
    const std::string path = executable ? "/proc/self/exe" : o.path;
    std::string short_name = BaseName(o.path);
    if (executable) {
      char buf[4096];
      const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
      short_name =
          n > 0 ? BaseName(std::string(buf, static_cast<size_t>(n))) : "exe";
    }
    table.Add(path, short_name, o.bias, o.text);
  }
  // By start; of aliases (one address, several names), the sized one first
  // and then the first read.
  std::stable_sort(table.functions_.begin(), table.functions_.end(),
                   [](const Function& a, const Function& b) {
                     if (a.start != b.start) return a.start < b.start;
                     return (a.end > a.start) > (b.end > b.start);
                   });
  table.functions_.erase(
      std::unique(table.functions_.begin(), table.functions_.end(),
                  [](const Function& a, const Function& b) {
                    return a.start == b.start;
                  }),
      table.functions_.end());
  return table;
}

const UserSymbols& UserSymbols::Self() {
  static const UserSymbols* self = new UserSymbols(LoadSelf());
  return *self;
}

int UserSymbols::Find(uint64_t address) const {
  const auto above = std::upper_bound(
      functions_.begin(), functions_.end(), address,
      [](uint64_t a, const Function& f) { return a < f.start; });
  if (above == functions_.begin()) return kNone;
  const Function& f = *(above - 1);
  if (f.end > f.start) {
    if (address >= f.end) return kNone;
  } else if (FindObject(address) != f.object) {
    return kNone;  // a symbol without size: at most to its object's end
  }
  return static_cast<int>(above - 1 - functions_.begin());
}

std::string_view UserSymbols::name(int function) const {
  const Function& f = functions_[static_cast<size_t>(function)];
  return std::string_view(names_).substr(f.name_offset, f.name_size);
}

int UserSymbols::FindObject(uint64_t address) const {
  for (size_t i = 0; i < objects_.size(); ++i)
    for (const auto& [start, end] : objects_[i].text)
      if (address >= start && address < end) return static_cast<int>(i);
  return kNone;
}

bool UserSymbols::FullSymbols(std::string_view prefix) const {
  for (const Object& o : objects_)
    if (std::string_view(o.name).substr(1, prefix.size()) == prefix)
      return o.full;
  return false;
}

}  // namespace netbench
