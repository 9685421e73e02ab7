#include "lib/integrity.h"

#include <cstring>
#include <string>

namespace netbench {
namespace {

// splitmix64: a cheap, well-mixed function of (seq, word index).
uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// FNV-1a style running checksum, one byte at a time so that it can be fed
// pieces of any size.
constexpr uint64_t kChecksumSeed = 0xcbf29ce484222325ULL;
inline uint64_t ChecksumStep(uint64_t h, uint8_t b) {
  return (h ^ b) * 0x100000001b3ULL;
}

void HeaderBytes(uint64_t seq, uint64_t checksum, uint8_t out[kStampHeader]) {
  for (int i = 0; i < 8; ++i) {
    out[i] = static_cast<uint8_t>(seq >> (8 * i));
    out[8 + i] = static_cast<uint8_t>(checksum >> (8 * i));
  }
}

}  // namespace

uint8_t PatternByte(uint64_t seq, size_t i) {
  return static_cast<uint8_t>(Mix(seq * 0x100000001ULL ^ (i / 8)) >>
                              (8 * (i % 8)));
}

void StampMessage(Message& message, uint64_t seq) {
  const size_t size = message.size();
  uint64_t checksum = kChecksumSeed;
  for (size_t i = kStampHeader; i < size; ++i)
    checksum = ChecksumStep(checksum, PatternByte(seq, i));
  uint8_t header[kStampHeader];
  HeaderBytes(seq, checksum, header);
  size_t offset = 0;
  for (int f = 0; f < kFields; ++f) {
    for (std::byte& b : message.field(f)) {
      b = static_cast<std::byte>(
          offset < kStampHeader ? header[offset] : PatternByte(seq, offset));
      ++offset;
    }
  }
}

StreamVerifier::StreamVerifier(size_t message_size, uint64_t first_seq)
    : size_(message_size), seq_(first_seq), checksum_(kChecksumSeed) {}

void StreamVerifier::Consume(std::span<const std::byte> bytes) {
  for (std::byte raw : bytes) {
    const auto b = static_cast<uint8_t>(raw);
    if (offset_ < kStampHeader) {
      header_[offset_] = b;
      // The sequence number is known in advance: check it at once, so that a
      // message out of order is named as such.
      if (offset_ < 8 && b != static_cast<uint8_t>(seq_ >> (8 * offset_)))
        Fail(offset_, b, static_cast<uint8_t>(seq_ >> (8 * offset_)));
    } else {
      const uint8_t want = PatternByte(seq_, offset_);
      if (b != want) Fail(offset_, b, want);
      checksum_ = ChecksumStep(checksum_, b);
    }
    if (++offset_ == size_) FinishMessage();
  }
}

void StreamVerifier::FinishMessage() {
  if (size_ >= kStampHeader) {
    uint64_t carried = 0;
    for (int i = 0; i < 8; ++i) carried |= uint64_t{header_[8 + i]} << (8 * i);
    if (carried != checksum_)
      throw IntegrityError("message " + std::to_string(seq_) +
                           ": checksum mismatch");
  } else {
    // Short messages: the header prefix is all there is; its checksum part
    // covers an empty payload.
    uint8_t want[kStampHeader];
    HeaderBytes(seq_, kChecksumSeed, want);
    for (size_t i = 8; i < size_; ++i)
      if (header_[i] != want[i]) Fail(i, header_[i], want[i]);
  }
  ++messages_;
  ++seq_;
  offset_ = 0;
  checksum_ = kChecksumSeed;
}

void StreamVerifier::Fail(size_t offset, uint8_t got, uint8_t want) const {
  throw IntegrityError("message " + std::to_string(seq_) + " (size " +
                       std::to_string(size_) + "): byte " +
                       std::to_string(offset) + " is " + std::to_string(got) +
                       ", expected " + std::to_string(want));
}

}  // namespace netbench
