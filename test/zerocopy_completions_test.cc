// The MSG_ZEROCOPY completion parser and id tracker, fed with synthetic
// error-queue control messages laid out as the kernel's put_cmsg() does.

#include "lib/zerocopy_completions.h"

#include <gtest/gtest.h>
// linux/errqueue.h uses struct timespec without including its header: keep
// <time.h> first (and out of clang-format's include sorting).
// clang-format off
#include <time.h>
#include <linux/errqueue.h>
// clang-format on
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <initializer_list>
#include <utility>
#include <vector>

namespace netbench {
namespace {

struct Cmsg {
  int level = SOL_IP;
  int type = IP_RECVERR;
  sock_extended_err ee{};
  size_t len = sizeof(sock_extended_err);  // cmsg payload bytes
};

// A zero-copy completion record for ids [lo, hi].
Cmsg Zc(uint32_t lo, uint32_t hi, bool copied = false, bool ipv6 = false) {
  Cmsg c;
  if (ipv6) {
    c.level = SOL_IPV6;
    c.type = IPV6_RECVERR;
  }
  c.ee.ee_origin = SO_EE_ORIGIN_ZEROCOPY;
  c.ee.ee_errno = 0;
  c.ee.ee_code = copied ? SO_EE_CODE_ZEROCOPY_COPIED : 0;
  c.ee.ee_info = lo;
  c.ee.ee_data = hi;
  return c;
}

// A control buffer holding `cmsgs` back to back, each CMSG_SPACE apart.
class Control {
 public:
  explicit Control(std::initializer_list<Cmsg> cmsgs) {
    size_t total = 0;
    for (const Cmsg& c : cmsgs) total += CMSG_SPACE(c.len);
    // cmsghdr storage keeps the buffer aligned as CMSG_* expect.
    storage_.resize((total + sizeof(cmsghdr) - 1) / sizeof(cmsghdr));
    msghdr msg{};
    msg.msg_control = storage_.data();
    msg.msg_controllen = total;
    cmsghdr* cm = CMSG_FIRSTHDR(&msg);
    for (const Cmsg& c : cmsgs) {
      cm->cmsg_level = c.level;
      cm->cmsg_type = c.type;
      cm->cmsg_len = CMSG_LEN(c.len);
      std::memcpy(CMSG_DATA(cm), &c.ee, std::min(c.len, sizeof(c.ee)));
      cm = CMSG_NXTHDR(&msg, cm);
    }
    size_ = total;
  }
  std::span<const std::byte> bytes() const {
    return {reinterpret_cast<const std::byte*>(storage_.data()), size_};
  }

 private:
  std::vector<cmsghdr> storage_;
  size_t size_ = 0;
};

std::vector<ZeroCopyRange> ParseAll(ZeroCopyCompletionParser& p,
                                    const Control& c, int flags = 0) {
  std::vector<ZeroCopyRange> out;
  const int n = p.Parse(c.bytes(), flags,
                        [&](const ZeroCopyRange& r) { out.push_back(r); });
  EXPECT_EQ(n, static_cast<int>(out.size()));
  return out;
}

TEST(ZeroCopyRangeTest, SizeIsInclusiveAndWraps) {
  EXPECT_EQ((ZeroCopyRange{0, 0}.size()), 1u);
  EXPECT_EQ((ZeroCopyRange{3, 9}.size()), 7u);
  EXPECT_EQ((ZeroCopyRange{0xFFFFFFFEu, 1}.size()), 4u);
  EXPECT_EQ((ZeroCopyRange{0, 0xFFFFFFFFu}.size()), uint64_t{1} << 32);
}

TEST(ZeroCopyParserTest, ParsesOneRange) {
  ZeroCopyCompletionParser p;
  auto r = ParseAll(p, Control({Zc(0, 4)}));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].lo, 0u);
  EXPECT_EQ(r[0].hi, 4u);
  EXPECT_FALSE(r[0].copied);
  EXPECT_EQ(p.stats().ranges, 1u);
  EXPECT_EQ(p.stats().ids, 5u);
  EXPECT_EQ(p.stats().gaps, 0u);
  EXPECT_EQ(p.stats().reordered, 0u);
  EXPECT_EQ(p.next_expected(), 5u);
}

