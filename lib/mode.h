#ifndef NET_BENCH_LIB_MODE_H_
#define NET_BENCH_LIB_MODE_H_

#include <optional>
#include <span>
#include <string_view>

namespace netbench {

// The data-transfer mechanisms of DESIGN.md section 2.
enum class Mode {
  kTwoCopy,         // 8 x send(), one per field
  kTwoCopyPacked,   // memcpy into one buffer, 1 x send()
  kOneCopy,         // 1 x sendmsg() with an 8-entry iovec
  kZeroCopy,        // sendmsg(MSG_ZEROCOPY), completions from MSG_ERRQUEUE
  kUringOneCopy,    // io_uring IORING_OP_SENDMSG
  kUringZeroCopy,   // io_uring IORING_OP_SENDMSG_ZC
  kSpliceZeroCopy,  // fields in a memfd, moved into the socket with splice
};

// Every mode, in the order of the table in DESIGN.md.
std::span<const Mode> AllModes();
std::string_view ModeName(Mode mode);
std::optional<Mode> ParseMode(std::string_view name);
// Whether the mode asks the kernel not to copy (and so reports zc_* counters).
bool IsZeroCopyNotified(Mode mode);

// How the receiver takes the bytes off the socket.
enum class RxMode {
  kCopy,      // recv() into a reusable buffer
  kZeroCopy,  // TCP_ZEROCOPY_RECEIVE: mmap of received pages
  kTrunc,     // recv(MSG_TRUNC): discard without copying
};
std::string_view RxModeName(RxMode mode);
std::optional<RxMode> ParseRxMode(std::string_view name);

}  // namespace netbench

#endif  // NET_BENCH_LIB_MODE_H_
