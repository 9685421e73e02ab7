// The category table of DESIGN.md section 7. The kernel names are those of
// Linux 6.18 (checked against its /proc/kallsyms), with the names older
// kernels used for the same work where they differ: copy_user_enhanced_
// fast_string before 6.4 (rep_movs_alternative after), sock_zerocopy_
// callback before 5.x (msg_zerocopy_callback), io_uring_tx_zerocopy_callback
// before 6.0 (io_tx_ubuf_complete), __do_softirq before 6.7
// (handle_softirqs), internal_get_user_pages_fast before 6.x (gup_fast_*).

#include "lib/cpu_categories.h"

#include <array>

namespace netbench {
namespace {

using Names = std::string_view;

// Copying in user space: glibc's memcpy and memmove, whichever variant its
// IFUNC chose for this CPU (__memmove_avx_unaligned_erms,
// __memmove_avx512_unaligned_erms, ...): TwoCopyPacked's packing.
constexpr Names kUserCopyUser[] = {
    "memcpy", "memmove", "mempcpy", "__memcpy_*", "__memmove_*", "__mempcpy_*",
};

// Copying the payload into the kernel on send: the iov_iter copies under
// tcp_sendmsg_locked (_copy_from_iter, or the _nocache variant where the
// route offers NETIF_F_NOCACHE_COPY) and the page-cache copy of splice.
constexpr Names kCopyInKernel[] = {
    "_copy_from_iter",
    "_copy_from_iter_nocache",
    "_copy_from_iter_flushcache",
    "copy_from_iter_full",
    "copy_page_from_iter",
    "copy_page_from_iter_atomic",
    "iov_iter_copy_from_user_atomic",
    "csum_and_copy_from_iter",
    "csum_and_copy_from_iter_full",
    "skb_copy_to_page_nocache",
    "skb_do_copy_data_nocache",
    "__copy_user_nocache",
    "copy_from_user_iter",
    "copyin",
};

// Copying the payload out to the user on receive.
constexpr Names kCopyOutKernel[] = {
    "_copy_to_iter",
    "copy_page_to_iter",
    "copy_to_user_iter",
    "copyout",
    "simple_copy_to_iter",
    "__skb_datagram_iter",
    "skb_copy_datagram_iter",
    "csum_and_copy_to_iter",
    "skb_copy_and_csum_datagram_msg",
};

// Pinning (or referencing) pages for zero-copy: MSG_ZEROCOPY and io_uring's
// SENDMSG_ZC pin the user's pages (get_user_pages_fast), and charge them to
// the user (mm_account_pinned_pages); splice takes references to page-cache
// pages instead of copying them.
constexpr Names kZcPinKernel[] = {
    "__zerocopy_sg_from_iter",
    "zerocopy_sg_from_iter",
    "zerocopy_fill_skb_from_iter",
    "skb_zerocopy_iter_stream",
    "iov_iter_get_pages2",
    "iov_iter_get_pages_alloc2",
    "iov_iter_get_pages",
    "iov_iter_extract_pages",
    "__iov_iter_get_pages_alloc",
    "get_user_pages_fast",
    "get_user_pages_fast_only",
    "pin_user_pages_fast",
    "internal_get_user_pages_fast",
    "gup_fast*",
    "gup_pgd_range",
    "lockless_pages_from_mm",
    "try_grab_folio*",
    "try_get_folio",
    "try_grab_page",
    "mm_account_pinned_pages",
    "mm_unaccount_pinned_pages",
    "msg_zerocopy_realloc",
    "msg_zerocopy_alloc",
    "io_sg_from_iter",
    "io_sg_from_iter_iovec",
    "skb_splice_from_iter",
    "filemap_splice_read",
    "splice_to_socket",
    "iter_file_splice_write",
    "vmsplice_to_pipe",
    "iter_to_pipe",
    "splice_folio_into_pipe",
    "generic_file_splice_read",
};

// Zero-copy completion and notification: the callback when the skb is freed,
// the error-queue notification and its reading (MSG_ERRQUEUE), io_uring's
// notification CQE.
constexpr Names kZcCompleteKernel[] = {
    "__msg_zerocopy_callback",
    "msg_zerocopy_callback",
    "msg_zerocopy_complete",
    "msg_zerocopy_put_abort",
    "sock_zerocopy_callback",
    "skb_zcopy_clear",
    "net_zcopy_put",
    "io_notif_tw_complete",
    "io_notif_complete_tw_ext",
    "__io_notif_complete_tw",
    "io_tx_ubuf_complete",
    "io_tx_ubuf_callback",
    "io_tx_ubuf_callback_ext",
    "io_uring_tx_zerocopy_callback",
    "io_send_zc_cleanup",
    "sock_dequeue_err_skb",
    "sock_queue_err_skb",
    "ip_recv_error",
    "ipv6_recv_error",
    "inet_recv_error",
    "sock_recv_errqueue",
};

// The zero-copy fallback at local delivery: a zero-copy skb looped to a
// local socket (veth included) is copied into fresh pages by
// skb_orphan_frags_rx, inlined into its callers, which calls
// skb_copy_ubufs.
constexpr Names kFallbackCopyKernel[] = {
    "skb_copy_ubufs",
    "skb_orphan_frags_rx",
    "__skb_zcopy_downgrade_managed",
};

// The TCP/IP stack and the socket layer under it: segments, acks, timers,
// skb management, the socket lock, netfilter's hooks; UDP's send and
// receive paths too, its segmentation (__udp_gso_segment) and GRO
// (udp_gro_receive) included, so that the UDP modes' profiles read in the
// same categories.
constexpr Names kTcpIpKernel[] = {
    "tcp_*",
    "__tcp_*",
    "tcp4_*",
    "tcp_v4_*",
    "udp_*",
    "__udp_*",
    "udp4_*",
    "__udp4_*",
    "udpv4_*",
    "ip_*",
    "__ip_*",
    "ip4_*",
    "ipv4_*",
    "inet_*",
    "__inet_*",
    "inet_csk_*",
    "raw_local_deliver",
    "sk_*",
    "__sk_*",
    "sock_*",
    "__sock_*",
    "lock_sock_nested",
    "release_sock",
    "__release_sock",
    "skb_*",
    "__skb_*",
    "kfree_skb*",
    "__kfree_skb",
    "consume_skb",
    "napi_consume_skb",
    "__alloc_skb",
    "alloc_skb_with_frags",
    "__build_skb*",
    "build_skb*",
    "pskb_*",
    "__pskb_*",
    "dst_*",
    "nf_hook_slow",
    "nf_*",
    "__nf_*",
    "ipt_*",
    "csum_partial*",
    "bictcp_*",
    "cubictcp_*",
    "bbr_*",
    "tcp_rate_*",
    "sk_stream_*",
};

// veth and the softirq that moves its packets: veth_xmit queues on the
// peer, the NET_RX softirq polls it (veth_poll), GRO and the receive path
// up to IP.
constexpr Names kVethSoftirqKernel[] = {
    "veth_*",
    "__veth_*",
    "net_rx_action",
    "__napi_poll",
    "napi_*",
    "__napi_*",
    "gro_*",
    "dev_gro_receive",
    "inet_gro_receive",
    "tcp_gro_receive",
    "tcp4_gro_receive",
    "__netif_*",
    "netif_*",
    "dev_*",
    "__dev_*",
    "validate_xmit_skb*",
    "sch_direct_xmit",
    "__qdisc_run",
    "qdisc_*",
    "pfifo_fast_*",
    "process_backlog",
    "enqueue_to_backlog",
    "handle_softirqs",
    "__do_softirq",
    "do_softirq*",
    "__local_bh_enable_ip",
    "run_ksoftirqd",
    "__irq_exit_rcu",
    "irq_exit_rcu",
    "eth_type_trans",
    "skb_gro_*",
    "rps_*",
};

// Syscall entry and exit, the socket calls' glue above the protocol, and
// io_uring's submission and completion machinery (its way into the kernel).
constexpr Names kSyscallKernel[] = {
    "entry_SYSCALL_64*",
    "do_syscall_64",
    "syscall_exit_to_user_mode*",
    "exit_to_user_mode*",
    "syscall_enter_from_user_mode*",
    "__x64_sys_*",
    "x64_sys_call",
    "__sys_*",
    "___sys_*",
    "____sys_*",
    "__do_sys_*",
    "sockfd_lookup_light",
    "__fget_light",
    "__fdget",
    "fdget",
    "fput",
    "import_iovec",
    "__import_iovec",
    "iovec_from_user",
    "copy_msghdr_from_user",
    "__copy_msghdr",
    "move_addr_to_user",
    "put_cmsg",
    "security_socket_*",
    "io_uring_enter",
    "io_submit_sqes",
    "io_issue_sqe",
    "io_sendmsg*",
    "io_send*",
    "io_recv*",
    "io_req_*",
    "__io_req_*",
    "io_cqring_*",
    "__io_cqring_*",
    "io_fill_cqe*",
    "io_run_task_work*",
    "__io_run_local_work*",
    "io_handle_tw_list",
    "tctx_task_work*",
    "io_poll_*",
    "io_*",
    "__io_*",
    "do_splice",
    "__do_splice",
    "do_vmsplice",
    "vfs_splice_read",
    "do_sendfile",
    "do_splice_direct*",
    "splice_direct_to_actor",
    "direct_splice_actor",
    "rw_verify_area",
    "clear_bhb_loop",
    "srso_*",
};

// The user side of a syscall: glibc's wrappers and their cancellation
// points, liburing's submission (its internal functions have no symbol:
// "[liburing.so.2]").
constexpr Names kSyscallUser[] = {
    "__libc_send",
    "__libc_recv",
    "__libc_sendmsg",
    "__libc_recvmsg",
    "__sendmsg",
    "__recvmsg",
    "__libc_sendto",
    "__libc_recvfrom",
    "send",
    "recv",
    "sendmsg",
    "recvmsg",
    "sendto",
    "recvfrom",
    "splice",
    "vmsplice",
    "sendfile*",
    "syscall",
    "__GI___pthread_*",
    "__pthread_enable_asynccancel",
    "__pthread_disable_asynccancel",
    "io_uring_*",
    "__io_uring_*",
    "[liburing.so*",
    "__poll",
    "poll",
    "__libc_write",
    "__libc_read",
    "__GI___libc_*",
    "fallocate",
    "fallocate64",
    "madvise",
    "__madvise",
    "__GI_madvise",
    "mmap",
    "mmap64",
    "__mmap",
    "munmap",
    "__munmap",
};

// Scheduling and wake-ups: blocking in a socket wait, waking the peer.
constexpr Names kSchedKernel[] = {
    "schedule",
    "__schedule",
    "schedule_*",
    "try_to_wake_up",
    "wake_up_*",
    "__wake_up*",
    "ttwu_*",
    "sched_*",
    "__sched_*",
    "pick_next_*",
    "__pick_next_*",
    "enqueue_*",
    "dequeue_*",
    "update_curr*",
    "update_load_avg",
    "finish_task_switch",
    "prepare_task_switch",
    "__switch_to*",
    "switch_mm*",
    "switch_fpu_*",
    "psi_*",
    "select_task_rq*",
    "check_preempt_*",
    "wakeup_preempt*",
    "resched_curr",
    "set_next_entity",
    "put_prev_*",
    "pick_task*",
    "wait_woken",
    "woken_wake_function",
    "autoremove_wake_function",
    "default_wake_function",
    "sk_wait_data",
    "sk_stream_wait_memory",
    "prepare_to_wait*",
    "finish_wait",
    "futex_*",
    "__futex_*",
    "do_futex",
    "hrtimer_*",
    "__hrtimer_*",
    "raw_spin_rq_*",
    "native_smp_send_reschedule",
    "kvm_smp_send_call_func_ipi",
    "__smp_call_single_queue",
    "send_call_function_single_ipi",
    "irqentry_exit_to_user_mode",
    "__cond_resched",
    "__set_cpus_allowed_ptr*",
    "affine_move_task",
    "stop_one_cpu*",
};

// The CPU idle or spinning: the idle loop and its halt, cpuidle's polling
// state, and busy polling of a socket.
constexpr Names kIdleKernel[] = {
    "do_idle",          "cpu_startup_entry",   "start_secondary",
    "default_idle",     "default_idle_call",   "arch_cpu_idle",
    "cpuidle_*",        "haltpoll_*",          "poll_idle",
    "acpi_idle_*",      "intel_idle*",         "mwait_idle*",
    "native_safe_halt", "pv_native_safe_halt", "safe_halt",
    "__cpuidle*",       "call_cpuidle",        "tick_nohz_idle_*",
    "sk_busy_loop",     "napi_busy_loop*",     "__napi_busy_loop",
    "sk_busy_loop_end", "rest_init",           "x86_64_start_*",
};

// Memory: page faults (SpliceZeroCopy writes fresh pages for every
// message), mapping, unmapping and advising memory. The page allocator
// itself is not named: allocating and freeing pages is transparent, so that
// it goes to whoever asked (skb_copy_ubufs' fresh pages are the fallback
// copy's, a socket's page frags the TCP/IP stack's).
constexpr Names kMemoryKernel[] = {
    "asm_exc_page_fault",
    "exc_page_fault",
    "do_user_addr_fault",
    "handle_mm_fault",
    "__handle_mm_fault",
    "do_anonymous_page",
    "do_fault",
    "do_read_fault",
    "do_shared_fault",
    "do_cow_fault",
    "do_wp_page",
    "wp_page_copy",
    "shmem_fault",
    "shmem_get_folio*",
    "shmem_alloc_and_add_folio",
    "shmem_undo_range",
    "shmem_truncate_range",
    "shmem_fallocate",
    "shmem_evict_inode",
    "do_madvise",
    "madvise_*",
    "vfs_fallocate",
    "__x64_sys_madvise",
    "__x64_sys_munmap",
    "__x64_sys_mmap",
    "__x64_sys_fallocate",
    "ksys_mmap_pgoff",
    "vm_mmap_pgoff",
    "do_mmap",
    "mmap_region",
    "__mmap_region",
    "do_vmi_munmap",
    "do_vmi_align_munmap",
    "__vm_munmap",
    "vms_complete_munmap_vmas",
    "vms_clear_ptes",
    "unmap_vmas",
    "unmap_page_range",
    "zap_pte_range",
    "zap_pmd_range",
    "zap_page_range_single*",
    "tlb_finish_mmu",
    "tlb_flush_mmu",
    "flush_tlb_mm_range",
    "flush_tlb_func",
    "native_flush_tlb_one_user",
    "filemap_map_pages",
    "finish_fault",
    "set_pte_range",
    "alloc_anon_folio",
    "vma_alloc_folio*",
};

// The application's own work in user space: writing each message's payload
// (lib/payload.cc), the flow's loop and its looks at the clock (the vDSO).
constexpr Names kAppUser[] = {
    "netbench::*",      "std::*",   "benchmark::*",      "clock_gettime",
    "__clock_gettime*", "__vdso_*", "[linux-vdso.so.1]",
};

constexpr std::array<CpuCategory, kNumCpuCategories> kCategories = {{
    {"user_copy", "copying in user space (memcpy)", {}, kUserCopyUser},
    {"copy_in", "copying into the kernel on send", kCopyInKernel, {}},
    {"copy_out", "copying out to the user on receive", kCopyOutKernel, {}},
    {"zc_pin",
     "pinning pages for zero-copy (and splice's page references)",
     kZcPinKernel,
     {}},
    {"zc_complete",
     "zero-copy completion and notification",
     kZcCompleteKernel,
     {}},
    {"fallback_copy",
     "the zero-copy fallback copy at local delivery",
     kFallbackCopyKernel,
     {}},
    {"tcpip", "the TCP/IP stack", kTcpIpKernel, {}},
    {"veth_softirq", "veth and softirq", kVethSoftirqKernel, {}},
    {"syscall", "syscall entry and exit (and io_uring submission)",
     kSyscallKernel, kSyscallUser},
    {"sched", "scheduling and wake-ups", kSchedKernel, {}},
    {"idle", "idle or spinning", kIdleKernel, {}},
    {"memory", "page faults, allocating and freeing pages", kMemoryKernel, {}},
    {"app",
     "the application's own work in user space (payload, loop)",
     {},
     kAppUser},
    {"other", "everything else", {}, {}},
}};

// Copy primitives, called by every copy above: their samples go to the
// innermost known frame above them (the rule in cpu_categories.h).
constexpr Names kKernelCopyPrimitives[] = {
    "rep_movs_alternative",            // 6.4 and later
    "copy_user_enhanced_fast_string",  // before 6.4
    "copy_user_generic_string",
    "copy_user_generic_unrolled",
    "copy_user_generic",
    "memcpy",
    "__memcpy",
    "__pi_memcpy",
    "memcpy_orig",
    "memcpy_erms",
    "memmove",
    "__memmove",
    "copy_mc_to_kernel",
    "copy_mc_fragile",
};

}  // namespace

std::span<const CpuCategory> CpuCategoryTable() { return kCategories; }

size_t FindCpuCategory(std::string_view name) {
  for (size_t i = 0; i < kCategories.size(); ++i)
    if (kCategories[i].name == name) return i;
  return kNumCpuCategories;
}

size_t OtherCpuCategory() {
  static const size_t other = FindCpuCategory("other");
  return other;
}

size_t IdleCpuCategory() {
  static const size_t idle = FindCpuCategory("idle");
  return idle;
}

std::span<const std::string_view> KernelCopyPrimitives() {
  return kKernelCopyPrimitives;
}

}  // namespace netbench