TEST(ZeroCopyParserTest, AcceptsIpv6RecvErr) {
  ZeroCopyCompletionParser p;
  auto r = ParseAll(p, Control({Zc(0, 0, false, /*ipv6=*/true)}));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(p.stats().foreign, 0u);
}

TEST(ZeroCopyParserTest, InOrderRangesHaveNoGaps) {
  ZeroCopyCompletionParser p;
  ParseAll(p, Control({Zc(0, 4)}));
  ParseAll(p, Control({Zc(5, 5)}));
  ParseAll(p, Control({Zc(6, 100)}));
  EXPECT_EQ(p.stats().ids, 101u);
  EXPECT_EQ(p.stats().gaps, 0u);
  EXPECT_EQ(p.stats().reordered, 0u);
}

TEST(ZeroCopyParserTest, RangeAcrossThe32BitWrap) {
  ZeroCopyCompletionParser p(0xFFFFFFFEu);
  auto r = ParseAll(p, Control({Zc(0xFFFFFFFEu, 1)}));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].size(), 4u);
  EXPECT_EQ(p.stats().ids, 4u);
  EXPECT_EQ(p.stats().gaps, 0u);
  EXPECT_EQ(p.next_expected(), 2u);
  ParseAll(p, Control({Zc(2, 2)}));
  EXPECT_EQ(p.stats().gaps, 0u);
  EXPECT_EQ(p.stats().reordered, 0u);
}

TEST(ZeroCopyParserTest, DetectsGapsAndLateRanges) {
  ZeroCopyCompletionParser p;
  ParseAll(p, Control({Zc(0, 1)}));
  ParseAll(p, Control({Zc(5, 6)}));  // 2..4 skipped
  EXPECT_EQ(p.stats().gaps, 1u);
  EXPECT_EQ(p.next_expected(), 7u);
  ParseAll(p, Control({Zc(2, 4)}));  // the late ones
  EXPECT_EQ(p.stats().reordered, 1u);
  EXPECT_EQ(p.next_expected(), 7u);  // never moves back
  ParseAll(p, Control({Zc(7, 7)}));
  EXPECT_EQ(p.stats().gaps, 1u);
  EXPECT_EQ(p.stats().reordered, 1u);
  EXPECT_EQ(p.stats().ids, 8u);
}

TEST(ZeroCopyParserTest, GapAcrossTheWrap) {
  ZeroCopyCompletionParser p(0xFFFFFFFFu);
  ParseAll(p, Control({Zc(1, 1)}));  // 0xFFFFFFFF and 0 skipped
  EXPECT_EQ(p.stats().gaps, 1u);
  ParseAll(p, Control({Zc(0xFFFFFFFFu, 0)}));
  EXPECT_EQ(p.stats().reordered, 1u);
  EXPECT_EQ(p.next_expected(), 2u);
}

TEST(ZeroCopyParserTest, CountsCopiedRecords) {
  ZeroCopyCompletionParser p;
  auto r = ParseAll(p, Control({Zc(0, 9, /*copied=*/true)}));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_TRUE(r[0].copied);
  ParseAll(p, Control({Zc(10, 11, /*copied=*/false)}));
  EXPECT_EQ(p.stats().ranges, 2u);
  EXPECT_EQ(p.stats().copied_ranges, 1u);
  EXPECT_EQ(p.stats().ids, 12u);
}

TEST(ZeroCopyParserTest, IgnoresAndCountsForeignOrigins) {
  Cmsg local;
  local.ee.ee_origin = SO_EE_ORIGIN_LOCAL;
  local.ee.ee_errno = EMSGSIZE;
  Cmsg icmp;
  icmp.ee.ee_origin = SO_EE_ORIGIN_ICMP;
  icmp.ee.ee_errno = EHOSTUNREACH;
  icmp.len = sizeof(sock_extended_err) + sizeof(sockaddr_in);  // offender
  Cmsg timestamp;
  timestamp.level = SOL_SOCKET;
  timestamp.type = SCM_TIMESTAMPING;
  ZeroCopyCompletionParser p;
  auto r = ParseAll(p, Control({local}));
  r = ParseAll(p, Control({icmp}));
  r = ParseAll(p, Control({timestamp}));
  EXPECT_TRUE(r.empty());
  EXPECT_EQ(p.stats().foreign, 3u);
  EXPECT_EQ(p.stats().ranges, 0u);
  EXPECT_EQ(p.next_expected(), 0u);
}

