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
  }
  in_flight_ = true;
}

void UringSendAccounting::Complete(uint64_t user_data, int32_t res,
                                   uint32_t flags) {
  const size_t slot = static_cast<size_t>(user_data);
  if (flags & IORING_CQE_F_NOTIF) {
    ++stats_->zc_notifications;
    // Only ever set when asked for with IORING_SEND_ZC_REPORT_USAGE.
    const bool copied =
        (static_cast<uint32_t>(res) & IORING_NOTIF_USAGE_ZC_COPIED) != 0;
    if (copied && verdictless_ > 0) {
      --verdictless_;  // a request that sent nothing: no verdict
    } else {
      ++stats_->zc_completed;
      if (copied) ++stats_->zc_copied;
    }
    Release(slot);
    return;
  }
  result_ = res;
  in_flight_ = false;
  if (!zerocopy_) return;
  // A send, as MSG_ZEROCOPY counts them: a request that sent data.
  if (res > 0) ++stats_->zc_sends;
  // Without F_MORE no notification follows: the slot is free, and nothing
  // completed. With it, a request that sent nothing has one to come.
  if (!(flags & IORING_CQE_F_MORE))
    Release(slot);
  else if (res <= 0)
    ++verdictless_;
}

void UringSendAccounting::Release(size_t slot) {
  --outstanding_;
  --pending_[slot];
}

}  // namespace netbench
