#ifndef NET_BENCH_LIB_MESSAGE_H_
#define NET_BENCH_LIB_MESSAGE_H_

#include <sys/uio.h>

#include <array>
#include <cstddef>
#include <memory>
#include <span>

namespace netbench {

// A message is kFields separately allocated fields, as in the reference
// study, so that gathering from non-contiguous memory is part of the cost.
inline constexpr int kFields = 8;
inline constexpr size_t kMinMessageSize = 1;
inline constexpr size_t kMaxMessageSize = size_t{16} << 20;  // 16 MiB
// The largest working set a sender may go round (--working_set): a bound
// on what one connection asks of a server.
inline constexpr size_t kMaxWorkingSet = size_t{1} << 30;  // 1 GiB

// Size of field `i` of a message of `size` bytes: size/8 each, the
// remainder in the last field (so small messages have empty fields).
constexpr size_t FieldSize(size_t size, int i) {
  return size / kFields + (i == kFields - 1 ? size % kFields : 0);
}

// Bytes before field `i` when the message is laid out contiguously (the
// order the fields travel on the wire).
constexpr size_t FieldOffset(size_t size, int i) {
  return static_cast<size_t>(i) * (size / kFields);
}

// A view of the kFields fields of one message. The storage belongs to
// whoever made the view (an OwnedMessage, a memfd mapping, ...).
class Message {
 public:
  size_t size() const { return size_; }
  std::span<std::byte> field(int i) const {
    return {static_cast<std::byte*>(iov_[i].iov_base), iov_[i].iov_len};
  }
  // The fields as an iovec array of kFields entries, some possibly empty.
  const iovec* iov() const { return iov_.data(); }

  // Copies the fields, in order, into `out` (size() bytes).
  void CopyTo(std::byte* out) const;
  // Copies `in` (size() bytes) into the fields, in order.
  void CopyFrom(const std::byte* in);

 protected:
  Message() = default;
  size_t size_ = 0;
  std::array<iovec, kFields> iov_{};
};

// A message whose fields are kFields separate heap allocations.
class OwnedMessage : public Message {
 public:
  // REQUIRES: kMinMessageSize <= size <= kMaxMessageSize.
  explicit OwnedMessage(size_t size);
  OwnedMessage(OwnedMessage&&) noexcept = default;
  OwnedMessage& operator=(OwnedMessage&&) noexcept = default;

 private:
  std::array<std::unique_ptr<std::byte[]>, kFields> storage_;
};

// A message whose fields live in memory owned elsewhere; `bases[i]` must hold
// FieldSize(size, i) bytes.
class BorrowedMessage : public Message {
 public:
  BorrowedMessage() = default;
  BorrowedMessage(size_t size, const std::array<std::byte*, kFields>& bases);
};

}  // namespace netbench

#endif  // NET_BENCH_LIB_MESSAGE_H_
