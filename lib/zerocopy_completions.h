#ifndef NET_BENCH_LIB_ZEROCOPY_COMPLETIONS_H_
#define NET_BENCH_LIB_ZEROCOPY_COMPLETIONS_H_

// MSG_ZEROCOPY completion accounting, as the kernel documents it
// (Documentation/networking/msg_zerocopy.rst):
//  - every send call with MSG_ZEROCOPY that sends data (> 0 bytes, a partial
//    send included) takes the next value of a per-socket unsigned 32-bit
//    counter, starting at 0 and wrapping after UINT_MAX; a call that fails
//    (-1, even EAGAIN or ENOBUFS) or sends zero bytes takes none;
//  - completions are read from the error queue (recvmsg(MSG_ERRQUEUE)) as a
//    sock_extended_err with ee_origin SO_EE_ORIGIN_ZEROCOPY and ee_errno 0,
//    under cmsg SOL_IP/IP_RECVERR or SOL_IPV6/IPV6_RECVERR, each covering the
//    inclusive range [ee_info, ee_data] of those values;
//  - ranges are usually in order and coalesced, but "may arrive out of order
//    on retransmission and socket teardown";
//  - SO_EE_CODE_ZEROCOPY_COPIED in ee_code means the kernel copied after all
//    (always the case for data looped to a local socket, veth included).
//
// What the COPIED bit can say (net/core/skbuff.c). A notification is born
// per ubuf_info, which covers the consecutive sends TCP appended to one skb
// (msg_zerocopy_realloc); its bit is set when the data of any of them was
// copied (msg_zerocopy_callback: zerocopy &= success). When it completes the
// ids right after those of the notification at the tail of the error queue,
// it is merged into that one (skb_zerocopy_notify_extend), which widens
// [ee_info, ee_data] without looking at ee_code: the merged record keeps the
// bit of the first. A record's bit is thus a verdict on the record, not on
// each of its ids, and counting ids by it would misattribute mixed outcomes.
// What is counted is what the kernel's selftest
// (tools/testing/selftests/net/msg_zerocopy.c) judges by: notifications,
// and how many of them carry COPIED.
//
// ZeroCopyCompletionParser turns the control messages of one error-queue
// read into ranges; ZeroCopyTracker maps ids to the buffers that used them
// and says when a buffer is free again. Neither touches a socket, so both are
// unit-tested with synthetic control buffers.

#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>
#include <vector>

namespace netbench {

// One completion notification: ids [lo, hi], inclusive, 32-bit wrap.
struct ZeroCopyRange {
  uint32_t lo = 0;      // ee_info
  uint32_t hi = 0;      // ee_data
  bool copied = false;  // ee_code & SO_EE_CODE_ZEROCOPY_COPIED
  // Number of ids covered: 1 .. 2^32 (hi < lo means the range wrapped).
  uint64_t size() const { return uint64_t{static_cast<uint32_t>(hi - lo)} + 1; }
};

struct ZeroCopyParseStats {
  uint64_t ranges = 0;         // zero-copy completion records parsed
  uint64_t ids = 0;            // ids they cover (sum of range sizes)
  uint64_t copied_ranges = 0;  // records with SO_EE_CODE_ZEROCOPY_COPIED
  uint64_t gaps = 0;           // ranges starting past the next id expected
  uint64_t reordered = 0;      // ranges starting before it (late arrivals)
  uint64_t foreign = 0;        // other cmsgs, other ee_origin: ignored
  uint64_t malformed = 0;  // short cmsg, or zero-copy origin with ee_errno != 0
  uint64_t truncated = 0;  // reads flagged MSG_CTRUNC
};

// Parses the control messages of error-queue reads, in the order read.
class ZeroCopyCompletionParser {
 public:
  // `first_id`: the id of the socket's first zero-copy send (0 unless the
  // socket sent with MSG_ZEROCOPY before; tests start near the wrap).
  explicit ZeroCopyCompletionParser(uint32_t first_id = 0)
      : next_expected_(first_id) {}

  // Parses `control` (msg_control, msg_controllen bytes of one
  // recvmsg(MSG_ERRQUEUE); `msg_flags` its msg_flags) and calls
  // `on_range(const ZeroCopyRange&)` for each zero-copy completion, in order.
  // Returns how many it found. Never throws by itself.
  template <typename F>
  int Parse(std::span<const std::byte> control, int msg_flags, F&& on_range) {
    using Fn = std::remove_reference_t<F>;
    return ParseImpl(
        control, msg_flags,
        [](void* fn, const ZeroCopyRange& r) { (*static_cast<Fn*>(fn))(r); },
        &on_range);
  }

