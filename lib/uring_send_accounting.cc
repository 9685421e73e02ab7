#include "lib/uring_send_accounting.h"

#include "lib/uring_compat.h"

namespace netbench {

UringSendAccounting::UringSendAccounting(size_t slots, bool zerocopy,
                                         SideRecord* stats)
    : zerocopy_(zerocopy), stats_(stats), pending_(slots, 0) {}

void UringSendAccounting::Submitted(size_t slot) {
  if (zerocopy_) {
    ++pending_[slot];
    ++outstanding_;
    ++stats_->zc_sends;
  }
  in_flight_ = true;
}

void UringSendAccounting::Complete(uint64_t user_data, int32_t res,
                                   uint32_t flags) {
  const size_t slot = static_cast<size_t>(user_data);
  if (flags & IORING_CQE_F_NOTIF) {
    ++stats_->zc_notifications;
    ++stats_->zc_completed;
    // Only ever set when asked for with IORING_SEND_ZC_REPORT_USAGE.
    if (static_cast<uint32_t>(res) & IORING_NOTIF_USAGE_ZC_COPIED)
      ++stats_->zc_copied;
    Release(slot);
    return;
  }
  result_ = res;
  in_flight_ = false;
  // Without F_MORE no notification follows: the slot is free, and nothing
  // completed.
  if (zerocopy_ && !(flags & IORING_CQE_F_MORE)) Release(slot);
}

void UringSendAccounting::Release(size_t slot) {
  --outstanding_;
  --pending_[slot];
}

}  // namespace netbench
