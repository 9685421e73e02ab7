// The mode table: every data-transfer mechanism, one row each, in the order
// of DESIGN.md section 2 (and of Mode, whose values the wire carries).

#include <array>

#include "lib/mode.h"
#include "lib/sender.h"
#include "lib/senders.h"

namespace netbench {
namespace {

constexpr std::array<ModeInfo, 14> kModes = {{
    {Mode::kTwoCopy, "TwoCopy", "8 x send(), one per field", false, nullptr,
     MakeTwoCopySender,
     [](const SenderOptions& o) { return CopySenderBytes(Mode::kTwoCopy, o); }},
    {Mode::kTwoCopyPacked, "TwoCopyPacked",
     "memcpy the 8 fields into one buffer, 1 x send()", false, nullptr,
     MakeTwoCopyPackedSender,
     [](const SenderOptions& o) {
       return CopySenderBytes(Mode::kTwoCopyPacked, o);
     }},
    {Mode::kOneCopy, "OneCopy", "1 x sendmsg() with an 8-entry iovec", false,
     nullptr, MakeOneCopySender,
     [](const SenderOptions& o) { return CopySenderBytes(Mode::kOneCopy, o); }},
    {Mode::kZeroCopy, "ZeroCopy",
     "sendmsg(MSG_ZEROCOPY), completions from MSG_ERRQUEUE", true,
     ProbeZeroCopy, MakeZeroCopySender, ZeroCopySenderBytes},
    {Mode::kUringOneCopy, "UringOneCopy", "io_uring IORING_OP_SENDMSG", false,
     [] { return ProbeUring(false); },
     [](int fd, const SenderOptions& o) {
       return MakeUringSender(fd, o, /*zerocopy=*/false);
     },
     UringSenderBytes},
    {Mode::kUringZeroCopy, "UringZeroCopy",
     "io_uring IORING_OP_SENDMSG_ZC, notification CQEs", true,
     [] { return ProbeUring(true); },
     [](int fd, const SenderOptions& o) {
       return MakeUringSender(fd, o, /*zerocopy=*/true);
     },
     UringSenderBytes},
    {Mode::kSpliceZeroCopy, "SpliceZeroCopy",
     "fields in a memfd, vmsplice/splice into the socket", false, ProbeSplice,
     MakeSpliceSender, SpliceSenderBytes},
    // UDP (lib/datagram.h): every mode sends the same datagrams of
    // --datagram bytes; they differ in how many one call carries.
    {Mode::kUdpSendmsg, "UdpSendmsg",
     "1 x sendmsg() per datagram, iovec over the 8 fields", false, nullptr,
     MakeUdpSendmsgSender,
     [](const SenderOptions& o) {
       return UdpSenderBytes(Mode::kUdpSendmsg, o);
     },
     Transport::kUdp},
    {Mode::kUdpSendmmsg, "UdpSendmmsg",
     "sendmmsg(), --batch datagrams per call", false, nullptr,
     MakeUdpSendmmsgSender,
     [](const SenderOptions& o) {
       return UdpSenderBytes(Mode::kUdpSendmmsg, o);
     },
     Transport::kUdp},
    {Mode::kUdpGso, "UdpGso",
     "UDP_SEGMENT: 1 x sendmsg() carries up to 64 KiB of datagrams", false,
     ProbeUdpGso, MakeUdpGsoSender,
     [](const SenderOptions& o) { return UdpSenderBytes(Mode::kUdpGso, o); },
     Transport::kUdp},
    {Mode::kUdpGsoZeroCopy, "UdpGsoZeroCopy",
     "UDP_SEGMENT with MSG_ZEROCOPY, completions from MSG_ERRQUEUE", true,
     ProbeUdpZeroCopy, MakeUdpGsoZeroCopySender, ZeroCopySenderBytes,
     Transport::kUdp},
    {Mode::kUdpUringGso, "UdpUringGso",
     "io_uring IORING_OP_SENDMSG with UDP_SEGMENT", false,
     [] { return ProbeUdpUringGso(/*zerocopy=*/false); },
     [](int fd, const SenderOptions& o) {
       return MakeUdpUringGsoSender(fd, o, /*zerocopy=*/false);
     },
     UringSenderBytes, Transport::kUdp},
    {Mode::kUdpUringGsoZeroCopy, "UdpUringGsoZeroCopy",
     "io_uring IORING_OP_SENDMSG_ZC with UDP_SEGMENT, notification CQEs", true,
     [] { return ProbeUdpUringGso(/*zerocopy=*/true); },
     [](int fd, const SenderOptions& o) {
       return MakeUdpUringGsoSender(fd, o, /*zerocopy=*/true);
     },
     UringSenderBytes, Transport::kUdp},
    // Last for the wire's sake (the value is what the Hello carries).
    {Mode::kUdpUringSendmsg, "UdpUringSendmsg",
     "io_uring IORING_OP_SENDMSG, one datagram per request", false,
     [] { return ProbeUring(false); }, MakeUdpUringSender, UringSenderBytes,
     Transport::kUdp},
}};

// The table's order is the enum's: Describe() indexes by value.
constexpr bool InEnumOrder() {
  for (size_t i = 0; i < kModes.size(); ++i)
    if (static_cast<size_t>(kModes[i].mode) != i) return false;
  return true;
}
static_assert(InEnumOrder());

}  // namespace

std::span<const ModeInfo> ModeTable() { return kModes; }

}  // namespace netbench
