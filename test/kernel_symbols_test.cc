// /proc/kallsyms parsing (lib/kernel_symbols.h) on synthetic files, and the
// running kernel's table.

#include "lib/kernel_symbols.h"

#include <gtest/gtest.h>

#include <fstream>

#include "base/sys_error.h"
#include "test/net_test_util.h"

namespace netbench {
namespace {

KernelSymbols FromText(const std::string& text) {
  testing::TempDir dir;
  const std::string path = dir.File("kallsyms");
  std::ofstream(path) << text;
  return KernelSymbols::Load(path);
}

TEST(KernelSymbolsTest, FindsTheFunctionContainingAnAddress) {
  // Out of order (modules come last), data symbols and a module's suffix.
  const KernelSymbols k = FromText(
      "ffffffff81ba4ef0 T _copy_to_iter\n"
      "ffffffff81ba4820 T _copy_from_iter\n"
      "ffffffff82000000 D some_data\n"
      "ffffffff81000000 T _stext\n"
      "ffffffffc0a01000 t veth_xmit\t[veth]\n"
      "ffffffff82239f80 T rep_movs_alternative\n"
      "ffffffff8120798a t handle_softirqs.cold\n");
  EXPECT_FALSE(k.addresses_hidden());
  EXPECT_EQ(k.size(), 6u);  // some_data is no function
  const auto name_at = [&](uint64_t address) -> std::string {
    const int i = k.Find(address);
    return i == KernelSymbols::kNone ? "none" : std::string(k.name(i));
  };
  EXPECT_EQ(name_at(0xffffffff81ba4820), "_copy_from_iter");  // its start
  EXPECT_EQ(name_at(0xffffffff81ba4974), "_copy_from_iter");  // inside
  EXPECT_EQ(name_at(0xffffffff81ba4eef), "_copy_from_iter");  // its last byte
  EXPECT_EQ(name_at(0xffffffff81ba4ef0), "_copy_to_iter");
  EXPECT_EQ(name_at(0xffffffff8120798b), "handle_softirqs.cold");
  EXPECT_EQ(name_at(0xffffffffc0a01010), "veth_xmit");  // "[veth]" cut off
  EXPECT_EQ(name_at(0xffffffff80000000), "none");       // below the first
  // Past the last function by more than any function's length.
  EXPECT_EQ(name_at(0xffffffffc0a01000 + KernelSymbols::kMaxFunctionBytes + 1),
            "none");
}

TEST(KernelSymbolsTest, KeepsOneNameForAliases) {
  const KernelSymbols k = FromText(
      "ffffffff81000000 T memcpy\n"
      "ffffffff81000000 T __memcpy\n"
      "ffffffff81000100 T next\n");
  EXPECT_EQ(k.size(), 2u);
  EXPECT_EQ(k.name(k.Find(0xffffffff81000010)), "memcpy");
}

TEST(KernelSymbolsTest, SaysWhenAddressesAreHidden) {
  // kernel.kptr_restrict without CAP_SYSLOG: every address reads 0.
  const KernelSymbols k = FromText(
      "0000000000000000 T _copy_from_iter\n"
      "0000000000000000 T _copy_to_iter\n");
  EXPECT_TRUE(k.addresses_hidden());
  EXPECT_EQ(k.size(), 0u);
  EXPECT_EQ(k.Find(0xffffffff81ba4820), KernelSymbols::kNone);
}

TEST(KernelSymbolsTest, SkipsMalformedLines) {
  const KernelSymbols k = FromText(
      "\n"
      "garbage\n"
      "ffffffff81000000\n"
      "ffffffff81000000 T\n"
      "ffffffff81000000 TT name\n"
      "ffffffff81000100 t good\n");
  EXPECT_EQ(k.size(), 1u);
  EXPECT_EQ(k.name(0), "good");
}

TEST(KernelSymbolsTest, AMissingFileThrows) {
  EXPECT_THROW(KernelSymbols::Load("/nonexistent/kallsyms"), SysError);
}

TEST(KernelSymbolsTest, ReadsTheRunningKernel) {
  const KernelSymbols& k = KernelSymbols::Running();
  if (k.size() == 0 || k.addresses_hidden())
    GTEST_SKIP() << "/proc/kallsyms shows no addresses to this process";
  // The table and the file agree on a function every kernel has.
  std::ifstream in("/proc/kallsyms");
  std::string address, type, name;
  uint64_t schedule = 0;
  while (in >> address >> type >> name) {
    if (name == "schedule" && (type == "T" || type == "t")) {
      schedule = std::stoull(address, nullptr, 16);
      break;
    }
    in.ignore(1 << 10, '\n');
  }
  ASSERT_NE(schedule, 0u);
  EXPECT_EQ(k.name(k.Find(schedule + 1)), "schedule");
}

}  // namespace
}  // namespace netbench
