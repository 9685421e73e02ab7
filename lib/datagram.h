#ifndef NET_BENCH_LIB_DATAGRAM_H_
#define NET_BENCH_LIB_DATAGRAM_H_

// How a message travels over UDP (DESIGN.md section 2, "UDP"). A message of
// S bytes, its 8 fields laid end to end, is cut into datagrams of
// `datagram` bytes (the last one shorter), the same datagrams in every UDP
// mode: the modes differ only in how many of them one call hands to the
// kernel (one, a sendmmsg batch, or a UDP_SEGMENT super-datagram).
//
// Every datagram starts with a 16-byte header, written by the flow into the
// message's bytes before the send (harness/flow.cc), so that the receiver
// can count loss and reordering by sequence numbers and, with --verify,
// check each datagram on its own:
//   bytes [0, 8)   the sending side's datagram sequence number (0, 1, ...)
//   bytes [8, 12)  the message's sequence number, low 32 bits
//   bytes [12, 16) the datagram's index within its message
// The rest of a datagram at message offset o holds the message's byte o.

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "lib/message.h"

namespace netbench {

inline constexpr size_t kDatagramHeader = 16;
// The largest UDP payload over IPv4: 65535 - 20 (IP header) - 8 (UDP).
inline constexpr size_t kMaxUdpPayload = 65507;
// Datagrams one UDP_SEGMENT call may carry: UDP_MAX_SEGMENTS, 64 before
// Linux 6.5 raised it to 128 (include/linux/udp.h); the older bound holds
// everywhere.
inline constexpr size_t kMaxGsoSegments = 64;
// Pages one zero-copy send may pin: a UDP datagram built from user pages
// holds them as the fragments of one skb, at most MAX_SKB_FRAGS (17 unless
// the kernel is built with more, CONFIG_MAX_SKB_FRAGS, Linux 6.7); more is
// EMSGSIZE (skb_zerocopy_iter_dgram).
inline constexpr size_t kMaxZeroCopyPages = 17;
// Datagrams one sendmmsg() or recvmmsg() may take: UIO_MAXIOV.
inline constexpr size_t kMaxBatch = 1024;

struct DatagramHeader {
  uint64_t seq = 0;      // the sending side's datagram sequence number
  uint32_t message = 0;  // the message's sequence number, low 32 bits
  uint32_t index = 0;    // within the message
};

// The datagrams of a message, and how a mode groups them into calls.
struct DatagramLayout {
  size_t message_size = 0;
  size_t datagram = 0;  // bytes per datagram (the last one may be shorter)
  size_t per_call = 1;  // datagrams per send call

  size_t datagrams() const { return (message_size + datagram - 1) / datagram; }
  size_t calls() const { return (datagrams() + per_call - 1) / per_call; }
  // Message bytes [offset, offset + length) of datagram `i`.
  size_t DatagramOffset(size_t i) const { return i * datagram; }
  size_t DatagramLength(size_t i) const;
  // Message bytes of call `c` (whole datagrams, the last call shorter).
  size_t CallOffset(size_t c) const { return c * per_call * datagram; }
  size_t CallLength(size_t c) const;
  // Datagrams in call `c`.
  size_t CallDatagrams(size_t c) const;
};

// "" when a message of `size` bytes can be cut into datagrams of
// `datagram` bytes each carrying its header, else why not.
std::string DatagramLayoutProblem(size_t size, size_t datagram);

// Datagrams per UDP_SEGMENT call of `datagram`-byte datagrams: as many as
// fit under kMaxUdpPayload and kMaxGsoSegments.
size_t GsoDatagramsPerCall(size_t datagram);

// How many datagrams, from datagram `first` of `m` on and at most
// `max_datagrams`, one zero-copy call may carry: those whose bytes touch at
// most kMaxZeroCopyPages pages (at least one).
size_t ZeroCopyDatagramsFitting(const Message& m, const DatagramLayout& layout,
                                size_t first, size_t max_datagrams);

// Fills `out` with the iovecs of message bytes [offset, offset + length):
// at most kFields entries, no empty one. Returns how many.
int SliceIov(const Message& m, size_t offset, size_t length, iovec* out);

// `header` as the wire carries it (little endian, the layout above).
void EncodeHeader(const DatagramHeader& header,
                  std::byte (&out)[kDatagramHeader]);
// Writes `header` at message offset `offset` (across fields if need be).
void WriteHeader(Message& m, size_t offset, const DatagramHeader& header);
DatagramHeader ReadHeader(std::span<const std::byte> datagram);

}  // namespace netbench

#endif  // NET_BENCH_LIB_DATAGRAM_H_
