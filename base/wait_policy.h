#ifndef NET_BENCH_BASE_WAIT_POLICY_H_
#define NET_BENCH_BASE_WAIT_POLICY_H_

#include <optional>
#include <string_view>

namespace netbench {

// How a thread waits for its peer's data.
//
// kBlock sleeps in the kernel until the data arrives. On a VM the wake-up of
// an idle virtual CPU (an IPI the hypervisor must deliver, then the guest's
// scheduler) can cost tens of microseconds and varies from run to run, so it
// can decide a request/response round trip more than the mechanism does.
//
// kSpin polls with non-blocking calls until the data is there (bounded by
// the timeout, like every wait), so the waiting thread never sleeps and its
// CPU never idles. It burns that CPU, and is only sound when the thread has
// a CPU of its own: two spinning threads on one CPU take turns by preemption
// (milliseconds). SO_BUSY_POLL is also set on the socket where permitted; the
// kernel honours it only for sockets fed by a NAPI device with busy-poll
// support (a real NIC, not veth: veth's backlog has no NAPI id).
enum class WaitPolicy { kBlock, kSpin };

std::string_view WaitPolicyName(WaitPolicy policy);
std::optional<WaitPolicy> ParseWaitPolicy(std::string_view name);

}  // namespace netbench

#endif  // NET_BENCH_BASE_WAIT_POLICY_H_
