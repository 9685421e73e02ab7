// Every mode moves stamped messages of many sizes across the real veth
// topology with every byte checked on the receiving side.

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "lib/sender.h"
#include "netns/topology.h"
#include "test/net_test_util.h"

namespace netbench {
namespace {

// Every mode includes SpliceZeroCopy, whose splice(2) into a connection the
// peer closed on an error raises SIGPIPE: ignored, as net_bench's main does.
[[maybe_unused]] const bool sigpipe_ignored = testing::IgnoreSigpipe();

constexpr size_t kSizes[] = {1,     7,     1000,  1024,           4096,
                             16384, 65536, 65537, size_t{4} << 20};

int CountFor(size_t size) { return size >= (size_t{1} << 20) ? 4 : 64; }

class TransferTest
    : public testing::SharedTopology<::testing::TestWithParam<Mode>> {};

TEST_P(TransferTest, EverySizeArrivesIntact) {
  const Mode mode = GetParam();
  if (std::string why = ModeUnsupportedReason(mode); !why.empty())
    GTEST_SKIP() << ModeName(mode) << " not supported here: " << why;
  uint16_t port = 5400;
  for (size_t size : kSizes) {
    const int count = CountFor(size);
    auto r = testing::TransferVerified(*topology_, mode, size, count,
                                       RxMode::kCopy, nullptr, port++);
    EXPECT_EQ(r.error, "") << ModeName(mode) << " size " << size;
    EXPECT_EQ(r.verified, static_cast<uint64_t>(count)) << "size " << size;
    EXPECT_EQ(r.sender.messages, static_cast<uint64_t>(count));
    EXPECT_EQ(r.sender.bytes, size * static_cast<size_t>(count));
    EXPECT_GT(r.sender.syscalls, 0u);
  }
}

// The same in the rootless topology: a child that runs as an ordinary user
// builds its own topology through a user namespace and moves every size with
// every supported mode.
TEST(RootlessTransferTest, EveryModeAndSizeArrivesIntact) {
  const auto outcome = testing::RunRootless([] {
    netns::Topology topology;
    std::string failures;
    uint16_t port = 5600;
    for (Mode mode : ModesOf(Transport::kTcp)) {
      if (!ModeUnsupportedReason(mode).empty()) continue;
      for (size_t size : kSizes) {
        const int count = CountFor(size);
        auto r = testing::TransferVerified(topology, mode, size, count,
                                           RxMode::kCopy, nullptr, port++);
        if (!r.error.empty() || r.verified != static_cast<uint64_t>(count))
          failures += std::string(ModeName(mode)) + " size " +
                      std::to_string(size) + ": " + r.error + "; ";
      }
    }
    return failures;
  });
  if (outcome.no_user_namespaces)
    GTEST_SKIP() << "the kernel forbids user namespaces here: "
                 << outcome.message;
  EXPECT_TRUE(outcome.ok) << outcome.message;
}

INSTANTIATE_TEST_SUITE_P(AllModes, TransferTest,
                         ::testing::ValuesIn(ModesOf(Transport::kTcp).begin(),
                                             ModesOf(Transport::kTcp).end()),
                         [](const auto& p) {
                           return std::string(ModeName(p.param));
                         });

}  // namespace
}  // namespace netbench
