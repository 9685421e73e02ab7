#include "benchmarks/profile_counters.h"

#include <array>
#include <deque>
#include <string>
#include <utility>

namespace netbench {
namespace {

using Value = std::optional<double>;

const CategoryTotals* Totals(const RunTotals& t, SampledEvent event) {
  if (!t.run.profile) return nullptr;
  const auto& totals = t.run.profile->totals[static_cast<size_t>(event)];
  return totals ? &*totals : nullptr;
}

// The bytes moved meanwhile: the rate over the profile's window.
double BytesInWindow(const RunTotals& t) {
  return t.rx.bytes_per_ns * static_cast<double>(t.run.profile->window_ns);
}

Value Share(const RunTotals& t, size_t category) {
  const CategoryTotals* c = Totals(t, SampledEvent::kCpuClock);
  if (!c || c->total <= 0) return std::nullopt;
  return c->by_category[category] / c->total;
}

Value PerByte(const RunTotals& t, SampledEvent event, size_t category,
              double scale) {
  const CategoryTotals* c = Totals(t, event);
  if (!c) return std::nullopt;
  const double bytes = BytesInWindow(t);
  if (bytes <= 0) return std::nullopt;
  return c->by_category[category] * scale / bytes;
}

template <size_t C>
Value ShareRow(const RunTotals& t) {
  return Share(t, C);
}
template <size_t C>
Value NsPerByteRow(const RunTotals& t) {
  return PerByte(t, SampledEvent::kCpuClock, C, 1.0);
}
template <size_t C>
Value CyclesPerByteRow(const RunTotals& t) {
  return PerByte(t, SampledEvent::kCycles, C, 1.0);
}
template <size_t C>
Value LlcPerKbRow(const RunTotals& t) {
  return PerByte(t, SampledEvent::kLlcMisses, C, 1024.0);
}

using Compute = Value (*)(const RunTotals&);
struct Family {
  const char* suffix;  // profile_<category>_<suffix>
  const char* unit;    // "(share of sampled CPU time)"
  const char* better;
  std::array<Compute, kNumCpuCategories> compute;
};

template <size_t... C>
std::array<Family, 4> Families(std::index_sequence<C...>) {
  return {{
      {"share", "share of sampled CPU time", "", {&ShareRow<C>...}},
      {"ns_per_byte", "sampled CPU ns/byte", "lower", {&NsPerByteRow<C>...}},
      {"cycles_per_byte",
       "sampled cycles/byte",
       "lower",
       {&CyclesPerByteRow<C>...}},
      {"llc_misses_per_kb",
       "sampled LLC misses/KiB",
       "lower",
       {&LlcPerKbRow<C>...}},
  }};
}

const CpuProfile* Profile(const RunTotals& t) { return t.run.profile; }

}  // namespace

std::vector<CounterInfo> ProfileCounterRows() {
  // Names and labels made once, kept for the process's life (CounterInfo
  // holds views).
  static std::deque<std::string>* text = new std::deque<std::string>();
  const auto keep = [](std::string s) -> std::string_view {
    return text->emplace_back(std::move(s));
  };
  std::vector<CounterInfo> rows;
  const auto families = Families(std::make_index_sequence<kNumCpuCategories>());
  for (const Family& f : families) {
    for (size_t c = 0; c < kNumCpuCategories; ++c) {
      const CpuCategory& category = CpuCategoryTable()[c];
      rows.push_back(
          {keep("profile_" + std::string(category.name) + "_" + f.suffix),
           keep(std::string(category.label) + " (" + f.unit + ")"), f.better,
           f.compute[c]});
    }
  }
  rows.push_back({"profile_samples", "profile: cpu-clock samples kept", "",
                  [](const RunTotals& t) -> Value {
                    const CpuProfile* p = Profile(t);
                    if (!p) return std::nullopt;
                    return static_cast<double>(p->samples);
                  }});
  rows.push_back({"profile_kernel_named_share",
                  "profile: busy kernel samples in a named category (share)",
                  "higher", [](const RunTotals& t) -> Value {
                    const CpuProfile* p = Profile(t);
                    if (!p || p->kernel_busy_samples == 0) return std::nullopt;
                    return static_cast<double>(p->kernel_named_samples) /
                           static_cast<double>(p->kernel_busy_samples);
                  }});
  rows.push_back({"profile_left_out_share",
                  "profile: samples of other processes, left out (share)",
                  "lower", [](const RunTotals& t) -> Value {
                    const CpuProfile* p = Profile(t);
                    if (!p) return std::nullopt;
                    const double all =
                        static_cast<double>(p->samples + p->left_out_samples);
                    if (all <= 0) return std::nullopt;
                    return static_cast<double>(p->left_out_samples) / all;
                  }});
  rows.push_back({"profile_lost_samples", "profile: samples lost (rings full)",
                  "lower", [](const RunTotals& t) -> Value {
                    const CpuProfile* p = Profile(t);
                    if (!p) return std::nullopt;
                    return static_cast<double>(p->losses.lost);
                  }});
  return rows;
}

}  // namespace netbench
