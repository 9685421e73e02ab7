#ifndef NET_BENCH_LIB_MODE_H_
#define NET_BENCH_LIB_MODE_H_

// The vocabularies of the transfer: the modes (how the sender hands a message
// to the kernel) and the receive modes (how the receiver takes it off). Each
// is one table (lib/mode_table.cc, lib/receiver_factory.cc): its names,
// descriptions, what the mode reports and how it is made come from there,
// for the flags, the help, the registration, the factories, the probes and
// the JSON context the tools read.
//
// Adding a mode: its sender file (with its constructor and probe declared in
// lib/senders.h), one enumerator and one row in the table, and its test.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace netbench {

class Sender;
struct SenderOptions;
class Receiver;
struct ReceiverOptions;

// What a mode's socket is: a TCP stream, or UDP datagrams (lib/datagram.h).
enum class Transport : uint8_t { kTcp, kUdp };
std::string_view TransportName(Transport t);  // "tcp", "udp"

// The data-transfer mechanisms of DESIGN.md section 2, in the order of its
// table; the value is what the wire protocol carries.
enum class Mode : uint8_t {
  kTwoCopy,
  kTwoCopyPacked,
  kOneCopy,
  kZeroCopy,
  kUringOneCopy,
  kUringZeroCopy,
  kSpliceZeroCopy,
  kUdpSendmsg,
  kUdpSendmmsg,
  kUdpGso,
  kUdpGsoZeroCopy,
  kUdpUringGso,
  kUdpUringGsoZeroCopy,
  kUdpUringSendmsg,
};

struct ModeInfo {
  Mode mode;
  std::string_view name;       // as in benchmark names and --modes
  std::string_view mechanism;  // one line for --help, the README, the JSON
  // Asks the kernel for zero-copy completion notifications, and so reports
  // zc_copied_ratio, zc_completions_per_msg and zc_enobufs.
  bool notified;
  // "" when the running kernel supports the mechanism, else why not; null
  // for a mechanism every kernel has.
  std::string (*probe)();
  std::unique_ptr<Sender> (*make)(int fd, const SenderOptions& options);
  // An upper bound on what `make` allocates or maps with the options
  // (SenderMemoryBytes: a server's memory budget).
  size_t (*memory)(const SenderOptions& options);
  Transport transport = Transport::kTcp;
};

// Every mode, in the table's order.
std::span<const ModeInfo> ModeTable();
const ModeInfo& Describe(Mode mode);
std::span<const Mode> AllModes();
// The modes of one transport, in the table's order.
std::span<const Mode> ModesOf(Transport transport);
std::string_view ModeName(Mode mode);
std::optional<Mode> ParseMode(std::string_view name);
bool IsZeroCopyNotified(Mode mode);
Transport TransportOf(Mode mode);
// "TwoCopy, TwoCopyPacked, ..." for help and error messages.
std::string ModeNames();

// How the receiver takes the bytes off a TCP socket (UDP's receive modes
// are lib/datagram_receiver.h's).
enum class RxMode : uint8_t {
  kCopy,
  kZeroCopy,
  kTrunc,
};

struct RxModeInfo {
  RxMode mode;
  std::string_view name;  // as in --rx
  std::string_view mechanism;
  std::unique_ptr<Receiver> (*make)(int fd, const ReceiverOptions& options);
  // An upper bound on what `make` allocates or maps (ReceiverMemoryBytes).
  size_t (*memory)(const ReceiverOptions& options);
};

std::span<const RxModeInfo> RxModeTable();
std::string_view RxModeName(RxMode mode);
std::optional<RxMode> ParseRxMode(std::string_view name);
// "copy, zerocopy, trunc".
std::string RxModeNames();

}  // namespace netbench

#endif  // NET_BENCH_LIB_MODE_H_
