#include "lib/message_pool.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <stdexcept>
#include <string>

#include "base/sizes.h"

namespace netbench {
namespace {

constexpr size_t kCacheLine = 64;

// Offsets of one message's fields from its start, and the bytes it spans
// (up to where the next message may start).
struct Layout {
  std::array<size_t, kFields> offset{};
  size_t stride = 0;
};

Layout MakeLayout(size_t size) {
  const size_t page = PageSize();
  Layout l;
  size_t at = 0;
  for (int i = 0; i < kFields; ++i) {
    const size_t n = FieldSize(size, i);
    at = RoundUp(at, n >= page ? page : kCacheLine);
    l.offset[static_cast<size_t>(i)] = at;
    at += n == 0 ? 1 : n;  // an empty field still has an address of its own
  }
  // The next message starts where its first field would: a page boundary
  // when fields are a page or more.
  l.stride = RoundUp(at, FieldSize(size, 0) >= page ? page : kCacheLine);
  return l;
}

}  // namespace

size_t MessagePool::BytesFor(size_t count, size_t message_size) {
  return KernelHeldMemory::RoundToPages(count *
                                        MakeLayout(message_size).stride);
}

size_t MessagePool::CountFor(size_t working_set, size_t message_size) {
  constexpr size_t kSlack = 2;
  const size_t cover = (working_set + message_size - 1) / message_size;
  return std::min(cover + kSlack, kMaxMessages);
}

MessagePool::MessagePool(size_t count, size_t message_size) {
  if (message_size < kMinMessageSize || message_size > kMaxMessageSize)
    throw std::invalid_argument("message size " + std::to_string(message_size) +
                                " out of range");
  const Layout l = MakeLayout(message_size);
  memory_ = KernelHeldMemory(count * l.stride);
  messages_.reserve(count);
  for (size_t m = 0; m < count; ++m) {
    std::array<std::byte*, kFields> bases;
    for (size_t i = 0; i < kFields; ++i)
      bases[i] = memory_.data() + m * l.stride + l.offset[i];
    messages_.emplace_back(message_size, bases);
  }
}

}  // namespace netbench
