#include "lib/elf_symbols.h"

#include <elf.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <cstring>
#include <string_view>

#include "base/sys_error.h"
#include "base/unique_fd.h"

namespace netbench {
namespace {

// A file mapped read-only, unmapped when destroyed.
class MappedFile {
 public:
  explicit MappedFile(const std::string& path) {
    UniqueFd fd(RetryEintr([&] {
      return ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    }));
    if (!fd) ThrowErrno("open " + path);
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) ThrowErrno("stat " + path);
    if (!S_ISREG(st.st_mode)) throw SysError(path + ": not a regular file");
    size_ = static_cast<size_t>(st.st_size);
    if (size_ == 0) throw SysError(path + ": empty");
    void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd.get(), 0);
    if (p == MAP_FAILED) ThrowErrno("mmap " + path);
    data_ = static_cast<const unsigned char*>(p);
  }
  ~MappedFile() { ::munmap(const_cast<unsigned char*>(data_), size_); }
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  // The `count` objects of type T at `offset`, or null when the file is too
  // short for them (a truncated or hostile file is refused, never read past
  // its end).
  template <typename T>
  const T* At(uint64_t offset, uint64_t count = 1) const {
    if (offset > size_ || count > (size_ - offset) / sizeof(T)) return nullptr;
    return reinterpret_cast<const T*>(data_ + offset);
  }
  size_t size() const { return size_; }

 private:
  const unsigned char* data_ = nullptr;
  size_t size_ = 0;
};

std::string Hex(const unsigned char* bytes, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out += kDigits[bytes[i] >> 4];
    out += kDigits[bytes[i] & 0xf];
  }
  return out;
}

// The build id from a SHT_NOTE section: Elf64_Nhdr, the name "GNU\0", the
// descriptor, each padded to 4 bytes.
std::string BuildIdIn(const MappedFile& file, const Elf64_Shdr& note) {
  uint64_t at = note.sh_offset;
  const uint64_t end = note.sh_offset + note.sh_size;
  while (at + sizeof(Elf64_Nhdr) <= end) {
    const Elf64_Nhdr* n = file.At<Elf64_Nhdr>(at);
    if (!n) return "";
    const uint64_t name_at = at + sizeof(Elf64_Nhdr);
    const uint64_t desc_at = name_at + ((n->n_namesz + 3u) & ~3u);
    const uint64_t next = desc_at + ((n->n_descsz + 3u) & ~3u);
    if (next > end) return "";
    const char* name = file.At<char>(name_at, n->n_namesz);
    if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 && name &&
        std::memcmp(name, "GNU", 4) == 0) {
      const auto* desc = file.At<unsigned char>(desc_at, n->n_descsz);
      return desc ? Hex(desc, n->n_descsz) : "";
    }
    at = next;
  }
  return "";
}

void ReadFunctions(const MappedFile& file, const std::string& path,
                   const Elf64_Shdr& table, const Elf64_Shdr& strings,
                   std::vector<ElfFunction>& out) {
  const uint64_t count = table.sh_size / sizeof(Elf64_Sym);
  const Elf64_Sym* syms = file.At<Elf64_Sym>(table.sh_offset, count);
  const char* names = file.At<char>(strings.sh_offset, strings.sh_size);
  if (!syms || !names) throw SysError(path + ": truncated symbol table");
  for (uint64_t i = 0; i < count; ++i) {
    const Elf64_Sym& s = syms[i];
    const unsigned type = ELF64_ST_TYPE(s.st_info);
    if ((type != STT_FUNC && type != STT_GNU_IFUNC) ||
        s.st_shndx == SHN_UNDEF || s.st_value == 0 ||
        s.st_name >= strings.sh_size)
      continue;
    const char* name = names + s.st_name;
    out.push_back(
        {s.st_value, s.st_size,
         std::string(name, strnlen(name, strings.sh_size - s.st_name))});
  }
}

}  // namespace

ElfSymbolFile ReadElfFunctions(const std::string& path) {
  const MappedFile file(path);
  const Elf64_Ehdr* eh = file.At<Elf64_Ehdr>(0);
  if (!eh || std::memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 ||
      eh->e_ident[EI_CLASS] != ELFCLASS64 ||
      eh->e_ident[EI_DATA] != ELFDATA2LSB)
    throw SysError(path + ": not a 64-bit little-endian ELF file");
  if (eh->e_shentsize != sizeof(Elf64_Shdr))
    throw SysError(path + ": unexpected section header size");
  const Elf64_Shdr* sections = file.At<Elf64_Shdr>(eh->e_shoff, eh->e_shnum);
  if (!sections) throw SysError(path + ": truncated section headers");

  ElfSymbolFile out;
  const Elf64_Shdr* symtab = nullptr;
  const Elf64_Shdr* dynsym = nullptr;
  for (uint16_t i = 0; i < eh->e_shnum; ++i) {
    const Elf64_Shdr& s = sections[i];
    if (s.sh_type == SHT_SYMTAB) symtab = &s;
    if (s.sh_type == SHT_DYNSYM) dynsym = &s;
    if (s.sh_type == SHT_NOTE && out.build_id.empty())
      out.build_id = BuildIdIn(file, s);
  }
  const Elf64_Shdr* table = symtab ? symtab : dynsym;
  if (table && table->sh_link < eh->e_shnum &&
      sections[table->sh_link].sh_type == SHT_STRTAB) {
    ReadFunctions(file, path, *table, sections[table->sh_link], out.functions);
    out.full = table == symtab;
  }
  return out;
}

std::string DebugFileForBuildId(const std::string& build_id) {
  if (build_id.size() < 3) return "";
  return "/usr/lib/debug/.build-id/" + build_id.substr(0, 2) + "/" +
         build_id.substr(2) + ".debug";
}

}  // namespace netbench
