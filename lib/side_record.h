#ifndef NET_BENCH_LIB_SIDE_RECORD_H_
#define NET_BENCH_LIB_SIDE_RECORD_H_

#include <cstddef>
#include <cstdint>
#include <optional>

namespace netbench {

// What one side of one connection did: the thread that sends the messages of
// the mode under test (tx) or the one that receives them (rx). It is the one
// measurement type of the project: a Sender or Receiver counts into it as it
// works, a ThreadMeter adds time, CPU and where the thread ran over the
// benchmark's window, the server sends it to the client in its Report, and
// the counters are computed from the records of every connection
// (benchmarks/counters.h).
//
// As a sender or receiver keeps it, every count is a total since the
// connection started; the record of a window (lib/flow_window.h) holds only
// what was counted inside it. Optional fields are absent when not measured
// (never zero for "not measured").
struct SideRecord {
  // Counted by the sender or receiver.
  uint64_t messages = 0;  // messages sent or received completely
  uint64_t bytes = 0;     // payload bytes moved
  // Syscalls issued for the data phase: sends, receives, error-queue reads,
  // polls, io_uring_enter; in RR also the request's send or receive; with
  // --wait=spin every empty non-blocking poll counts too.
  uint64_t syscalls = 0;

  // Zero-copy truth, filled only by the modes that ask for notifications.
  uint64_t zc_sends = 0;          // zero-copy sends that sent data
  uint64_t zc_notifications = 0;  // completion notifications read
  // The copied verdict, counted per notification, as the kernel gives it
  // (zc_copied_ratio is zc_copied / zc_completed):
  //  - ZeroCopy: error-queue records that completed sends of ours, each a
  //    range of sends whose SO_EE_CODE_ZEROCOPY_COPIED bit is the record's,
  //    not each send's (lib/zerocopy_completions.h says why);
  //  - UringZeroCopy: notification CQEs, one per send request that sent
  //    data, whose IORING_NOTIF_USAGE_ZC_COPIED says some of its data was
  //    copied, or none of it went out zero-copy
  //    (lib/uring_send_accounting.h).
  uint64_t zc_completed = 0;  // notifications that completed sends of ours
  uint64_t zc_copied = 0;     // of those, the ones that say "copied"
  uint64_t zc_enobufs = 0;    // ENOBUFS (optmem exhausted) met and drained
  // False when the kernel cannot say whether it copied (io_uring before
  // Linux 6.2): zc_copied is then meaningless and left out of the results.
  bool zc_copied_known = true;

  // --rx=zerocopy (TCP_ZEROCOPY_RECEIVE): bytes mapped vs copied.
  uint64_t mapped_bytes = 0;
  uint64_t copied_bytes = 0;
  // --verify: messages (UDP: datagrams) whose every byte was checked.
  uint64_t verified = 0;

  // UDP (lib/datagram.h): datagrams sent or received; on the receiving
  // side, the datagrams its sequence numbers say were lost (a gap) and
  // those that arrived after a later one; on the UdpRR client, the requests
  // whose answer did not come within the wait.
  uint64_t datagrams = 0;
  uint64_t datagrams_lost = 0;
  uint64_t datagrams_reordered = 0;
  uint64_t messages_lost = 0;

  // Filled by ThreadMeter (lib/thread_meter.h) at the window's ends.
  // steady_clock (CLOCK_MONOTONIC) nanoseconds: comparable between threads
  // of one host, not between hosts.
  int64_t start_ns = 0;
  int64_t end_ns = 0;
  uint64_t cpu_ns = 0;  // the thread's CPU time (user + system)
  uint64_t ctx_switches = 0;
  std::optional<uint64_t> cycles;  // hardware PMU, absent without one
  std::optional<uint64_t> instructions;
  std::optional<uint64_t> llc_misses;
  // The CPU the thread ran on when the window started and when it ended
  // (sched_getcpu); -1 when not known.
  int cpu_at_start = -1;
  int cpu_at_end = -1;

  // Calls visit(field) for every field, in a fixed order: what handles all
  // fields alike (the wire encoding, harness/protocol.h) goes through this,
  // so a new field is added here and nowhere else.
  template <typename Self, typename Visit>
  static void ForEachField(Self& r, Visit&& visit) {
    visit(r.messages);
    visit(r.bytes);
    visit(r.syscalls);
    visit(r.zc_sends);
    visit(r.zc_notifications);
    visit(r.zc_completed);
    visit(r.zc_copied);
    visit(r.zc_enobufs);
    visit(r.zc_copied_known);
    visit(r.mapped_bytes);
    visit(r.copied_bytes);
    visit(r.verified);
    visit(r.datagrams);
    visit(r.datagrams_lost);
    visit(r.datagrams_reordered);
    visit(r.messages_lost);
    visit(r.start_ns);
    visit(r.end_ns);
    visit(r.cpu_ns);
    visit(r.ctx_switches);
    visit(r.cycles);
    visit(r.instructions);
    visit(r.llc_misses);
    visit(r.cpu_at_start);
    visit(r.cpu_at_end);
  }
  static constexpr size_t kFields = 25;

  // What was counted between `earlier` (the same side's counts when the
  // window opened) and this record (its counts when the window closed): the
  // counted fields are subtracted; whether the copied verdict is known is
  // this record's. Time, CPU and where the thread ran are left at zero, for
  // a ThreadMeter to fill.
  SideRecord CountedSince(const SideRecord& earlier) const {
    SideRecord d;
    d.messages = messages - earlier.messages;
    d.bytes = bytes - earlier.bytes;
    d.syscalls = syscalls - earlier.syscalls;
    d.zc_sends = zc_sends - earlier.zc_sends;
    d.zc_notifications = zc_notifications - earlier.zc_notifications;
    d.zc_completed = zc_completed - earlier.zc_completed;
    d.zc_copied = zc_copied - earlier.zc_copied;
    d.zc_enobufs = zc_enobufs - earlier.zc_enobufs;
    d.zc_copied_known = zc_copied_known;
    d.mapped_bytes = mapped_bytes - earlier.mapped_bytes;
    d.copied_bytes = copied_bytes - earlier.copied_bytes;
    d.verified = verified - earlier.verified;
    d.datagrams = datagrams - earlier.datagrams;
    d.datagrams_lost = datagrams_lost - earlier.datagrams_lost;
    d.datagrams_reordered = datagrams_reordered - earlier.datagrams_reordered;
    d.messages_lost = messages_lost - earlier.messages_lost;
    return d;
  }
};

}  // namespace netbench

#endif  // NET_BENCH_LIB_SIDE_RECORD_H_
