#include "harness/startup_budget.h"

#include <algorithm>
#include <charconv>
#include <vector>

namespace netbench {
namespace {

bool ParseInt(std::string_view text, int lo, int hi, int* out) {
  int v = 0;
  const auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() ||
      v < lo || v > hi)
    return false;
  *out = v;
  return true;
}

}  // namespace

std::string StartupLimits::Parse(std::string_view text, StartupLimits* out) {
  constexpr int kMax = 65536;
  std::vector<std::string_view> parts;
  for (size_t start = 0;;) {
    const size_t colon = text.find(':', start);
    parts.push_back(text.substr(start, colon - start));
    if (colon == std::string_view::npos) break;
    start = colon + 1;
  }
  StartupLimits l;
  if (parts.size() == 1) {
    if (!ParseInt(parts[0], 1, kMax, &l.full))
      return "'" + std::string(text) + "' is not START:RATE:FULL or N";
    l.start = l.full;
    l.rate = 100;
  } else if (parts.size() != 3 || !ParseInt(parts[0], 1, kMax, &l.start) ||
             !ParseInt(parts[1], 0, 100, &l.rate) ||
             !ParseInt(parts[2], 1, kMax, &l.full)) {
    return "'" + std::string(text) +
           "' is not START:RATE:FULL (1..65536, a percentage, 1..65536)";
  }
  if (l.start > l.full)
    return "'" + std::string(text) + "': START is above FULL";
  *out = l;
  return "";
}

std::string StartupLimits::ToString() const {
  return std::to_string(start) + ":" + std::to_string(rate) + ":" +
         std::to_string(full);
}

StartupBudget::StartupBudget(StartupLimits limits, uint64_t seed)
    : limits_(limits),
      random_(static_cast<std::minstd_rand::result_type>(seed)) {}

int StartupBudget::from(uint32_t source) const {
  const auto it = per_source_.find(source);
  return it == per_source_.end() ? 0 : it->second;
}

int StartupBudget::Heaviest() const {
  int most = 0;
  for (const auto& [source, n] : per_source_) most = std::max(most, n);
  return most;
}

StartupBudget::Decision StartupBudget::Admit(uint32_t source, uint64_t id) {
  Decision d;
  const int n = in_handshake();
  const int mine = from(source);
  const int heaviest = Heaviest();
  if (n >= limits_.full) {
    if (mine >= heaviest) {
      d.refusal = "handshake budget full: " + std::to_string(n) +
                  " handshakes, " + std::to_string(mine) +
                  " yours (--max_startups)";
      return d;
    }
    // The oldest handshake of an address holding the most goes: a silent
    // flood's are older than any live handshake.
    const auto victim = std::find_if(
        entries_.begin(), entries_.end(),
        [&](const Entry& e) { return from(e.source) == heaviest; });
    d.dropped = victim->id;
    Remove(victim);
  } else if (n >= limits_.start && mine >= heaviest) {
    // Random early drop, only for the addresses holding the most.
    const double span = std::max(1, limits_.full - limits_.start);
    const double percent =
        limits_.rate + (100.0 - limits_.rate) * (n - limits_.start) / span;
    if (std::uniform_real_distribution<double>(0, 100)(random_) < percent) {
      d.refusal = "handshake budget: " + std::to_string(n) + " handshakes, " +
                  std::to_string(mine) +
                  " yours; refused at random (--max_startups)";
      return d;
    }
  }
  entries_.push_back(Entry{source, id});
  by_id_[id] = std::prev(entries_.end());
  ++per_source_[source];
  d.admitted = true;
  return d;
}

void StartupBudget::Release(uint64_t id) {
  const auto it = by_id_.find(id);
  if (it != by_id_.end()) Remove(it->second);
}

void StartupBudget::Remove(std::list<Entry>::iterator it) {
  if (const auto s = per_source_.find(it->source);
      s != per_source_.end() && --s->second == 0)
    per_source_.erase(s);
  by_id_.erase(it->id);
  entries_.erase(it);
}

}  // namespace netbench
