// The control protocol's records: the SideRecord crosses the wire unchanged,
// and a Hello is checked before anything is done with it.

#include "harness/protocol.h"

#include <gtest/gtest.h>

namespace netbench {
namespace {

TEST(WireRecordTest, RoundTripKeepsEveryField) {
  SideRecord r;
  r.messages = 1;
  r.bytes = 2;
  r.syscalls = 3;
  r.zc_sends = 4;
  r.zc_notifications = 5;
  r.zc_completed = 6;
  r.zc_copied = 7;
  r.zc_enobufs = 8;
  r.zc_copied_known = false;
  r.mapped_bytes = 9;
  r.copied_bytes = 10;
  r.verified = 11;
  r.start_ns = 12;
  r.end_ns = 13;
  r.cpu_ns = 14;
  r.ctx_switches = 15;
  r.cycles = 16;
  r.instructions = 0;  // present and zero is not absent
  r.cpu_at_start = 1;
  r.cpu_at_end = 0;
  const SideRecord back = FromWire(ToWire(r));
  EXPECT_EQ(back.messages, 1u);
  EXPECT_EQ(back.bytes, 2u);
  EXPECT_EQ(back.syscalls, 3u);
  EXPECT_EQ(back.zc_sends, 4u);
  EXPECT_EQ(back.zc_notifications, 5u);
  EXPECT_EQ(back.zc_completed, 6u);
  EXPECT_EQ(back.zc_copied, 7u);
  EXPECT_EQ(back.zc_enobufs, 8u);
  EXPECT_FALSE(back.zc_copied_known);
  EXPECT_EQ(back.mapped_bytes, 9u);
  EXPECT_EQ(back.copied_bytes, 10u);
  EXPECT_EQ(back.verified, 11u);
  EXPECT_EQ(back.start_ns, 12);
  EXPECT_EQ(back.end_ns, 13);
  EXPECT_EQ(back.cpu_ns, 14u);
  EXPECT_EQ(back.ctx_switches, 15u);
  EXPECT_EQ(back.cycles, 16u);
  EXPECT_EQ(back.instructions, 0u);
  EXPECT_FALSE(back.llc_misses.has_value());
  EXPECT_EQ(back.cpu_at_start, 1);
  EXPECT_EQ(back.cpu_at_end, 0);
}

TEST(WireRecordTest, GarbledCpuNumbersBecomeUnknown) {
  SideRecord sent;
  sent.cpu_at_start = 3;
  sent.cpu_at_end = 4;
  WireRecord w = ToWire(sent);
  // The last two words are the CPUs (SideRecord::ForEachField's order).
  w.words[SideRecord::kFields - 2] = uint64_t{1} << 20;
  w.words[SideRecord::kFields - 1] = static_cast<uint64_t>(int64_t{-7});
  const SideRecord r = FromWire(w);
  EXPECT_EQ(r.cpu_at_start, -1);
  EXPECT_EQ(r.cpu_at_end, -1);
}

// A field left out of ForEachField would not cross the wire: every field of
// a record whose fields all differ must come back, and the visit must count
// exactly kFields of them.
TEST(WireRecordTest, ForEachFieldVisitsEveryField) {
  SideRecord r;
  size_t n = 0;
  SideRecord::ForEachField(r, [&](auto&) { ++n; });
  EXPECT_EQ(n, SideRecord::kFields);
}

TEST(HelloTest, AcceptsTheFlagsItKnowsOnly) {
  Hello h;
  h.pattern = static_cast<uint8_t>(Pattern::kRR);
  h.timeout_ms = 1000;
  h.size = 64;
  h.working_set = 1 << 20;
  h.flags = kHelloVerify | kHelloNoDelay | kHelloSpin | kHelloUnwritten;
  EXPECT_EQ(ValidateHello(h), "");
  h.flags = 16;
  EXPECT_EQ(ValidateHello(h), "unknown flags");
  h.flags = 0;
  h.working_set = 0;
  EXPECT_EQ(ValidateHello(h), "working set 0 out of range");
  h.working_set = kMaxWorkingSet + 1;
  EXPECT_NE(ValidateHello(h), "");
  h.working_set = kMaxWorkingSet;
  h.flags = 0;
  h.version = 1;
  EXPECT_NE(ValidateHello(h).find("protocol version 1"), std::string::npos);
}

TEST(GoTest, AcceptsASaneScheduleOnly) {
  Go go;
  go.sent_ns = 1'000'000;
  go.window_start_ns = go.sent_ns + 100'000'000;
  go.window_ns = 200'000'000;
  EXPECT_EQ(ValidateGo(go), "");
  go.flags = kGoSameClock;
  EXPECT_EQ(ValidateGo(go), "");
  Go bad = go;
  bad.magic = 0;
  EXPECT_NE(ValidateGo(bad), "");
  bad = go;
  bad.flags = 2;
  EXPECT_NE(ValidateGo(bad), "");
  bad = go;
  bad.window_ns = 0;
  EXPECT_NE(ValidateGo(bad), "");
  Go late = go;
  late.window_start_ns = go.sent_ns - 1;  // no warm-up left: open at once
  EXPECT_EQ(ValidateGo(late), "");
  bad = go;
  bad.window_start_ns = go.sent_ns + int64_t{2} * 3600 * 1000'000'000;
  EXPECT_NE(ValidateGo(bad), "");
}

}  // namespace
}  // namespace netbench