TEST(ZeroCopyParserTest, RejectsMalformedRecords) {
  Cmsg with_errno = Zc(0, 3);
  with_errno.ee.ee_errno = EIO;  // the doc promises 0
  Cmsg too_short = Zc(0, 3);
  too_short.len = sizeof(sock_extended_err) - 4;
  ZeroCopyCompletionParser p;
  EXPECT_TRUE(ParseAll(p, Control({with_errno})).empty());
  EXPECT_TRUE(ParseAll(p, Control({too_short})).empty());
  EXPECT_EQ(p.stats().malformed, 2u);
  EXPECT_EQ(p.stats().ranges, 0u);
}

TEST(ZeroCopyParserTest, MultipleCmsgsInOneBuffer) {
  Cmsg foreign;
  foreign.ee.ee_origin = SO_EE_ORIGIN_LOCAL;
  foreign.ee.ee_errno = EMSGSIZE;
  ZeroCopyCompletionParser p;
  auto r = ParseAll(
      p, Control({Zc(0, 2), foreign, Zc(3, 3, true, true), Zc(4, 7, true)}));
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].lo, 0u);
  EXPECT_EQ(r[1].lo, 3u);
  EXPECT_TRUE(r[1].copied);
  EXPECT_EQ(r[2].hi, 7u);
  EXPECT_EQ(p.stats().ids, 8u);
  EXPECT_EQ(p.stats().copied_ranges, 2u);
  EXPECT_EQ(p.stats().foreign, 1u);
  EXPECT_EQ(p.stats().gaps, 0u);
}

TEST(ZeroCopyParserTest, EmptyAndTruncatedControl) {
  ZeroCopyCompletionParser p;
  EXPECT_EQ(p.Parse({}, 0, [](const ZeroCopyRange&) { FAIL(); }), 0);
  ParseAll(p, Control({Zc(0, 0)}), MSG_CTRUNC);
  EXPECT_EQ(p.stats().truncated, 1u);
  EXPECT_EQ(p.stats().ranges, 1u);
}

// Records the tags the tracker releases.
struct Released {
  std::vector<uint32_t> tags;
  void operator()(uint32_t tag) { tags.push_back(tag); }
};

TEST(ZeroCopyTrackerTest, ReleasesAGroupWhenItsIdCompletes) {
  ZeroCopyTracker t(4);
  Released rel;
  ASSERT_TRUE(t.can_open());
  t.Open(7);
  EXPECT_FALSE(t.can_open());  // one group open at a time
  EXPECT_EQ(t.Use(), 0u);
  t.Close(rel);
  EXPECT_TRUE(rel.tags.empty());
  EXPECT_EQ(t.outstanding(), 1u);
  t.Complete({0, 0, false}, rel);
  EXPECT_EQ(rel.tags, std::vector<uint32_t>{7});
  EXPECT_EQ(t.outstanding(), 0u);
  EXPECT_EQ(t.groups(), 0u);
}

TEST(ZeroCopyTrackerTest, GroupWithoutIdsIsReleasedOnClose) {
  ZeroCopyTracker t(2);
  Released rel;
  t.Open(3);
  t.Close(rel);  // e.g. the first sendmsg failed: no id taken
  EXPECT_EQ(rel.tags, std::vector<uint32_t>{3});
  EXPECT_EQ(t.groups(), 0u);
}

TEST(ZeroCopyTrackerTest, PartialSendsHoldTheBufferUntilTheLastId) {
  ZeroCopyTracker t(4);
  Released rel;
  t.Open(1);
  t.Use();
  t.Use();
  t.Use();  // one message, three partial sends: ids 0..2
  t.Close(rel);
  t.Complete({0, 1, false}, rel);
  EXPECT_TRUE(rel.tags.empty());
  t.Complete({2, 2, false}, rel);
  EXPECT_EQ(rel.tags, std::vector<uint32_t>{1});
}

