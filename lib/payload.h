#ifndef NET_BENCH_LIB_PAYLOAD_H_
#define NET_BENCH_LIB_PAYLOAD_H_

// What the sender does to a message before handing it to the kernel: the
// same for every mode (DESIGN.md section 3, "One data regime for every
// mode"). By default it writes every byte, as an application producing its
// data would; the copy modes then read what was just written, and so do the
// zero-copy modes' pages when the kernel copies them after all (veth:
// skb_copy_ubufs at local delivery). Leaving the buffers unwritten isolates
// the kernel's own cost from the data's production.

#include <cstdint>
#include <optional>
#include <string_view>

#include "lib/message.h"

namespace netbench {

enum class Payload : uint8_t {
  kWritten,    // every byte written before each send (the default)
  kUnwritten,  // sent as it lies in the working set
};

std::string_view PayloadName(Payload payload);
std::optional<Payload> ParsePayload(std::string_view name);

// Writes every byte of `message`, a function of `seq` so that consecutive
// messages differ: 8-byte stores the compiler vectorises, about what a
// memset of the message costs, without the string instructions whose speed
// drifts on some virtual machines (README, "Placement and waiting").
void WritePayload(Message& message, uint64_t seq);

}  // namespace netbench

#endif  // NET_BENCH_LIB_PAYLOAD_H_
