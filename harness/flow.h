#ifndef NET_BENCH_HARNESS_FLOW_H_
#define NET_BENCH_HARNESS_FLOW_H_

// One side of one connection's data phase, for every pattern: one skeleton
// (DESIGN.md section 3). The side repeats its pattern's step, and a
// FlowWindow (lib/flow_window.h) decides which steps count:
//
//   | pattern | client (drives the flow)           | server (follows it)      |
//   |---------|------------------------------------|--------------------------|
//   | Stream  | send the next message              | receive one message      |
//   | RR      | send a request, receive the answer | receive a request, send  |
//   |         | (its round trip is recorded)       | the next message         |
//   | UdpStream | send the next message's datagrams | receive what arrived | |
//   UdpRR   | send a request datagram, receive   | receive a request, send  |
//   |         | the answer's datagrams, or count   | the next message's       |
//   |         | it lost after kAnswerWait          | datagrams                |
//
// UDP (lib/datagram.h): every datagram carries a header with the side's
// datagram sequence number, written here, so that the receiver counts loss
// and reordering (lib/datagram_tally.h). UDP has no end of stream: the
// client ends the data phase on its TCP control connection, which the
// server looks at whenever its UDP socket has been idle for the
// receiver's idle wait.
//
// "Send the next message" is the same for every mode: the sender's next
// message of its working set, its payload written (lib/payload.h) or, with
// --verify, stamped, then handed to the mode. The client stops at the end of
// its schedule; the server goes on until the client ends the data phase.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "base/wait_policy.h"
#include "harness/protocol.h"
#include "lib/datagram_receiver.h"
#include "lib/datagram_tally.h"
#include "lib/flow_window.h"
#include "lib/histogram.h"
#include "lib/integrity.h"
#include "lib/pacer.h"
#include "lib/payload.h"
#include "lib/receiver.h"
#include "lib/sender.h"

namespace netbench {

struct FlowEndpoint {
  Pattern pattern = Pattern::kStream;
  bool client = true;  // drives the flow
  int fd = -1;
  size_t message_size = 0;
  // The one that moves this side's messages: a sender on the side that
  // sends them (Stream client, RR server), else a receiver.
  Sender* sender = nullptr;
  Receiver* receiver = nullptr;
  Payload payload = Payload::kWritten;
  bool verify = false;                 // stamp every message / check every byte
  StreamVerifier* verifier = nullptr;  // the receiving side with --verify
  std::chrono::milliseconds timeout{5000};
  WaitPolicy wait = WaitPolicy::kBlock;
  // RR client: the round trips that end inside the window.
  LatencyHistogram* round_trips = nullptr;
  // The client: set when another connection of the run failed.
  const std::atomic<bool>* abort = nullptr;

  // UDP patterns: `fd` is the UDP socket, connected to the peer's.
  int control_fd = -1;  // the TCP control connection (the server's end)
  size_t datagram = 0;  // bytes per datagram
  DatagramReceiver* datagrams = nullptr;  // the side that receives them
  DatagramTally* tally = nullptr;         // what it received
  Pacer* pacer = nullptr;                 // the sending side's (--rate)
};

// How long a UdpRR client waits for an answer before it counts it lost.
inline constexpr std::chrono::milliseconds kAnswerWait{20};

struct FlowResult {
  // What the side did inside its window; absent when the window never
  // opened (the flow ended during the warm-up).
  std::optional<SideRecord> window;
  uint64_t messages = 0;   // every message (UdpRR client: request) of the
                           // data phase
  uint64_t datagrams = 0;  // UDP: every datagram sent by this side
  bool aborted = false;    // the client stopped for another's failure
};

// Runs the data phase of `endpoint` on `schedule`. Throws SysError (and
// IntegrityError with --verify) when the connection fails; the server's end
// of the data phase (the client's shutdown between two steps) is not a
// failure.
FlowResult RunFlow(const FlowEndpoint& endpoint, const FlowSchedule& schedule);

}  // namespace netbench

#endif  // NET_BENCH_HARNESS_FLOW_H_
