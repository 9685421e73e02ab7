#ifndef NET_BENCH_HARNESS_PROTOCOL_H_
#define NET_BENCH_HARNESS_PROTOCOL_H_

// The small control exchange at the start and end of every benchmark
// connection, shared by the in-process server and `net_bench serve`:
//
//   server -> client  Challenge (a fresh nonce, whether a key is required;
//                     or, at once, a refusal with its reason)
//   client -> server  Hello     (what this connection will do, the client's
//                     nonce and its proof of the shared key)
//   server -> client  Ack       (accepted with the server's proof of the key,
//                     or refused with a reason)
//   client -> server  Go        (once every connection of the run is up: the
//                     flow's schedule, its warm-up and window)
//   ...   the pattern's data phase, a steady flow (lib/flow_window.h) ...
//   client            shutdown(SHUT_WR): the end of the data phase
//   server -> client  Report  (what the server side measured inside its
//                     window, and its totals)
//
// The server speaks first, so that it can refuse a connection (too many,
// fd limit) with a reason before reading anything. The proofs are HMACs of
// the exchange (harness/auth.h). Fixed-size little-endian records: a
// hostile or broken peer can make the server read at most sizeof(Hello)
// bytes, within one deadline for the whole handshake, before it decides.

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <type_traits>

#include "lib/message.h"
#include "lib/mode.h"
#include "lib/side_record.h"

