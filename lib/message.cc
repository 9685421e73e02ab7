#include "lib/message.h"

#include <cstring>
#include <stdexcept>
#include <string>

namespace netbench {

void Message::CopyTo(std::byte* out) const {
  for (const iovec& v : iov_) {
    std::memcpy(out, v.iov_base, v.iov_len);
    out += v.iov_len;
  }
}

void Message::CopyFrom(const std::byte* in) {
  for (const iovec& v : iov_) {
    std::memcpy(v.iov_base, in, v.iov_len);
    in += v.iov_len;
  }
}

OwnedMessage::OwnedMessage(size_t size) {
  if (size < kMinMessageSize || size > kMaxMessageSize)
    throw std::invalid_argument("message size " + std::to_string(size) +
                                " out of range");
  size_ = size;
  for (int i = 0; i < kFields; ++i) {
    const size_t n = FieldSize(size, i);
    // Even empty fields get their own allocation, so every field has a
    // distinct address; the bytes start zeroed.
    storage_[static_cast<size_t>(i)] = std::make_unique<std::byte[]>(n ? n : 1);
    iov_[static_cast<size_t>(i)] = {storage_[static_cast<size_t>(i)].get(), n};
  }
}

BorrowedMessage::BorrowedMessage(size_t size,
                                 const std::array<std::byte*, kFields>& bases) {
  size_ = size;
  for (int i = 0; i < kFields; ++i)
    iov_[static_cast<size_t>(i)] = {bases[static_cast<size_t>(i)],
                                    FieldSize(size, i)};
}

}  // namespace netbench
