#include "harness/startup_budget.h"

#include <gtest/gtest.h>

#include <string>

namespace netbench {
namespace {

constexpr uint32_t kFlood = 1, kFlood2 = 2, kKeyHolder = 9;

TEST(StartupLimitsTest, Parses) {
  StartupLimits l;
  EXPECT_EQ(StartupLimits::Parse("10:30:100", &l), "");
  EXPECT_EQ(l.ToString(), "10:30:100");
  EXPECT_EQ(StartupLimits::Parse("50", &l), "");
  EXPECT_EQ(l.ToString(), "50:100:50");
  for (const char* bad : {"", "10:30", "10:30:100:1", "0:30:100", "10:101:100",
                          "100:30:10", "a:b:c", "10:30:70000", "-1"})
    EXPECT_NE(StartupLimits::Parse(bad, &l), "") << bad;
}

TEST(StartupBudgetTest, BelowStartEveryoneIsAdmitted) {
  StartupBudget b({4, 100, 8}, 1);
  for (uint64_t id = 0; id < 4; ++id) EXPECT_TRUE(b.Admit(kFlood, id).admitted);
  EXPECT_EQ(b.in_handshake(), 4);
  // From START on, RATE 100: the heaviest address is refused...
  const auto refused = b.Admit(kFlood, 4);
  EXPECT_FALSE(refused.admitted);
  EXPECT_EQ(refused.refusal,
            "handshake budget: 4 handshakes, 4 yours; refused at random "
            "(--max_startups)");
  // ...an address holding fewer is not.
  EXPECT_TRUE(b.Admit(kKeyHolder, 5).admitted);
}

TEST(StartupBudgetTest, TheRandomDropRisesFromRateToAll) {
  StartupBudget b({10, 30, 110}, 7);
  uint64_t id = 0;
  for (; id < 10; ++id) ASSERT_TRUE(b.Admit(kFlood, id).admitted);
  // At START, about 30% of the heaviest address's are refused.
  int refused = 0;
  for (int i = 0; i < 1000; ++i) {
    const auto d = b.Admit(kFlood, ++id);
    if (!d.admitted) {
      ++refused;
    } else {
      b.Release(id);
    }
  }
  EXPECT_NEAR(refused, 300, 60);
}

TEST(StartupBudgetTest, AtFullALighterAddressTakesTheOldestPlaceOfTheHeaviest) {
  StartupBudget b({2, 0, 4}, 1);
  ASSERT_TRUE(b.Admit(kFlood, 1).admitted);
  ASSERT_TRUE(b.Admit(kFlood2, 2).admitted);
  ASSERT_TRUE(b.Admit(kFlood, 3).admitted);
  ASSERT_TRUE(b.Admit(kFlood2, 4).admitted);
  // Full, and the heaviest address's own are refused.
  EXPECT_FALSE(b.Admit(kFlood, 5).admitted);
  EXPECT_EQ(b.Admit(kFlood2, 6).refusal,
            "handshake budget full: 4 handshakes, 2 yours (--max_startups)");
  // The key holder holds none: it takes the place of the oldest (1).
  const auto d = b.Admit(kKeyHolder, 7);
  EXPECT_TRUE(d.admitted);
  ASSERT_TRUE(d.dropped.has_value());
  EXPECT_EQ(*d.dropped, 1u);
  EXPECT_EQ(b.in_handshake(), 4);
  EXPECT_EQ(b.from(kFlood), 1);
  // Next, the oldest of the address now holding the most (kFlood2: 2).
  const auto d2 = b.Admit(kKeyHolder, 8);
  ASSERT_TRUE(d2.dropped.has_value());
  EXPECT_EQ(*d2.dropped, 2u);
  // Now kKeyHolder holds the most (2): its next is refused.
  EXPECT_FALSE(b.Admit(kKeyHolder, 9).admitted);
  // A dropped handshake's release is nothing; a live one's frees a place.
  b.Release(1);
  EXPECT_EQ(b.in_handshake(), 4);
  b.Release(7);
  EXPECT_EQ(b.in_handshake(), 3);
  for (uint64_t id : {3, 4, 8}) b.Release(id);
  EXPECT_EQ(b.in_handshake(), 0);
  EXPECT_EQ(b.from(kFlood), 0);
  EXPECT_TRUE(b.Admit(kFlood, 10).admitted);
}

}  // namespace
}  // namespace netbench
