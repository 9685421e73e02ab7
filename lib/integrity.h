#ifndef NET_BENCH_LIB_INTEGRITY_H_
#define NET_BENCH_LIB_INTEGRITY_H_

// --verify: every message carries its sequence number and a checksum, every
// other byte is a pattern derived from the sequence number, and the receiver
// checks every byte as it arrives. A mode that reuses a buffer before the
// kernel is done with it sends bytes of a later message and is caught.
//
// Wire layout of message `seq` (in field order, as the receiver sees it):
//   bytes [0, 8)    seq, little endian
//   bytes [8, 16)   checksum of bytes [16, size)
//   bytes [16, size) PatternByte(seq, i)
// Messages shorter than 16 bytes carry a prefix of that header only.

#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>

#include "lib/message.h"
#include "lib/receiver.h"

namespace netbench {

inline constexpr size_t kStampHeader = 16;

// The pattern byte at offset `i` of message `seq`.
uint8_t PatternByte(uint64_t seq, size_t i);

// Writes message `seq` into the fields of `message`.
void StampMessage(Message& message, uint64_t seq);

class IntegrityError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Checks a stream of back-to-back stamped messages of one size, consumed in
// pieces of any size. Throws IntegrityError at the first wrong byte, naming
// the message, the offset and both values.
class StreamVerifier final : public ByteSink {
 public:
  // `first_seq` is the sequence number of the first message expected.
  explicit StreamVerifier(size_t message_size, uint64_t first_seq = 0);
  void Consume(std::span<const std::byte> bytes) override;
  uint64_t messages_verified() const { return messages_; }
  // The sequence number the next message must carry.
  uint64_t next_seq() const { return seq_; }

 private:
  void Fail(size_t offset, uint8_t got, uint8_t want) const;
  void FinishMessage();

  size_t size_;
  uint64_t seq_;
  size_t offset_ = 0;      // within the current message
  uint64_t checksum_ = 0;  // running checksum of bytes [16, offset_)
  uint8_t header_[kStampHeader] = {};
  uint64_t messages_ = 0;
};

}  // namespace netbench

#endif  // NET_BENCH_LIB_INTEGRITY_H_
