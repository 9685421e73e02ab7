#ifndef NET_BENCH_LIB_SENDERS_H_
#define NET_BENCH_LIB_SENDERS_H_

// The per-mode constructors behind MakeSender, and the probes behind
// ModeUnsupportedReason. Each pair lives in the file of its mechanism.

#include <sys/socket.h>

#include <cstddef>
#include <memory>
#include <string>

#include "lib/sender.h"

namespace netbench {

std::unique_ptr<Sender> MakeTwoCopySender(int fd, const SenderOptions& o);
std::unique_ptr<Sender> MakeTwoCopyPackedSender(int fd, const SenderOptions& o);
std::unique_ptr<Sender> MakeOneCopySender(int fd, const SenderOptions& o);
std::unique_ptr<Sender> MakeZeroCopySender(int fd, const SenderOptions& o);
// `zerocopy` selects IORING_OP_SENDMSG_ZC over IORING_OP_SENDMSG.
std::unique_ptr<Sender> MakeUringSender(int fd, const SenderOptions& o,
                                        bool zerocopy);
std::unique_ptr<Sender> MakeSpliceSender(int fd, const SenderOptions& o);
// UDP (lib/udp_senders.cc): one sendmsg() per datagram, UDP_SEGMENT, and
// sendmmsg() batches. ZeroCopy and the io_uring senders send datagrams too
// when o.datagram is set, with UDP_SEGMENT when `segment`.
std::unique_ptr<Sender> MakeUdpSendmsgSender(int fd, const SenderOptions& o);
std::unique_ptr<Sender> MakeUdpGsoSender(int fd, const SenderOptions& o);
std::unique_ptr<Sender> MakeUdpSendmmsgSender(int fd, const SenderOptions& o);
std::unique_ptr<Sender> MakeUdpGsoZeroCopySender(int fd,
                                                 const SenderOptions& o);
// io_uring IORING_OP_SENDMSG, one datagram per request.
std::unique_ptr<Sender> MakeUdpUringSender(int fd, const SenderOptions& o);
std::unique_ptr<Sender> MakeUdpUringGsoSender(int fd, const SenderOptions& o,
                                              bool zerocopy);

// What each mechanism's sender maps or allocates with `o` (an upper bound,
// for SenderMemoryBytes).
size_t CopySenderBytes(Mode mode, const SenderOptions& o);
size_t ZeroCopySenderBytes(const SenderOptions& o);
size_t UringSenderBytes(const SenderOptions& o);
size_t SpliceSenderBytes(const SenderOptions& o);
size_t UdpSenderBytes(Mode mode, const SenderOptions& o);

// Points `msg` at a UDP_SEGMENT control message of `datagram` bytes written
// into `control` (kSegmentControlBytes).
inline constexpr size_t kSegmentControlBytes = 32;
void AddSegmentControl(msghdr& msg, std::byte* control, size_t datagram);

// Each returns "" when the running kernel supports the mechanism, else why
// not. They may create throwaway sockets and rings; they do not cache.
std::string ProbeZeroCopy();
std::string ProbeUring(bool zerocopy);
std::string ProbeSplice();
std::string ProbeUdpGso();
// UDP_SEGMENT, then the io_uring opcode.
std::string ProbeUdpUringGso(bool zerocopy);
std::string ProbeUdpZeroCopy();

}  // namespace netbench

#endif  // NET_BENCH_LIB_SENDERS_H_
