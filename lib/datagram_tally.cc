#include "lib/datagram_tally.h"

#include <string>

#include "lib/integrity.h"

namespace netbench {

DatagramTally::DatagramTally(size_t message_size, size_t datagram, bool verify)
    : layout_{message_size, datagram, 1}, verify_(verify) {}

void DatagramTally::OnDatagram(std::span<const std::byte> datagram) {
  if (datagram.size() < kDatagramHeader)
    throw IntegrityError("a datagram of " + std::to_string(datagram.size()) +
                         " bytes, shorter than its header");
  const DatagramHeader h = ReadHeader(datagram);
  if (verify_) Verify(datagram, h);
  ++received_;
  if (h.seq >= next_) {
    lost_ += h.seq - next_;
    next_ = h.seq + 1;
  } else {
    ++reordered_;
    if (lost_ > 0) --lost_;
  }
  // A newer message (32-bit serial order) starts a new count.
  if (!any_ || static_cast<int32_t>(h.message - message_) > 0) {
    message_ = h.message;
    of_message_ = 0;
    any_ = true;
  }
  if (h.message == message_) ++of_message_;
}

void DatagramTally::Verify(std::span<const std::byte> datagram,
                           const DatagramHeader& h) {
  const auto fail = [&](const std::string& what) {
    throw IntegrityError("datagram " + std::to_string(h.seq) + " (message " +
                         std::to_string(h.message) + ", index " +
                         std::to_string(h.index) + "): " + what);
  };
  if (h.index >= layout_.datagrams()) fail("index out of range");
  const size_t want = layout_.DatagramLength(h.index);
  if (datagram.size() != want)
    fail(std::to_string(datagram.size()) + " bytes, " + std::to_string(want) +
         " expected");
  const size_t base = layout_.DatagramOffset(h.index);
  for (size_t j = kDatagramHeader; j < datagram.size(); ++j) {
    const uint8_t got = static_cast<uint8_t>(datagram[j]);
    const uint8_t expect = PatternByte(h.message, base + j);
    if (got != expect)
      fail("byte " + std::to_string(base + j) + " of the message is " +
           std::to_string(got) + ", " + std::to_string(expect) + " expected");
  }
  ++verified_;
}

}  // namespace netbench
