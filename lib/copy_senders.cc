// The modes in which the kernel copies the payload: TwoCopy, TwoCopyPacked
// and OneCopy.

#include <algorithm>
#include <array>
#include <memory>
#include <vector>

#include "base/socket_io.h"
#include "lib/senders.h"

namespace netbench {
namespace {

class CopySender : public Sender {
 public:
  CopySender(int fd, const SenderOptions& o)
      : fd_(fd), timeout_(o.timeout), message_(o.message_size) {}
  Message& Prepare() override { return message_; }

 protected:
  void Count() {
    ++stats_.messages;
    stats_.bytes += message_.size();
  }
  int fd_;
  std::chrono::milliseconds timeout_;
  OwnedMessage message_;
};

// 8 x send(), one per field (reference study A1). No MSG_MORE: whether the
// fields coalesce into segments is left to Nagle (--nodelay), as in the study.
class TwoCopySender final : public CopySender {
 public:
  using CopySender::CopySender;
  void Send() override {
    for (int i = 0; i < kFields; ++i) {
      const iovec& f = message_.iov()[i];
      if (f.iov_len == 0) continue;
      SendAll(fd_, f.iov_base, f.iov_len, 0, timeout_, &stats_.syscalls);
    }
    Count();
  }
};

// memcpy of the fields into one contiguous buffer, then 1 x send().
class TwoCopyPackedSender final : public CopySender {
 public:
  TwoCopyPackedSender(int fd, const SenderOptions& o)
      : CopySender(fd, o), packed_(o.message_size) {}
  void Send() override {
    message_.CopyTo(packed_.data());
    SendAll(fd_, packed_.data(), packed_.size(), 0, timeout_, &stats_.syscalls);
    Count();
  }

 private:
  std::vector<std::byte> packed_;
};

// 1 x sendmsg() with an 8-entry iovec (reference study A2).
class OneCopySender final : public CopySender {
 public:
  using CopySender::CopySender;
  void Send() override {
    std::array<iovec, kFields> iov;
    std::copy_n(message_.iov(), kFields, iov.begin());
    SendMsgAll(fd_, iov.data(), kFields, 0, timeout_, &stats_.syscalls);
    Count();
  }
};

}  // namespace

size_t CopySenderBytes(Mode mode, size_t message_size) {
  // The fields, one allocation each (empty ones take a byte), and for
  // TwoCopyPacked the contiguous copy.
  const size_t fields = message_size + kFields;
  return mode == Mode::kTwoCopyPacked ? fields + message_size : fields;
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
