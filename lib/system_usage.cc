#include "lib/system_usage.h"

#include <fstream>
#include <string>

#include "lib/placement.h"
#include "lib/thread_meter.h"

namespace netbench {

std::optional<std::chrono::nanoseconds> CpuIdleTime(int cpu) {
  const std::string dir =
      "/sys/devices/system/cpu/cpu" + std::to_string(cpu) + "/cpuidle/state";
  uint64_t total_us = 0;
  int states = 0;
  for (;; ++states) {
    std::ifstream in(dir + std::to_string(states) + "/time");
    uint64_t us = 0;
    if (!(in >> us)) break;
    total_us += us;
  }
  if (states == 0) return std::nullopt;
  return std::chrono::microseconds(total_us);
}

SystemSample SampleSystem(const std::vector<int>& cpus) {
  SystemSample s;
  std::chrono::nanoseconds idle{0};
  bool known = !cpus.empty();
  for (int cpu : cpus) {
    std::optional<std::chrono::nanoseconds> t;
    try {
      ScopedAffinity on(cpu);
      t = CpuIdleTime(cpu);
    } catch (const std::exception&) {
      // Not allowed on that CPU: its idle time is not known exactly.
    }
    if (!t) known = false;
    if (t) idle += *t;
  }
  if (known) s.idle = idle;
  s.ticks = ReadSystemCpuTimes(cpus);
  s.at_ns = SteadyNowNs();
  return s;
}

SystemUsage UsageBetween(const SystemSample& start, const SystemSample& end,
                         int cpus) {
  SystemUsage u;
  u.cpus = cpus;
  u.wall = std::chrono::nanoseconds(end.at_ns - start.at_ns);
  u.ticks = {.busy = end.ticks.busy - start.ticks.busy,
             .softirq = end.ticks.softirq - start.ticks.softirq,
             .steal = end.ticks.steal - start.ticks.steal,
             .total = end.ticks.total - start.ticks.total};
  u.ticks_precise = u.wall >= 100 * ProcStatTick();
  if (start.idle && end.idle) {
    const auto busy = u.wall * cpus - (*end.idle - *start.idle) - u.ticks.steal;
    u.busy = std::max(busy, std::chrono::nanoseconds(0));
  }
  return u;
}

}  // namespace netbench
