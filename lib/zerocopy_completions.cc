#include "lib/zerocopy_completions.h"

// linux/errqueue.h uses struct timespec without including its header: keep
// <time.h> first (and out of clang-format's include sorting).
// clang-format off
#include <time.h>
#include <linux/errqueue.h>
// clang-format on
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace netbench {
namespace {

// Signed distance from `from` to `to` on the 32-bit id circle.
int32_t IdDistance(uint32_t from, uint32_t to) {
  return static_cast<int32_t>(to - from);
}

bool IsRecvErr(const cmsghdr& cm) {
  return (cm.cmsg_level == SOL_IP && cm.cmsg_type == IP_RECVERR) ||
         (cm.cmsg_level == SOL_IPV6 && cm.cmsg_type == IPV6_RECVERR);
}

}  // namespace

int ZeroCopyCompletionParser::ParseImpl(
    std::span<const std::byte> control, int msg_flags,
    void (*emit)(void*, const ZeroCopyRange&), void* fn) {
  if (msg_flags & MSG_CTRUNC) ++stats_.truncated;
  // CMSG_FIRSTHDR/CMSG_NXTHDR take a non-const msghdr; they only read.
  msghdr msg{};
  msg.msg_control = const_cast<std::byte*>(control.data());
  msg.msg_controllen = control.size();
  int found = 0;
  for (cmsghdr* cm = CMSG_FIRSTHDR(&msg); cm != nullptr;
       cm = CMSG_NXTHDR(&msg, cm)) {
    if (!IsRecvErr(*cm)) {
      ++stats_.foreign;  // e.g. a timestamp someone else asked for
      continue;
    }
    if (cm->cmsg_len < CMSG_LEN(sizeof(sock_extended_err))) {
      ++stats_.malformed;
      continue;
    }
    // CMSG_DATA need not be aligned for sock_extended_err in a buffer made
    // by a test; copy instead of casting.
    sock_extended_err ee;
    std::memcpy(&ee, CMSG_DATA(cm), sizeof(ee));
    if (ee.ee_origin != SO_EE_ORIGIN_ZEROCOPY) {
      // ICMP, local or timestamping errors share the queue; not ours.
      ++stats_.foreign;
      continue;
    }
    // Zero-copy notifications carry ee_errno 0 "to avoid blocking read and
    // write system calls on the socket" (msg_zerocopy.rst).
    if (ee.ee_errno != 0) {
      ++stats_.malformed;
      continue;
    }
    const ZeroCopyRange r{ee.ee_info, ee.ee_data,
                          (ee.ee_code & SO_EE_CODE_ZEROCOPY_COPIED) != 0};
    Note(r);
    ++found;
    emit(fn, r);
  }
  return found;
}

void ZeroCopyCompletionParser::Note(const ZeroCopyRange& r) {
  ++stats_.ranges;
  stats_.ids += r.size();
  if (r.copied) ++stats_.copied_ranges;
  // Like the kernel selftest: a range that does not start where the last
  // one ended is a gap (ids skipped, for now) or a late arrival.
  const int32_t d = IdDistance(next_expected_, r.lo);
  if (d > 0) ++stats_.gaps;
  if (d < 0) ++stats_.reordered;
  const uint32_t after = r.hi + 1;
  if (IdDistance(next_expected_, after) > 0) next_expected_ = after;
}

ZeroCopyTracker::ZeroCopyTracker(size_t max_groups, uint32_t first_id)
    : ring_(max_groups), next_id_(first_id) {
  if (max_groups == 0)
    throw std::invalid_argument("ZeroCopyTracker needs max_groups >= 1");
}

void ZeroCopyTracker::Open(uint32_t tag) {
  Group& g = at(count_);
  g = Group{};
  g.first = next_id_;
  g.tag = tag;
  g.open = true;
  ++count_;
  open_ = true;
}

uint32_t ZeroCopyTracker::Use() {
  Group& g = at(count_ - 1);
  ++g.ids;
  ++g.pending;
  ++used_;
  return next_id_++;
}

void ZeroCopyTracker::CloseImpl(ReleaseFn release, void* fn) {
  Group& g = at(count_ - 1);
  g.open = false;
  open_ = false;
  MaybeRelease(g, release, fn);
  PopReleased();
}

void ZeroCopyTracker::MaybeRelease(Group& g, ReleaseFn release, void* fn) {
  if (g.open || g.released || g.pending != 0) return;
  g.released = true;
  release(fn, g.tag);
}

void ZeroCopyTracker::PopReleased() {
  while (count_ > 0 && at(0).released) {
    head_ = (head_ + 1) % ring_.size();
    --count_;
  }
}

void ZeroCopyTracker::CompleteImpl(const ZeroCopyRange& range,
                                   ReleaseFn release, void* fn) {
  const int64_t size = static_cast<int64_t>(range.size());
  if (count_ == 0) {
    unmatched_ += static_cast<uint64_t>(size);
    return;
  }
  // Work in offsets from the first id still tracked; the tracked ids are
  // [0, window) there, contiguous across the groups in FIFO order.
  const uint32_t base = at(0).first;
  const int64_t window = static_cast<uint32_t>(next_id_ - base);
  const int64_t lo = IdDistance(base, range.lo);
  const int64_t hi = lo + size - 1;
  const int64_t from = std::max<int64_t>(lo, 0);
  const int64_t to = std::min<int64_t>(hi, window - 1);
  if (from > to) {
    unmatched_ += static_cast<uint64_t>(size);
    return;
  }
  unmatched_ += static_cast<uint64_t>(size - (to - from + 1));
  uint64_t taken = 0;
  int64_t offset = 0;
  for (size_t i = 0; i < count_ && offset <= to; ++i) {
    Group& g = at(i);
    const int64_t g_from = offset;
    const int64_t g_to = offset + g.ids - 1;
    offset += g.ids;
    const int64_t n = std::min(to, g_to) - std::max(from, g_from) + 1;
    if (n <= 0) continue;
    const uint32_t take =
        g.released ? 0 : static_cast<uint32_t>(std::min<int64_t>(n, g.pending));
    unmatched_ += static_cast<uint64_t>(n - take);
    g.pending -= take;
    completed_ += take;
    taken += take;
    MaybeRelease(g, release, fn);
  }
  if (taken > 0) {
    ++ranges_completed_;
    if (range.copied) ++ranges_copied_;
  }
  PopReleased();
}

}  // namespace netbench
