#include "lib/datagram.h"

#include <algorithm>
#include <cstring>
#include <string>

namespace netbench {
namespace {

void PutLe(std::byte* out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out[i] = static_cast<std::byte>(v >> (8 * i));
}

uint64_t GetLe(const std::byte* in, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i)
    v |= uint64_t{static_cast<uint8_t>(in[i])} << (8 * i);
  return v;
}

}  // namespace

size_t DatagramLayout::DatagramLength(size_t i) const {
  return std::min(datagram, message_size - DatagramOffset(i));
}

size_t DatagramLayout::CallLength(size_t c) const {
  return std::min(per_call * datagram, message_size - CallOffset(c));
}

size_t DatagramLayout::CallDatagrams(size_t c) const {
  return std::min(per_call, datagrams() - c * per_call);
}

std::string DatagramLayoutProblem(size_t size, size_t datagram) {
  if (datagram < kDatagramHeader || datagram > kMaxUdpPayload)
    return "a datagram of " + std::to_string(datagram) + " bytes is outside " +
           std::to_string(kDatagramHeader) + ".." +
           std::to_string(kMaxUdpPayload);
  if (size < kDatagramHeader)
    return "a UDP message of " + std::to_string(size) +
           " bytes cannot hold the " + std::to_string(kDatagramHeader) +
           "-byte datagram header";
  const size_t last = size % datagram;
  if (last != 0 && last < kDatagramHeader)
    return "a message of " + std::to_string(size) + " bytes in datagrams of " +
           std::to_string(datagram) + " leaves a last datagram of " +
           std::to_string(last) + " bytes, shorter than its " +
           std::to_string(kDatagramHeader) + "-byte header";
  return "";
}

size_t GsoDatagramsPerCall(size_t datagram) {
  return std::max<size_t>(1,
                          std::min(kMaxGsoSegments, kMaxUdpPayload / datagram));
}

namespace {

// The pages the bytes of `iov[0..n)` touch, each entry apart.
size_t PagesTouched(const iovec* iov, int n) {
  constexpr uintptr_t kPage = 4096;
  size_t pages = 0;
  for (int i = 0; i < n; ++i) {
    const auto start = reinterpret_cast<uintptr_t>(iov[i].iov_base);
    const uintptr_t end = start + iov[i].iov_len - 1;
    pages += end / kPage - start / kPage + 1;
  }
  return pages;
}

}  // namespace

size_t ZeroCopyDatagramsFitting(const Message& m, const DatagramLayout& layout,
                                size_t first, size_t max_datagrams) {
  const size_t left = std::min(max_datagrams, layout.datagrams() - first);
  size_t fits = 1;
  for (size_t n = 2; n <= left; ++n) {
    const size_t offset = layout.DatagramOffset(first);
    const size_t end =
        std::min(layout.message_size, layout.DatagramOffset(first + n));
    iovec iov[kFields];
    const int count = SliceIov(m, offset, end - offset, iov);
    if (PagesTouched(iov, count) > kMaxZeroCopyPages) break;
    fits = n;
  }
  return fits;
}

int SliceIov(const Message& m, size_t offset, size_t length, iovec* out) {
  int n = 0;
  size_t field_start = 0;
  const size_t end = offset + length;
  for (int i = 0; i < kFields && field_start < end; ++i) {
    const iovec& f = m.iov()[i];
    const size_t field_end = field_start + f.iov_len;
    const size_t lo = std::max(offset, field_start);
    const size_t hi = std::min(end, field_end);
    if (lo < hi)
      out[n++] = {static_cast<std::byte*>(f.iov_base) + (lo - field_start),
                  hi - lo};
    field_start = field_end;
  }
  return n;
}

void EncodeHeader(const DatagramHeader& header,
                  std::byte (&out)[kDatagramHeader]) {
  PutLe(out, header.seq, 8);
  PutLe(out + 8, header.message, 4);
  PutLe(out + 12, header.index, 4);
}

void WriteHeader(Message& m, size_t offset, const DatagramHeader& header) {
  std::byte bytes[kDatagramHeader];
  EncodeHeader(header, bytes);
  iovec parts[kFields];
  const int n = SliceIov(m, offset, kDatagramHeader, parts);
  const std::byte* from = bytes;
  for (int i = 0; i < n; ++i) {
    std::memcpy(parts[i].iov_base, from, parts[i].iov_len);
    from += parts[i].iov_len;
  }
}

DatagramHeader ReadHeader(std::span<const std::byte> datagram) {
  DatagramHeader h;
  if (datagram.size() < kDatagramHeader) return h;
  h.seq = GetLe(datagram.data(), 8);
  h.message = static_cast<uint32_t>(GetLe(datagram.data() + 8, 4));
  h.index = static_cast<uint32_t>(GetLe(datagram.data() + 12, 4));
  return h;
}

}  // namespace netbench
