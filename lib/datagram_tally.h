#ifndef NET_BENCH_LIB_DATAGRAM_TALLY_H_
#define NET_BENCH_LIB_DATAGRAM_TALLY_H_

// What a UDP receiver got, by the headers its datagrams carry
// (lib/datagram.h): how many, how many the sender's sequence numbers say
// were lost on the way (a gap) or came after a later one, and with
// --verify, every byte checked.
//
// Loss is counted when a later datagram shows the gap, so the datagrams
// lost after the last one received are counted only by whoever knows how
// many were sent (Unseen). A datagram that fills a gap late counts as
// reordered and no longer as lost. The sender numbers from 0, so a loss
// before the first arrival counts too.

#include <cstddef>
#include <cstdint>
#include <span>

#include "lib/datagram.h"
#include "lib/datagram_receiver.h"

namespace netbench {

class DatagramTally final : public DatagramSink {
 public:
  // `message_size` and `datagram` give each datagram's place and length;
  // `verify` checks every byte (lib/integrity.h's pattern of the message
  // whose sequence number the header carries).
  DatagramTally(size_t message_size, size_t datagram, bool verify);

  // Throws IntegrityError (lib/integrity.h) with --verify when a datagram
  // is not what its header says it is.
  void OnDatagram(std::span<const std::byte> datagram) override;

  uint64_t received() const { return received_; }
  uint64_t lost() const { return lost_; }
  uint64_t reordered() const { return reordered_; }
  uint64_t verified() const { return verified_; }
  // Datagrams never seen of the first `sent`: the gaps, and those after
  // the last one received.
  uint64_t Unseen(uint64_t sent) const {
    return lost_ + (sent > next_ ? sent - next_ : 0);
  }
  // The datagrams received so far of message `message` (low 32 bits), the
  // newest message seen: an RR answer is complete when all have come.
  uint32_t DatagramsOf(uint32_t message) const {
    return message == message_ ? of_message_ : 0;
  }

 private:
  void Verify(std::span<const std::byte> datagram, const DatagramHeader& h);

  DatagramLayout layout_;
  bool verify_;
  uint64_t next_ = 0;  // the sequence number after the highest seen
  uint64_t received_ = 0;
  uint64_t lost_ = 0;
  uint64_t reordered_ = 0;
  uint64_t verified_ = 0;
  uint32_t message_ = 0;  // the newest message seen
  uint32_t of_message_ = 0;
  bool any_ = false;
};

}  // namespace netbench

#endif  // NET_BENCH_LIB_DATAGRAM_TALLY_H_
