#include "benchmarks/iperf3_window.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

namespace netbench {
namespace {

// iperf3's bounds on -i (src/iperf.h, MIN_INTERVAL and MAX_INTERVAL).
constexpr double kMinInterval = 0.1;
constexpr double kMaxInterval = 60.0;

double Seconds(std::chrono::nanoseconds d) {
  return std::chrono::duration<double>(d).count();
}

}  // namespace

Iperf3Plan PlanIperf3(std::chrono::nanoseconds warmup,
                      std::chrono::nanoseconds window) {
  const double w = std::max(Seconds(window), kMinInterval);
  Iperf3Plan plan;
  plan.count = static_cast<int>(std::ceil(w / kMaxInterval));
  plan.interval_s = std::max(w / plan.count, kMinInterval);
  // Rounding must not move the window into the warm-up.
  plan.first =
      static_cast<int>(std::ceil(Seconds(warmup) / plan.interval_s - 1e-9));
  // One interval more, so that the window's last one is whole (the run's
  // last interval is cut where the client stops).
  plan.duration_s = static_cast<int>(
      std::ceil((plan.first + plan.count + 1) * plan.interval_s));
  return plan;
}

Iperf3Window ReceiverWindow(std::string_view client_json,
                            const Iperf3Plan& plan) {
  const nlohmann::json j =
      nlohmann::json::parse(client_json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) throw std::runtime_error("iperf3 wrote no JSON");
  try {
    if (j.contains("error"))
      throw std::runtime_error("iperf3: " + j["error"].get<std::string>());
    const auto server = j.find("server_output_json");
    if (server == j.end() || !server->contains("intervals"))
      throw std::runtime_error(
          "iperf3 gave no server output (-J --get-server-output)");
    const nlohmann::json& intervals = server->at("intervals");
    const size_t need = static_cast<size_t>(plan.first + plan.count);
    if (intervals.size() < need)
      throw std::runtime_error(
          "iperf3's receiver reported " + std::to_string(intervals.size()) +
          " intervals; the window needs " + std::to_string(need));
    Iperf3Window window;
    for (size_t i = static_cast<size_t>(plan.first); i < need; ++i) {
      const nlohmann::json& sum = intervals.at(i).at("sum");
      window.bytes += sum.at("bytes").get<uint64_t>();
      window.seconds += sum.at("seconds").get<double>();
    }
    return window;
  } catch (const nlohmann::json::exception& e) {
    // A field missing or of another type: not the JSON iperf3 3.x writes.
    throw std::runtime_error(std::string("iperf3's JSON: ") + e.what());
  }
}

}  // namespace netbench
