#ifndef NET_BENCH_HARNESS_STARTUP_BUDGET_H_
#define NET_BENCH_HARNESS_STARTUP_BUDGET_H_

// The budget of connections still in their handshake (accepted, the
// client's proof not yet checked), apart from the authenticated ones, so
// that no one without the key can take the capacity key holders need
// (issue 17: silent connections from 8 addresses used to fill
// --max_connections). It follows OpenSSH's MaxStartups START:RATE:FULL:
// below START handshakes every connection is admitted; from START on, a new
// one is refused with probability RATE%, rising linearly to 100% at FULL
// (random early drop). Two rules make it fair between addresses, which
// MaxStartups alone is not (a flood at FULL refuses everyone):
//  - the random drop only falls on connections from an address that holds
//    the most handshakes already (a flood's), never on one from an address
//    holding fewer;
//  - at FULL, a connection from an address holding fewer handshakes than
//    the heaviest takes the place of the oldest handshake of the heaviest
//    address, which is dropped (a silent flood's connections are the
//    oldest); one from a heaviest address is refused.
// So a key holder's first connections always start their handshake,
// whatever the number of handshakes others hold, as long as it holds fewer
// of them than the heaviest flooding address.

#include <cstdint>
#include <list>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>

namespace netbench {

struct StartupLimits {
  int start = 64;  // handshakes admitted without question
  int rate = 30;   // percent refused at `start`, rising to 100 at `full`
  int full = 256;  // handshakes at most

  // "START:RATE:FULL" with 1 <= START <= FULL <= 65536, 0 <= RATE <= 100,
  // or "N" for N:100:N (no random drop). Returns why not, or "".
  static std::string Parse(std::string_view text, StartupLimits* out);
  std::string ToString() const;  // "64:30:256"
};

// Not thread-safe: the server calls it under its own lock.
class StartupBudget {
 public:
  StartupBudget(StartupLimits limits, uint64_t seed);

  struct Decision {
    bool admitted = false;
    // Admitted in the place of this handshake, which must be dropped (it is
    // no longer counted).
    std::optional<uint64_t> dropped;
    std::string refusal;  // why not, when not admitted
  };
  // Connection `id` from IPv4 address `source` (network order) asks to
  // start its handshake.
  Decision Admit(uint32_t source, uint64_t id);

  // Handshake `id` ended: authenticated, refused, or gone. Nothing when it
  // was dropped (or never admitted).
  void Release(uint64_t id);

  int in_handshake() const { return static_cast<int>(entries_.size()); }
  int from(uint32_t source) const;
  const StartupLimits& limits() const { return limits_; }

 private:
  struct Entry {
    uint32_t source;
    uint64_t id;
  };
  // The most handshakes any one address holds.
  int Heaviest() const;
  void Remove(std::list<Entry>::iterator it);

  const StartupLimits limits_;
  std::minstd_rand random_;
  std::list<Entry> entries_;  // oldest first
  std::unordered_map<uint64_t, std::list<Entry>::iterator> by_id_;
  std::unordered_map<uint32_t, int> per_source_;
};

}  // namespace netbench

#endif  // NET_BENCH_HARNESS_STARTUP_BUDGET_H_