  const ZeroCopyParseStats& stats() const { return stats_; }
  // The id after the highest one reported so far.
  uint32_t next_expected() const { return next_expected_; }

 private:
  int ParseImpl(std::span<const std::byte> control, int msg_flags,
                void (*emit)(void*, const ZeroCopyRange&), void* fn);
  void Note(const ZeroCopyRange& r);

  uint32_t next_expected_;
  ZeroCopyParseStats stats_;
};

// Which message ("group", identified by a caller's tag) used which ids, and
// when every id of a message has completed so that its buffer may be
// written again. Messages take ids in send order, so the groups form a FIFO;
// a group whose ids complete early (out of order) is released at once and
// its entry is reclaimed when the groups before it are done. All memory is
// allocated at construction: nothing here allocates afterwards.
//
// Each id is assumed to be reported once, as the kernel does. An id reported
// that is not outstanding (never used, or already complete in a released
// group) is counted in unmatched() and otherwise ignored; a repeat of an id
// of a group still pending cannot be told apart and would release the group
// early.
class ZeroCopyTracker {
 public:
  // `max_groups`: messages tracked at once (released ones waiting behind an
  // earlier pending one included). `first_id`: as for the parser.
  // REQUIRES: max_groups >= 1.
  explicit ZeroCopyTracker(size_t max_groups, uint32_t first_id = 0);

  // Whether Open() may be called (a free entry and no group open).
  bool can_open() const { return !open_ && count_ < ring_.size(); }

  // Starts the group of the next message, tagged `tag`.
  // REQUIRES: can_open().
  void Open(uint32_t tag);

  // Records that the open group's message used one more id (a send call
  // with MSG_ZEROCOPY returned > 0). Returns that id.
  // REQUIRES: a group is open.
  uint32_t Use();

  // Ends the open group (its message is sent, or failed). Its tag goes to
  // `on_release(uint32_t tag)` as soon as every id it used has completed:
  // right here when it used none or all completed already.
  // REQUIRES: a group is open.
  template <typename F>
  void Close(F&& on_release) {
    using Fn = std::remove_reference_t<F>;
    CloseImpl([](void* fn, uint32_t tag) { (*static_cast<Fn*>(fn))(tag); },
              &on_release);
  }

  // Applies a completed range: `on_release(uint32_t tag)` is called for each
  // closed group whose last pending id this completes.
  template <typename F>
  void Complete(const ZeroCopyRange& range, F&& on_release) {
    using Fn = std::remove_reference_t<F>;
    CompleteImpl(
        range, [](void* fn, uint32_t tag) { (*static_cast<Fn*>(fn))(tag); },
        &on_release);
  }

  bool group_open() const { return open_; }
  // The id the next Use() returns.
  uint32_t next_id() const { return next_id_; }
  uint64_t used() const { return used_; }            // ids used
  uint64_t completed() const { return completed_; }  // of those, completed
  uint64_t outstanding() const { return used_ - completed_; }
  // Notifications (ranges) that completed at least one outstanding id, and
  // of those the ones with COPIED set: the copied verdict as the kernel
  // gives it, one per notification (see the top of the file).
  uint64_t ranges_completed() const { return ranges_completed_; }
  uint64_t ranges_copied() const { return ranges_copied_; }
  uint64_t unmatched() const { return unmatched_; }
  // Groups held: pending ones and released ones behind a pending one.
  size_t groups() const { return count_; }

 private:
  struct Group {
    uint32_t first = 0;    // first id used
    uint32_t ids = 0;      // ids used
    uint32_t pending = 0;  // of those, not completed
    uint32_t tag = 0;
    bool open = false;
    bool released = false;
  };
  using ReleaseFn = void (*)(void*, uint32_t);

  Group& at(size_t i) { return ring_[(head_ + i) % ring_.size()]; }
  void CloseImpl(ReleaseFn release, void* fn);
  void CompleteImpl(const ZeroCopyRange& range, ReleaseFn release, void* fn);
  void MaybeRelease(Group& g, ReleaseFn release, void* fn);
  void PopReleased();

  std::vector<Group> ring_;
  size_t head_ = 0;
  size_t count_ = 0;
  bool open_ = false;
  uint32_t next_id_;
  uint64_t used_ = 0;
  uint64_t completed_ = 0;
  uint64_t ranges_completed_ = 0;
  uint64_t ranges_copied_ = 0;
  uint64_t unmatched_ = 0;
};

}  // namespace netbench

#endif  // NET_BENCH_LIB_ZEROCOPY_COMPLETIONS_H_
