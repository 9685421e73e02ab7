#ifndef NET_BENCH_LIB_DATAGRAM_RECEIVER_H_
#define NET_BENCH_LIB_DATAGRAM_RECEIVER_H_

// How a UDP receiver takes datagrams off its socket (--udp_rx): one
// recvmsg() per datagram, recvmmsg() batches, or UDP_GRO, where one
// recvmsg() may return many datagrams of one flow coalesced, cut by the
// segment size its control message gives (udp(7), UDP_GRO). One table, like
// the modes' (lib/mode.h).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "base/wait_policy.h"
#include "lib/side_record.h"

namespace netbench {

// Gets every received datagram, one at a time (a GRO buffer's segments
// apart), in the order the socket gave them.
class DatagramSink {
 public:
  virtual ~DatagramSink() = default;
  virtual void OnDatagram(std::span<const std::byte> datagram) = 0;
};

struct DatagramReceiverOptions {
  size_t datagram = 1472;  // the largest datagram expected (--datagram)
  size_t batch = 16;       // recvmmsg(): datagrams per call
  // How long one Receive() waits for a first datagram before it returns
  // none: the flow then looks whether the data phase ended.
  std::chrono::milliseconds idle{20};
  WaitPolicy wait = WaitPolicy::kBlock;
};

// Takes datagrams off one UDP socket (borrowed, not owned). Each counts,
// in its stats, the bytes and datagrams received and its syscalls.
class DatagramReceiver {
 public:
  virtual ~DatagramReceiver() = default;
  // Receives what the socket holds, up to a batch, waiting at most the idle
  // time for the first datagram; every datagram goes to `sink`. Returns how
  // many; 0 when none came. Throws SysError on a socket error, or when a
  // datagram is longer than the options' datagram (cut short).
  virtual size_t Receive(DatagramSink& sink) = 0;
  const SideRecord& stats() const { return stats_; }
  // Datagrams the kernel dropped at this socket for want of room, as its
  // SO_RXQ_OVFL control message last said (socket(7)): a check on the loss
  // the sequence numbers count.
  uint64_t kernel_drops() const { return kernel_drops_; }

 protected:
  SideRecord stats_;
  uint64_t kernel_drops_ = 0;
};

enum class UdpRx : uint8_t { kRecvmsg, kRecvmmsg, kGro };

struct UdpRxInfo {
  UdpRx mode;
  std::string_view name;  // as in --udp_rx and benchmark names (rx:<name>)
  std::string_view mechanism;
};

std::span<const UdpRxInfo> UdpRxTable();
std::string_view UdpRxName(UdpRx mode);
std::optional<UdpRx> ParseUdpRx(std::string_view name);
std::string UdpRxNames();  // "recvmsg, recvmmsg, gro"

// Throws SysError when the socket refuses an option the mode needs.
std::unique_ptr<DatagramReceiver> MakeDatagramReceiver(
    UdpRx mode, int fd, const DatagramReceiverOptions& options);

// An upper bound on what MakeDatagramReceiver allocates.
size_t DatagramReceiverBytes(UdpRx mode,
                             const DatagramReceiverOptions& options);

}  // namespace netbench

#endif  // NET_BENCH_LIB_DATAGRAM_RECEIVER_H_
