// The modes in which the kernel copies the payload: TwoCopy, TwoCopyPacked
// and OneCopy. Each goes round its working set (lib/message_pool.h) in
// order, as the zero-copy modes do, so that no mode sends from a message
// the others never see.

#include <algorithm>
#include <array>
#include <memory>
#include <vector>

#include "base/socket_io.h"
#include "lib/message_pool.h"
#include "lib/senders.h"

namespace netbench {
namespace {

class CopySender : public Sender {
 public:
  CopySender(int fd, const SenderOptions& o)
      : fd_(fd),
        timeout_(o.timeout),
        cursor_(MessagePool::CountFor(o.working_set, o.message_size),
                o.message_size) {}

  Message& Prepare() override { return cursor_.Prepare(); }

 protected:
  Message& Take() { return cursor_.Take(); }
  void Count(const Message& m) {
    ++stats_.messages;
    stats_.bytes += m.size();
  }
  int fd_;
  std::chrono::milliseconds timeout_;

 private:
  PoolCursor cursor_;
};

// 8 x send(), one per field (reference study A1). No MSG_MORE: whether the
// fields coalesce into segments is left to Nagle (--nodelay), as in the study.
class TwoCopySender final : public CopySender {
 public:
  using CopySender::CopySender;
  void Send() override {
    const Message& m = Take();
    for (int i = 0; i < kFields; ++i) {
      const iovec& f = m.iov()[i];
      if (f.iov_len == 0) continue;
      SendAll(fd_, f.iov_base, f.iov_len, 0, timeout_, &stats_.syscalls);
    }
    Count(m);
  }
};

// memcpy of the fields into one contiguous buffer, then 1 x send(). The
// buffer is the mechanism's own, one for all messages.
class TwoCopyPackedSender final : public CopySender {
 public:
  TwoCopyPackedSender(int fd, const SenderOptions& o)
      : CopySender(fd, o), packed_(o.message_size) {}
  void Send() override {
    const Message& m = Take();
    m.CopyTo(packed_.data());
    SendAll(fd_, packed_.data(), packed_.size(), 0, timeout_, &stats_.syscalls);
    Count(m);
  }

 private:
  std::vector<std::byte> packed_;
};

// 1 x sendmsg() with an 8-entry iovec (reference study A2).
class OneCopySender final : public CopySender {
 public:
  using CopySender::CopySender;
  void Send() override {
    const Message& m = Take();
    std::array<iovec, kFields> iov;
    std::copy_n(m.iov(), kFields, iov.begin());
    SendMsgAll(fd_, iov.data(), kFields, 0, timeout_, &stats_.syscalls);
    Count(m);
  }
};

}  // namespace

size_t CopySenderBytes(Mode mode, const SenderOptions& o) {
  // The working set, and for TwoCopyPacked the contiguous copy.
  const size_t ring = MessagePool::BytesFor(
      MessagePool::CountFor(o.working_set, o.message_size), o.message_size);
  return mode == Mode::kTwoCopyPacked ? ring + o.message_size : ring;
}

std::unique_ptr<Sender> MakeTwoCopySender(int fd, const SenderOptions& o) {
  return std::make_unique<TwoCopySender>(fd, o);
}
std::unique_ptr<Sender> MakeTwoCopyPackedSender(int fd,
                                                const SenderOptions& o) {
  return std::make_unique<TwoCopyPackedSender>(fd, o);
}
std::unique_ptr<Sender> MakeOneCopySender(int fd, const SenderOptions& o) {
  return std::make_unique<OneCopySender>(fd, o);
}

}  // namespace netbench