namespace netbench {

// The benchmark patterns (DESIGN.md section 3), in the order of their table;
// the value is what the wire carries.
enum class Pattern : uint8_t {
  kStream = 0,
  kRR = 1,
  kUdpStream = 2,
  kUdpRR = 3
};
struct PatternInfo {
  Pattern pattern;
  std::string_view name;  // as in benchmark names and --patterns
  std::string_view description;
  // Which modes it runs (lib/mode.h): a UDP pattern's data goes over a
  // UDP socket pair beside its TCP control connection.
  Transport transport;
  // The client sends the messages of the mode under test (Stream), or the
  // server does, answering the client's requests (RR).
  bool client_sends;
};
std::span<const PatternInfo> PatternTable();
std::string_view PatternName(Pattern p);
std::optional<Pattern> ParsePattern(std::string_view name);
// "Stream, RR, UdpStream, UdpRR".
std::string PatternNames();
Transport TransportOf(Pattern p);
bool ClientSends(Pattern p);

inline constexpr uint32_t kHelloMagic = 0x4e42454e;      // "NEBN"
inline constexpr uint32_t kAckMagic = 0x4e42414b;        // "KABN"
inline constexpr uint32_t kReportMagic = 0x4e425250;     // "PRBN"
inline constexpr uint32_t kChallengeMagic = 0x4e424843;  // "CHBN"
inline constexpr uint32_t kGoMagic = 0x4e42474f;         // "OGBN"
// 2: Hello names its connection and may ask the server to spin; the Report
// carries the server's SideRecord.
// 3: the server speaks first (Challenge); the Hello and the Ack carry each
// side's proof of the shared key.
// 4: steady flows: the Hello carries the working set and the payload
// regime, a Go gives the schedule, the Report the server's window and its
// totals.
// 5: UDP: the Hello carries the datagram size, the batch, the rate and the
// client's UDP port, the Ack the server's.
inline constexpr uint16_t kProtocolVersion = 5;
// RR requests are this many bytes: the request's sequence number. A UdpRR
// request is a datagram of its header alone (lib/datagram.h).
inline constexpr size_t kRequestSize = 8;

inline constexpr uint8_t kHelloVerify = 1;
inline constexpr uint8_t kHelloNoDelay = 2;
// The server side waits for data by spinning (base/wait_policy.h), where the
// server allows it.
inline constexpr uint8_t kHelloSpin = 4;
// The sender does not write the payload before each send (lib/payload.h).
inline constexpr uint8_t kHelloUnwritten = 8;
inline constexpr uint8_t kHelloFlags =
    kHelloVerify | kHelloNoDelay | kHelloSpin | kHelloUnwritten;

using Nonce = std::array<uint8_t, 32>;
using Proof = std::array<uint8_t, 32>;  // HMAC-SHA256

// The Hello must carry a proof of the server's key.
inline constexpr uint8_t kChallengeAuth = 1;

struct Challenge {
  uint32_t magic = kChallengeMagic;
  uint16_t version = kProtocolVersion;
  uint8_t flags = 0;  // kChallengeAuth
  uint8_t ok = 1;     // 0: refused before the Hello, `reason` says why
  Nonce nonce{};      // the server's: the client's proof covers it
  char reason[88] = {};
};
static_assert(sizeof(Challenge) == 128);
// No padding in the records the proofs cover: their bytes are all defined.
static_assert(std::has_unique_object_representations_v<Challenge>);

struct Hello {
  uint32_t magic = kHelloMagic;
  uint16_t version = kProtocolVersion;
  uint8_t pattern = 0;  // Pattern
  uint8_t mode = 0;     // Mode of the side that sends messages
  uint8_t rx = 0;       // RxMode of the side that receives messages
  uint8_t flags = 0;    // kHelloFlags
  // The client's connection index in its benchmark (0..threads-1): the
  // server places its thread for this connection by it (lib/placement.h).
  uint16_t connection = 0;
  // What the client would like every wait bounded by; the server's own
  // --timeout_ms caps it.
  uint32_t timeout_ms = 0;
  // The sender's working set in bytes (lib/message_pool.h): in RR the
  // server's, counted against its --max_memory.
  uint64_t working_set = 0;
  uint64_t size = 0;  // message size
  // UDP patterns (lib/datagram.h); zero for TCP. The rate the sending side
  // paces to in bits/s (0: unpaced), capped by the server's own policy
  // when the server sends.
  uint64_t rate = 0;
  uint16_t datagram = 0;  // bytes per datagram
  uint16_t batch = 0;     // UdpSendmmsg and recvmmsg: datagrams per call
  uint16_t udp_port = 0;  // the client's UDP socket, on its TCP address
  uint16_t reserved = 0;
  Nonce nonce{};  // the client's: the server's proof covers it
  Proof proof{};  // the client's proof of the key, zero without one
};
static_assert(sizeof(Hello) == 112);
static_assert(std::has_unique_object_representations_v<Hello>);

struct Ack {
  uint32_t magic = kAckMagic;
  uint32_t ok = 0;        // 1: accepted
  char reason[116] = {};  // why not, NUL-terminated
  // UDP patterns: the server's UDP socket, connected to the client's, on
  // the server's TCP address.
  uint16_t udp_port = 0;
  uint16_t reserved = 0;
  Proof proof{};  // accepted by a server with a key: its proof
};
static_assert(sizeof(Ack) == 160);

// The flow's schedule, sent by the client once every connection of its run
// is up (the warm-up starts then). Times are the client's steady clock; the
// server places them on its own: as they are when kGoSameClock says the two
// share one (the server runs in the client's process), else relative to the
// Go's arrival, which puts its window late by the Go's one-way trip (the
// tail of the schedule covers it).
inline constexpr uint32_t kGoSameClock = 1;
struct Go {
  uint32_t magic = kGoMagic;
  uint32_t flags = 0;           // kGoSameClock
  int64_t sent_ns = 0;          // when the client sent this
  int64_t window_start_ns = 0;  // the warm-up ends
  int64_t window_ns = 0;        // the window's length
};
static_assert(sizeof(Go) == 32);

// Checks a received Go; returns "" when acceptable, else why not.
std::string ValidateGo(const Go& go);

inline constexpr uint64_t kAbsent = ~uint64_t{0};

// A SideRecord on the wire: each field as one 64-bit word, in the order of
// SideRecord::ForEachField; an absent optional is kAbsent, a bool 0 or 1, a
// signed field its two's complement. Times are the server's steady clock:
// the client uses them only when the server runs in its own process (same
// clock), and durations otherwise.
struct WireRecord {
  uint64_t words[SideRecord::kFields] = {};
};
static_assert(sizeof(WireRecord) == SideRecord::kFields * 8);

WireRecord ToWire(const SideRecord& r);
SideRecord FromWire(const WireRecord& w);

// What the server side of one connection measured inside its window, and
// its totals over the whole data phase (warm-up and tail included), sent
// when the client ends the data phase.
struct Report {
  uint32_t magic = kReportMagic;
  uint32_t ok = 0;  // 1: no error on the server side
  WireRecord side;  // the window (lib/flow_window.h)
  // Every message received (Stream) or sent (RR); UdpStream: every
  // datagram received.
  uint64_t messages = 0;
  uint64_t verified = 0;  // --verify: of those, checked (Stream)
  char error[128] = {};
};
// test/serve_protocol.py speaks these records too.
static_assert(sizeof(Report) == 352);

// Checks a received Hello; returns "" when acceptable, else why not (wrong
// magic or version, unknown pattern/mode/rx, size out of range, ...).
std::string ValidateHello(const Hello& h);

// Copies `text` into a fixed char field, truncated and NUL-terminated.
template <size_t N>
void CopyText(char (&dst)[N], std::string_view text) {
  const size_t n = text.size() < N - 1 ? text.size() : N - 1;
  text.copy(dst, n);
  dst[n] = '\0';
}

}  // namespace netbench

#endif  // NET_BENCH_HARNESS_PROTOCOL_H_
