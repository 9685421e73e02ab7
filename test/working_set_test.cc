// One data regime for every mode (DESIGN.md section 3): every sender goes
// round a working set of the same number of messages, in the same order,
// over a real connected TCP socket.

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "base/unique_fd.h"
#include "lib/message_pool.h"
#include "lib/sender.h"

namespace netbench {
namespace {

// A TCP connection over loopback whose far end is read and discarded by a
// thread, so that senders never block for long.
class DrainedConnection {
 public:
  DrainedConnection() {
    UniqueFd listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(a);
    EXPECT_EQ(::bind(listener.get(), reinterpret_cast<sockaddr*>(&a), len), 0);
    EXPECT_EQ(::listen(listener.get(), 1), 0);
    EXPECT_EQ(
        ::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&a), &len),
        0);
    sender_ = UniqueFd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    EXPECT_EQ(
        ::connect(sender_.get(), reinterpret_cast<sockaddr*>(&a), sizeof(a)),
        0);
    receiver_ = UniqueFd(::accept4(listener.get(), nullptr, nullptr, 0));
    drain_ = std::thread([fd = receiver_.get()] {
      std::vector<char> sink(1 << 16);
      while (::recv(fd, sink.data(), sink.size(), 0) > 0) {
      }
    });
  }
  ~DrainedConnection() {
    ::shutdown(sender_.get(), SHUT_RDWR);
    drain_.join();
  }
  int fd() const { return sender_.get(); }

 private:
  UniqueFd sender_;
  UniqueFd receiver_;
  std::thread drain_;
};

class WorkingSetTest : public testing::TestWithParam<Mode> {};

// The addresses of the messages a sender hands out over `sends` sends.
std::vector<const std::byte*> MessagesSent(Mode mode, const SenderOptions& o,
                                           size_t sends) {
  DrainedConnection c;
  std::unique_ptr<Sender> sender = MakeSender(mode, c.fd(), o);
  std::vector<const std::byte*> seen;
  for (size_t i = 0; i < sends; ++i) {
    seen.push_back(sender->Prepare().field(0).data());
    sender->Send();
  }
  sender->Drain(o.timeout);
  return seen;
}

TEST_P(WorkingSetTest, GoesRoundTheSameNumberOfMessagesInOrder) {
  const Mode mode = GetParam();
  if (const std::string why = ModeUnsupportedReason(mode); !why.empty())
    GTEST_SKIP() << why;
  SenderOptions o;
  o.message_size = 4096;
  o.working_set = 64 << 10;
  const size_t count = MessagePool::CountFor(o.working_set, o.message_size);
  ASSERT_EQ(count, 16u + 2);
  const std::vector<const std::byte*> seen = MessagesSent(mode, o, 3 * count);
  if (mode == Mode::kSpliceZeroCopy) {
    // No completions: fresh pages behind one mapping for every message.
    for (const std::byte* p : seen) EXPECT_EQ(p, seen[0]);
    return;
  }
  // `count` distinct messages, then the same again, in the same order.
  for (size_t i = 0; i < count; ++i)
    for (size_t j = i + 1; j < count; ++j) EXPECT_NE(seen[i], seen[j]) << i;
  for (size_t i = count; i < seen.size(); ++i)
    EXPECT_EQ(seen[i], seen[i - count]) << i;
}

INSTANTIATE_TEST_SUITE_P(EveryMode, WorkingSetTest,
                         testing::ValuesIn(ModesOf(Transport::kTcp)),
                         [](const testing::TestParamInfo<Mode>& p) {
                           return std::string(ModeName(p.param));
                         });

TEST(WorkingSetTest, CoversTheWorkingSetWithinBounds) {
  EXPECT_EQ(MessagePool::CountFor(4 << 20, 1024), 4096u + 2);
  EXPECT_EQ(MessagePool::CountFor(4 << 20, 1000), 4195u + 2);  // rounded up
  EXPECT_EQ(MessagePool::CountFor(1, 65536), 1u + 2);
  EXPECT_EQ(MessagePool::CountFor(1 << 30, 64), MessagePool::kMaxMessages);
}

}  // namespace
}  // namespace netbench
