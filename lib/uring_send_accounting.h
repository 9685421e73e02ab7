#ifndef NET_BENCH_LIB_URING_SEND_ACCOUNTING_H_
#define NET_BENCH_LIB_URING_SEND_ACCOUNTING_H_

// What the CQEs of an io_uring sender's sends mean for its buffers and its
// counters (io_uring_prep_send_zc(3); the kernel's io_uring/net.c and
// io_uring/notif.c), apart from the ring, so that a test can feed it
// synthetic CQEs (user_data, res, flags):
//  - A send's result CQE (res: bytes sent, or -errno) ends the request. A
//    zero-copy one carries IORING_CQE_F_MORE when a notification CQE
//    (IORING_CQE_F_NOTIF) follows, once the kernel has dropped its last
//    reference to the pages: only then may the buffer be written again.
//    Without F_MORE none follows (the request failed before the kernel
//    took the pages): the buffer is free at once, and nothing completed.
//    A request that failed later carries F_MORE (io_sendrecv_fail) and is
//    released by its notification like any other.
//  - A notification is one completion. With IORING_SEND_ZC_REPORT_USAGE its
//    res carries IORING_NOTIF_USAGE_ZC_COPIED when some of the request's
//    data was copied, or none of it went out zero-copy
//    (io_notif_tw_complete: zc_copied || !zc_used), a request that sent
//    nothing included. Such a request (a failed one with F_MORE, e.g. the
//    -ENOMEM the sender retries) says nothing about copying: its
//    notification is counted as read (zc_notifications) but is no verdict
//    (not in zc_completed, zc_copied). Its result comes before it (the
//    request completes before its cleanup flushes the notification), and
//    every such notification carries the flag, so the totals are exact
//    whichever flagged notification is set aside. zc_copied then counts the
//    requests that sent data and did not go entirely zero-copy; over veth,
//    all of them (local delivery copies, skb_orphan_frags_rx).

#include <cstddef>
#include <cstdint>
#include <vector>

#include "lib/side_record.h"

namespace netbench {

// The sends of one sender, one in flight at a time, from a working set of
// `slots` messages (a send's user_data is its slot). Counts into `*stats`:
// zc_sends (requests that sent data, as MSG_ZEROCOPY counts the calls that
// take an id), zc_notifications, zc_completed, zc_copied. Allocates only at
// construction.
class UringSendAccounting {
 public:
  // REQUIRES: `stats` outlives this object.
  UringSendAccounting(size_t slots, bool zerocopy, SideRecord* stats);

  // A send from `slot` was queued: its result is awaited, and a zero-copy
  // one holds the slot until released.
  void Submitted(size_t slot);

  // One CQE of a send. REQUIRES: `user_data` is the slot of a send
  // Submitted() and not yet released.
  void Complete(uint64_t user_data, int32_t res, uint32_t flags);

  // Whether the last submitted send's result has arrived, and its res.
  bool result_ready() const { return !in_flight_; }
  int32_t result() const { return result_; }
  // Whether the kernel may still read a buffer of `slot`.
  bool slot_free(size_t slot) const { return pending_[slot] == 0; }
  // Zero-copy sends not yet released, all slots.
  uint64_t outstanding() const { return outstanding_; }

 private:
  void Release(size_t slot);

  bool zerocopy_;
  SideRecord* stats_;
  std::vector<uint32_t> pending_;  // per slot: zero-copy sends not released
  uint64_t outstanding_ = 0;
  bool in_flight_ = false;  // a send was submitted and its result not seen
  int32_t result_ = 0;
  // Requests that sent nothing whose (flagged) notification is still to
  // be set aside.
  uint64_t verdictless_ = 0;
};

}  // namespace netbench

#endif  // NET_BENCH_LIB_URING_SEND_ACCOUNTING_H_
