// The attribution of samples to categories (lib/cpu_attribution.h) on
// synthetic call chains, the category table's own consistency, and the
// table against the running kernel's functions.

#include "lib/cpu_attribution.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "lib/cpu_categories.h"
#include "lib/kernel_symbols.h"

namespace netbench {
namespace {

size_t Category(std::string_view name) {
  const size_t c = FindCpuCategory(name);
  EXPECT_LT(c, kNumCpuCategories) << name;
  return c;
}

// A kernel chain, innermost first.
size_t Kernel(const CpuAttribution& a, std::vector<std::string_view> chain) {
  return a.AttributeNames(chain, chain.size());
}

class CpuAttributionTest : public ::testing::Test {
 protected:
  CpuAttribution a_;
};

TEST_F(CpuAttributionTest, RepMovsAlternativeGoesToTheCopyAboveIt) {
  // Send: tcp_sendmsg_locked copies the payload from the user's iovec.
  EXPECT_EQ(Kernel(a_, {"rep_movs_alternative", "_copy_from_iter",
                        "tcp_sendmsg_locked", "tcp_sendmsg", "__sys_sendmsg",
                        "do_syscall_64", "entry_SYSCALL_64_after_hwframe"}),
            Category("copy_in"));
  // Receive: the same primitive, under the datagram iterator.
  EXPECT_EQ(Kernel(a_, {"rep_movs_alternative", "_copy_to_iter",
                        "simple_copy_to_iter", "__skb_datagram_iter",
                        "skb_copy_datagram_iter", "tcp_recvmsg_locked",
                        "tcp_recvmsg", "__sys_recvfrom", "do_syscall_64"}),
            Category("copy_out"));
  // Before 6.4 the primitive had another name; the rule is the same.
  EXPECT_EQ(Kernel(a_, {"copy_user_enhanced_fast_string", "_copy_from_iter",
                        "tcp_sendmsg_locked"}),
            Category("copy_in"));
  EXPECT_EQ(Kernel(a_, {"copy_user_enhanced_fast_string", "_copy_to_iter",
                        "tcp_recvmsg_locked"}),
            Category("copy_out"));
  // Unknown frames between the primitive and the copy change nothing.
  EXPECT_EQ(Kernel(a_, {"rep_movs_alternative", "some_inlined_helper",
                        "_copy_to_iter", "tcp_recvmsg_locked"}),
            Category("copy_out"));
}

TEST_F(CpuAttributionTest, TheKernelsMemcpyGoesToItsCaller) {
  // veth: a zero-copy skb delivered locally is copied by skb_copy_ubufs.
  EXPECT_EQ(Kernel(a_, {"memcpy", "skb_copy_ubufs", "ip_local_deliver_finish",
                        "__netif_receive_skb_one_core", "process_backlog",
                        "__napi_poll", "net_rx_action", "handle_softirqs"}),
            Category("fallback_copy"));
  EXPECT_EQ(Kernel(a_, {"__pi_memcpy", "skb_copy_ubufs"}),
            Category("fallback_copy"));
  // The pages it copies into are allocated for it: transparent allocator.
  EXPECT_EQ(Kernel(a_, {"get_page_from_freelist", "__alloc_frozen_pages",
                        "alloc_pages_mpol", "skb_copy_ubufs",
                        "ip_local_deliver_finish"}),
            Category("fallback_copy"));
}

TEST_F(CpuAttributionTest, APrimitiveWithNothingKnownAboveIsOther) {
  EXPECT_EQ(Kernel(a_, {"rep_movs_alternative"}), OtherCpuCategory());
  EXPECT_EQ(Kernel(a_, {"no_such_function", "nor_this_one"}),
            OtherCpuCategory());
  EXPECT_EQ(Kernel(a_, {}), OtherCpuCategory());
  EXPECT_TRUE(a_.Mark("rep_movs_alternative", true).copy_primitive);
  EXPECT_FALSE(a_.Mark("rep_movs_alternative", true).known());
}

TEST_F(CpuAttributionTest, TheInnermostKnownFrameWins) {
  // cpu-clock's samples pile up where interrupts come back on: the lock is
  // no category, its caller is.
  EXPECT_EQ(Kernel(a_, {"_raw_spin_unlock_irqrestore", "tcp_write_xmit",
                        "__tcp_push_pending_frames", "tcp_sendmsg_locked"}),
            Category("tcpip"));
  EXPECT_EQ(Kernel(a_, {"_raw_spin_unlock_irqrestore", "try_to_wake_up",
                        "sock_def_readable", "tcp_data_queue"}),
            Category("sched"));
  // Softirq work on top of a syscall belongs to the softirq's frames.
  EXPECT_EQ(
      Kernel(a_, {"veth_xmit", "dev_hard_start_xmit", "__dev_queue_xmit",
                  "ip_finish_output2", "tcp_sendmsg_locked", "do_syscall_64"}),
      Category("veth_softirq"));
  EXPECT_EQ(Kernel(a_, {"pv_native_safe_halt", "default_idle",
                        "default_idle_call", "do_idle"}),
            Category("idle"));
}

TEST_F(CpuAttributionTest, ExactNamesBeatPrefixesAndLongerPrefixesWin) {
  // skb_* is the TCP/IP stack's, but these two are named on their own.
  EXPECT_EQ(a_.Mark("skb_copy_ubufs", true).category,
            static_cast<int16_t>(Category("fallback_copy")));
  EXPECT_EQ(a_.Mark("skb_copy_datagram_iter", true).category,
            static_cast<int16_t>(Category("copy_out")));
  EXPECT_EQ(a_.Mark("skb_release_data", true).category,
            static_cast<int16_t>(Category("tcpip")));
  // sk_* against sk_busy_loop; napi_* against napi_busy_loop*.
  EXPECT_EQ(a_.Mark("sk_busy_loop", true).category,
            static_cast<int16_t>(Category("idle")));
  EXPECT_EQ(a_.Mark("napi_busy_loop_rcu", true).category,
            static_cast<int16_t>(Category("idle")));
  EXPECT_EQ(a_.Mark("napi_gro_receive", true).category,
            static_cast<int16_t>(Category("veth_softirq")));
  // io_* is io_uring's submission; its notification is the completion's.
  EXPECT_EQ(a_.Mark("io_notif_tw_complete", true).category,
            static_cast<int16_t>(Category("zc_complete")));
  EXPECT_EQ(a_.Mark("io_issue_sqe", true).category,
            static_cast<int16_t>(Category("syscall")));
}

TEST_F(CpuAttributionTest, CompilerClonesKeepTheirFunctionsCategory) {
  EXPECT_EQ(a_.Mark("finish_task_switch.isra.0", true).category,
            static_cast<int16_t>(Category("sched")));
  EXPECT_EQ(a_.Mark("tcp_recvmsg_locked.cold", true).category,
            static_cast<int16_t>(Category("tcpip")));
  EXPECT_EQ(a_.Mark("do_softirq.part.0", true).category,
            static_cast<int16_t>(Category("veth_softirq")));
}

TEST_F(CpuAttributionTest, UserSpaceHasItsOwnNames) {
  // glibc's memcpy variants are user-space copies; the kernel's memcpy is
  // a primitive, not a user copy.
  EXPECT_EQ(a_.Mark("__memmove_avx_unaligned_erms", false).category,
            static_cast<int16_t>(Category("user_copy")));
  EXPECT_EQ(a_.Mark("__memmove_avx512_unaligned_erms", false).category,
            static_cast<int16_t>(Category("user_copy")));
  EXPECT_EQ(a_.Mark("memcpy", false).category,
            static_cast<int16_t>(Category("user_copy")));
  EXPECT_FALSE(a_.Mark("memcpy", true).known());
  EXPECT_EQ(a_.Mark("netbench::WritePayload", false).category,
            static_cast<int16_t>(Category("app")));
  EXPECT_EQ(a_.Mark("__libc_sendmsg", false).category,
            static_cast<int16_t>(Category("syscall")));
  // A kernel name in user space means nothing.
  EXPECT_FALSE(a_.Mark("tcp_sendmsg_locked", false).known());
}

TEST_F(CpuAttributionTest, FoldedStacksAreReadBack) {
  EXPECT_EQ(
      a_.AttributeFolded("net_bench;netbench::RunFlow;__libc_recv;"
                         "entry_SYSCALL_64_after_hwframe_[k];do_syscall_64_[k];"
                         "tcp_recvmsg_locked_[k];skb_copy_datagram_iter_[k];"
                         "__skb_datagram_iter_[k];_copy_to_iter_[k];"
                         "rep_movs_alternative_[k]"),
      Category("copy_out"));
  // A user-space sample of TwoCopyPacked's packing.
  EXPECT_EQ(a_.AttributeFolded("net_bench;netbench::(anonymous "
                               "namespace)::PackedSender::Send;"
                               "__memmove_avx_unaligned_erms"),
            Category("user_copy"));
  // "memcpy" without the kernel's mark is glibc's.
  EXPECT_EQ(a_.AttributeFolded("net_bench;memcpy"), Category("user_copy"));
  EXPECT_EQ(a_.AttributeFolded("swapper"), OtherCpuCategory());
}

TEST(CpuCategoryTableTest, IsConsistent) {
  const auto table = CpuCategoryTable();
  ASSERT_EQ(table.size(), kNumCpuCategories);
  EXPECT_EQ(table.back().name, "other");
  EXPECT_EQ(OtherCpuCategory(), kNumCpuCategories - 1);
  std::set<std::string_view> names;
  std::set<std::string> kernel_names, user_names;
  for (const CpuCategory& c : table) {
    EXPECT_TRUE(names.insert(c.name).second) << c.name;
    EXPECT_FALSE(c.label.empty()) << c.name;
    // One name, one category: a name in two rows would be decided by the
    // order of the rows, not by the table.
    for (std::string_view n : c.kernel)
      EXPECT_TRUE(kernel_names.insert(std::string(n)).second) << n;
    for (std::string_view n : c.user)
      EXPECT_TRUE(user_names.insert(std::string(n)).second) << n;
  }
  for (std::string_view n : KernelCopyPrimitives())
    EXPECT_EQ(kernel_names.count(std::string(n)), 0u) << n;
  EXPECT_EQ(FindCpuCategory("no such category"), kNumCpuCategories);
}

// The functions the research found in Linux 6.18, each in this
// kernel (when it is the kernel the table was written against) and in its
// category.
TEST(CpuCategoryTableTest, NamesTheRunningKernelsFunctions) {
  const KernelSymbols& k = KernelSymbols::Running();
  if (k.size() == 0 || k.addresses_hidden())
    GTEST_SKIP() << "/proc/kallsyms shows no addresses here";
  std::set<std::string_view> present;
  for (int i = 0; i < static_cast<int>(k.size()); ++i)
    present.insert(k.name(i));
  const std::pair<std::string_view, std::string_view> expected[] = {
      {"_copy_from_iter", "copy_in"},
      {"_copy_to_iter", "copy_out"},
      {"skb_copy_datagram_iter", "copy_out"},
      {"__zerocopy_sg_from_iter", "zc_pin"},
      {"iov_iter_get_pages2", "zc_pin"},
      {"get_user_pages_fast", "zc_pin"},
      {"mm_account_pinned_pages", "zc_pin"},
      {"__msg_zerocopy_callback", "zc_complete"},
      {"msg_zerocopy_complete", "zc_complete"},
      {"io_notif_tw_complete", "zc_complete"},
      {"skb_copy_ubufs", "fallback_copy"},
      {"veth_xmit", "veth_softirq"},
      {"veth_poll", "veth_softirq"},
      {"net_rx_action", "veth_softirq"},
      {"tcp_sendmsg_locked", "tcpip"},
      {"tcp_v4_rcv", "tcpip"},
      {"tcp_recvmsg_locked", "tcpip"},
      {"filemap_splice_read", "zc_pin"},
      {"splice_to_socket", "zc_pin"},
  };
  const CpuAttribution a;
  for (const auto& [function, category] : expected) {
    EXPECT_EQ(a.Mark(function, true).category,
              static_cast<int16_t>(FindCpuCategory(category)))
        << function;
    // Names differ between versions: only a warning when one is missing.
    if (!present.count(function))
      std::printf("note: %.*s is not in this kernel\n",
                  static_cast<int>(function.size()), function.data());
  }
  EXPECT_TRUE(present.count("rep_movs_alternative") ||
              present.count("copy_user_enhanced_fast_string"));
}

}  // namespace
}  // namespace netbench
