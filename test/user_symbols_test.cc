// This process's user-space symbols (lib/user_symbols.h, lib/elf_symbols.h):
// the test binary's own functions, and glibc's memcpy variant where its
// debug symbols are installed.

#include "lib/user_symbols.h"

#include <dlfcn.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "base/sys_error.h"
#include "lib/elf_symbols.h"

namespace netbench {
namespace test_symbols {

// A function of this binary with a known name, kept out of line.
__attribute__((noinline)) int KnownFunction(int x) {
  asm volatile("" ::: "memory");
  return x * 3 + 1;
}

}  // namespace test_symbols

namespace {

uint64_t AddressOf(int (*f)(int)) { return reinterpret_cast<uint64_t>(f); }

TEST(UserSymbolsTest, NamesThisBinarysFunctionsDemangledWithoutParameters) {
  const UserSymbols& s = UserSymbols::Self();
  const uint64_t at = AddressOf(&test_symbols::KnownFunction);
  const int f = s.Find(at + 1);
  ASSERT_NE(f, UserSymbols::kNone);
  EXPECT_EQ(s.name(f), "netbench::test_symbols::KnownFunction");
  EXPECT_EQ(s.Find(at), f);
  const int object = s.FindObject(at);
  ASSERT_NE(object, UserSymbols::kNone);
  EXPECT_EQ(s.object_name(object), "[user_symbols_test]");
}

TEST(UserSymbolsTest, AnAddressInNoObjectIsUnknown) {
  const UserSymbols& s = UserSymbols::Self();
  EXPECT_EQ(s.Find(8), UserSymbols::kNone);
  EXPECT_EQ(s.FindObject(8), UserSymbols::kNone);
}

TEST(UserSymbolsTest, TheExecutableHasAFullTableAndABuildId) {
  const ElfSymbolFile f = ReadElfFunctions("/proc/self/exe");
  EXPECT_TRUE(f.full);
  EXPECT_FALSE(f.functions.empty());
  EXPECT_EQ(f.build_id.size(), 40u);  // SHA-1, in hex
  EXPECT_EQ(DebugFileForBuildId("0123456789"),
            "/usr/lib/debug/.build-id/01/23456789.debug");
}

TEST(UserSymbolsTest, RefusesWhatIsNotAnElfFile) {
  EXPECT_THROW(ReadElfFunctions("/proc/self/status"), SysError);
  EXPECT_THROW(ReadElfFunctions("/nonexistent"), SysError);
}

TEST(UserSymbolsTest, NamesGlibcsMemcpyVariant) {
  const UserSymbols& s = UserSymbols::Self();
  if (!s.FullSymbols("libc.so"))
    GTEST_SKIP() << "glibc's debug symbols (libc6-dbg) are not installed: "
                    "its memcpy variants have no names";
  // dlsym resolves memcpy's IFUNC to the variant chosen for this CPU.
  void* memcpy_impl = ::dlsym(RTLD_DEFAULT, "memcpy");
  ASSERT_NE(memcpy_impl, nullptr);
  const int f = s.Find(reinterpret_cast<uint64_t>(memcpy_impl) + 4);
  ASSERT_NE(f, UserSymbols::kNone);
  const std::string name(s.name(f));
  EXPECT_TRUE(name.rfind("__memmove_", 0) == 0 ||
              name.rfind("__memcpy_", 0) == 0)
      << name;
}

}  // namespace
}  // namespace netbench
