// The io_uring sender's CQE accounting fed synthetic CQEs (user_data, res,
// flags), as the kernel's io_uring/net.c and io_uring/notif.c post them.

#include "lib/uring_send_accounting.h"

#include <gtest/gtest.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <ostream>
#include <string>

#include "lib/uring_compat.h"

namespace netbench {
namespace {

constexpr uint32_t kMore = IORING_CQE_F_MORE;
constexpr uint32_t kNotif = IORING_CQE_F_NOTIF;
constexpr int32_t kCopied = static_cast<int32_t>(IORING_NOTIF_USAGE_ZC_COPIED);

struct Sends {
  explicit Sends(bool zerocopy = true) : accounting(4, zerocopy, &stats) {}
  SideRecord stats;
  UringSendAccounting accounting;
};

// Everything the accounting says, of one slot and in all.
struct Said {
  bool result_ready;
  int32_t result;
  bool slot_free;
  uint64_t outstanding;
  // zc_sends, zc_notifications, zc_completed, zc_copied
  std::array<uint64_t, 4> counts;
  bool operator==(const Said&) const = default;
};

void PrintTo(const Said& s, std::ostream* out) {
  *out << "{result " << (s.result_ready ? std::to_string(s.result) : "awaited")
       << ", slot " << (s.slot_free ? "free" : "held") << ", outstanding "
       << s.outstanding << ", sends/notifications/completed/copied "
       << s.counts[0] << "/" << s.counts[1] << "/" << s.counts[2] << "/"
       << s.counts[3] << "}";
}

Said Of(const Sends& s, size_t slot) {
  const SideRecord& r = s.stats;
  return {s.accounting.result_ready(),
          s.accounting.result(),
          s.accounting.slot_free(slot),
          s.accounting.outstanding(),
          {r.zc_sends, r.zc_notifications, r.zc_completed, r.zc_copied}};
}

TEST(UringSendAccountingTest, ResultThenNotificationReleasesTheSlot) {
  Sends s;
  s.accounting.Submitted(2);
  EXPECT_EQ(Of(s, 2), (Said{false, 0, false, 1, {0, 0, 0, 0}}));
  s.accounting.Complete(2, 4096, kMore);
  // The kernel still holds the pages until the notification.
  EXPECT_EQ(Of(s, 2), (Said{true, 4096, false, 1, {1, 0, 0, 0}}));
  s.accounting.Complete(2, kCopied, kNotif);
  EXPECT_EQ(Of(s, 2), (Said{true, 4096, true, 0, {1, 1, 1, 1}}));
}

// Failed before the kernel took the pages: no F_MORE, no notification will
// come. The slot is free at once and nothing completed.
TEST(UringSendAccountingTest, FailureWithoutMoreIsNoCompletion) {
  Sends s;
  s.accounting.Submitted(0);
  s.accounting.Complete(0, -ECONNRESET, 0);
  EXPECT_EQ(Of(s, 0), (Said{true, -ECONNRESET, true, 0, {0, 0, 0, 0}}));
}

// Failed after the request took a notification (io_sendrecv_fail sets
// F_MORE): the slot waits for it. Zero-copy was never used, so with the
// usage report the notification says copied (io_notif_tw_complete:
// zc_copied || !zc_used), about a request that sent nothing: read, but no
// verdict.
TEST(UringSendAccountingTest, FailureWithMoreWaitsForItsNotification) {
  Sends s;
  s.accounting.Submitted(1);
  s.accounting.Complete(1, -ENOMEM, kMore);
  EXPECT_EQ(Of(s, 1), (Said{true, -ENOMEM, false, 1, {0, 0, 0, 0}}));
  s.accounting.Complete(1, kCopied, kNotif);
  EXPECT_EQ(Of(s, 1), (Said{true, -ENOMEM, true, 0, {0, 1, 0, 0}}));
}

// The failed request's notification may come after another of the slot's:
// whichever flagged one is set aside, the verdicts add up the same, and one
// without the flag (all zero-copy) is never taken for it.
TEST(UringSendAccountingTest, TheVerdictsAddUpWhateverTheOrder) {
  Sends s;
  s.accounting.Submitted(0);
  s.accounting.Complete(0, 4096, kMore);  // sent
  s.accounting.Submitted(0);
  s.accounting.Complete(0, -ENOMEM, kMore);  // nothing sent
  s.accounting.Complete(0, 0, kNotif);       // the first: all zero-copy
  EXPECT_EQ(Of(s, 0), (Said{true, -ENOMEM, false, 1, {1, 1, 1, 0}}));
  s.accounting.Complete(0, kCopied, kNotif);  // the failed one's
  EXPECT_EQ(Of(s, 0), (Said{true, -ENOMEM, true, 0, {1, 2, 1, 0}}));
}

TEST(UringSendAccountingTest, NotificationWithoutTheFlagIsNotCopied) {
  Sends s;
  s.accounting.Submitted(3);
  s.accounting.Complete(3, 65536, kMore);
  s.accounting.Complete(3, 0, kNotif);  // all of it went out zero-copy
  EXPECT_EQ(Of(s, 3), (Said{true, 65536, true, 0, {1, 1, 1, 0}}));
}

// A message sent in two requests (a short send resumed): its slot is free
// once both notifications came, in whatever order they and the results
// arrive, and it is released once per request.
TEST(UringSendAccountingTest, ASlotWaitsForEveryRequestOfItsMessage) {
  Sends s;
  s.accounting.Submitted(0);
  s.accounting.Complete(0, 1000, kMore);
  s.accounting.Submitted(0);
  s.accounting.Complete(0, kCopied, kNotif);  // the first one's
  EXPECT_EQ(Of(s, 0), (Said{false, 1000, false, 1, {1, 1, 1, 1}}));
  s.accounting.Complete(0, kCopied, kNotif);  // before the second's result
  s.accounting.Complete(0, 3096, kMore);
  EXPECT_EQ(Of(s, 0), (Said{true, 3096, true, 0, {2, 2, 2, 2}}));
}

TEST(UringSendAccountingTest, OneCopySendsHoldNoSlot) {
  Sends s(/*zerocopy=*/false);
  s.accounting.Submitted(1);
  EXPECT_EQ(Of(s, 1), (Said{false, 0, true, 0, {0, 0, 0, 0}}));
  s.accounting.Complete(1, 512, 0);
  EXPECT_EQ(Of(s, 1), (Said{true, 512, true, 0, {0, 0, 0, 0}}));
}

}  // namespace
}  // namespace netbench