TEST(ZeroCopyTrackerTest, CompletionBeforeCloseWaitsForClose) {
  ZeroCopyTracker t(4);
  Released rel;
  t.Open(5);
  t.Use();
  t.Complete({0, 0, false}, rel);  // the message is still being sent
  EXPECT_TRUE(rel.tags.empty());
  t.Use();
  t.Close(rel);
  EXPECT_TRUE(rel.tags.empty());
  t.Complete({1, 1, false}, rel);
  EXPECT_EQ(rel.tags, std::vector<uint32_t>{5});
}

TEST(ZeroCopyTrackerTest, OneRangeReleasesManyGroups) {
  ZeroCopyTracker t(8);
  Released rel;
  for (uint32_t tag = 0; tag < 5; ++tag) {
    t.Open(tag);
    t.Use();
    if (tag == 2) t.Use();
    t.Close(rel);
  }
  t.Complete({0, 5, false}, rel);  // a coalesced notification
  EXPECT_EQ(rel.tags, (std::vector<uint32_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(t.completed(), 6u);
  EXPECT_EQ(t.unmatched(), 0u);
}

TEST(ZeroCopyTrackerTest, OutOfOrderCompletions) {
  ZeroCopyTracker t(3);
  Released rel;
  t.Open(10);  // ids 0, 1
  t.Use();
  t.Use();
  t.Close(rel);
  t.Open(11);  // id 2
  t.Use();
  t.Close(rel);
  t.Open(12);  // id 3
  t.Use();
  t.Close(rel);
  EXPECT_FALSE(t.can_open());  // three groups held, capacity 3
  t.Complete({2, 3, false}, rel);
  EXPECT_EQ(rel.tags, (std::vector<uint32_t>{11, 12}));
  // Released, but their entries wait behind the pending first group.
  EXPECT_EQ(t.groups(), 3u);
  EXPECT_FALSE(t.can_open());
  t.Complete({1, 1, false}, rel);
  t.Complete({0, 0, false}, rel);
  EXPECT_EQ(rel.tags, (std::vector<uint32_t>{11, 12, 10}));
  EXPECT_EQ(t.groups(), 0u);
  EXPECT_TRUE(t.can_open());
  EXPECT_EQ(t.outstanding(), 0u);
}

TEST(ZeroCopyTrackerTest, IdsWrapAround) {
  ZeroCopyTracker t(4, 0xFFFFFFFEu);
  Released rel;
  t.Open(0);
  EXPECT_EQ(t.Use(), 0xFFFFFFFEu);
  EXPECT_EQ(t.Use(), 0xFFFFFFFFu);
  t.Close(rel);
  t.Open(1);
  EXPECT_EQ(t.Use(), 0u);
  t.Close(rel);
  t.Open(2);
  EXPECT_EQ(t.Use(), 1u);
  t.Close(rel);
  t.Complete({0xFFFFFFFFu, 0, true}, rel);        // straddles the wrap
  EXPECT_EQ(rel.tags, std::vector<uint32_t>{1});  // 0 waits for 0xFFFFFFFE
  t.Complete({0xFFFFFFFEu, 0xFFFFFFFEu, false}, rel);
  EXPECT_EQ(rel.tags, (std::vector<uint32_t>{1, 0}));
  t.Complete({1, 1, false}, rel);
  EXPECT_EQ(rel.tags, (std::vector<uint32_t>{1, 0, 2}));
  EXPECT_EQ(t.completed(), 4u);
  EXPECT_EQ(t.ranges_completed(), 3u);
  EXPECT_EQ(t.ranges_copied(), 1u);
  EXPECT_EQ(t.unmatched(), 0u);
  EXPECT_EQ(t.next_id(), 2u);
}

TEST(ZeroCopyTrackerTest, CountsIdsThatAreNotOutstanding) {
  ZeroCopyTracker t(4);
  Released rel;
  t.Complete({0, 4, false}, rel);  // nothing sent yet
  EXPECT_EQ(t.unmatched(), 5u);
  t.Open(0);
  t.Use();  // id 0
  t.Use();  // id 1
  t.Close(rel);
  t.Complete({1, 3, false}, rel);  // 2 and 3 were never used
  EXPECT_EQ(t.unmatched(), 7u);
  EXPECT_EQ(t.completed(), 1u);
  t.Complete({0, 0, false}, rel);
  EXPECT_EQ(rel.tags, std::vector<uint32_t>{0});
  t.Complete({0, 1, false}, rel);  // reported twice
  EXPECT_EQ(t.unmatched(), 9u);
  EXPECT_EQ(t.completed(), 2u);
  EXPECT_EQ(t.outstanding(), 0u);
}

TEST(ZeroCopyTrackerTest, ParserFeedsTracker) {
  ZeroCopyCompletionParser p;
  ZeroCopyTracker t(8);
  Released rel;
  for (uint32_t tag = 0; tag < 4; ++tag) {
    t.Open(tag);
    t.Use();
    t.Close(rel);
  }
  Cmsg foreign;
  foreign.ee.ee_origin = SO_EE_ORIGIN_LOCAL;
  foreign.ee.ee_errno = EMSGSIZE;
  p.Parse(Control({Zc(0, 1, true), foreign, Zc(2, 3, true, true)}).bytes(), 0,
          [&](const ZeroCopyRange& r) { t.Complete(r, rel); });
  EXPECT_EQ(rel.tags, (std::vector<uint32_t>{0, 1, 2, 3}));
  EXPECT_EQ(t.completed(), 4u);
  EXPECT_EQ(t.ranges_completed(), 2u);
  EXPECT_EQ(t.ranges_copied(), 2u);
  EXPECT_EQ(p.stats().foreign, 1u);
}

// Sends `n` messages of one id each, tagged from `first_tag` on.
void SendOneIdEach(ZeroCopyTracker& t, Released& rel, uint32_t first_tag,
                   uint32_t n) {
  for (uint32_t tag = first_tag; tag < first_tag + n; ++tag) {
    t.Open(tag);
    t.Use();
    t.Close(rel);
  }
}

// {ranges_completed, ranges_copied}: the copied verdicts counted.
std::pair<uint64_t, uint64_t> Verdicts(const ZeroCopyTracker& t) {
  return {t.ranges_completed(), t.ranges_copied()};
}

// The kernel merges a notification into the one at the tail of the error
// queue when its ids follow on, whatever either's COPIED bit
// (skb_zerocopy_notify_extend): [0, 9] copied and [10, 19] not arrive as one
// record [0, 19] with the bit set. Its ids cannot be told apart, so the
// verdict is counted per record: one copied out of one, however many ids
// (counting ids by the bit would say 20 of 20 were copied).
TEST(ZeroCopyTrackerTest, CountsTheVerdictPerNotificationNotPerId) {
  ZeroCopyTracker t(32);
  Released rel;
  SendOneIdEach(t, rel, 0, 20);
  t.Complete({0, 19, /*copied=*/true}, rel);  // the merged record
  EXPECT_EQ(t.completed(), 20u);
  EXPECT_EQ(Verdicts(t), (std::pair<uint64_t, uint64_t>{1, 1}));
  SendOneIdEach(t, rel, 20, 3);
  for (const ZeroCopyRange& r : {ZeroCopyRange{20, 20}, ZeroCopyRange{21, 22}})
    t.Complete(r, rel);
  EXPECT_EQ(Verdicts(t), (std::pair<uint64_t, uint64_t>{3, 1}));
}

// A record none of whose ids is outstanding (a repeat, ids never used)
// completes nothing of ours: it is no verdict on our sends.
TEST(ZeroCopyTrackerTest, UnmatchedRecordsAreNoVerdict) {
  ZeroCopyTracker t(4);
  Released rel;
  t.Complete({0, 3, true}, rel);  // nothing sent yet
  SendOneIdEach(t, rel, 0, 1);
  for (bool copied : {false, true})  // the second time, a repeat
    t.Complete({0, 0, copied}, rel);
  EXPECT_EQ(Verdicts(t), (std::pair<uint64_t, uint64_t>{1, 0}));
  EXPECT_EQ(t.unmatched(), 5u);
}

}  // namespace
}  // namespace netbench
