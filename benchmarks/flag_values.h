#ifndef NET_BENCH_BENCHMARKS_FLAG_VALUES_H_
#define NET_BENCH_BENCHMARKS_FLAG_VALUES_H_

// The values of the project's flags, parsed: each function throws FlagError
// with one line naming the flag and what is wrong with the value.

#include <charconv>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "benchmarks/config.h"

namespace netbench {

// "a,b,c" -> {"a", "b", "c"}; an empty item is an error.
std::vector<std::string> SplitList(const std::string& flag,
                                   const std::string& value);

// An integer in lo..hi.
template <typename T>
T ParseInteger(const std::string& flag, std::string_view text, T lo, T hi) {
  T v{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  const bool too_big = ec == std::errc::result_out_of_range;
  if ((ec != std::errc() && !too_big) || end != text.data() + text.size() ||
      text.empty())
    throw FlagError("--" + flag + ": '" + std::string(text) +
                    "' is not a number");
  if (too_big || v < lo || v > hi)
    throw FlagError("--" + flag + ": " + std::string(text) +
                    " is out of range " + std::to_string(lo) + ".." +
                    std::to_string(hi));
  return v;
}

// "" (the flag alone), true/1/yes, false/0/no.
bool ParseBool(const std::string& flag, const std::string& value);

// "1G", "512M", "65536K", "1073741824": bytes, min..max.
size_t ParseBytes(const std::string& flag, const std::string& text, size_t min,
                  size_t max);
// 1073741824 -> "1G", 4096 -> "4K", 1000 -> "1000".
std::string BytesText(size_t bytes);

// "100ms", "0.5s", "250us": a duration in min..max.
std::chrono::nanoseconds ParseDuration(const std::string& flag,
                                       const std::string& text,
                                       std::chrono::nanoseconds min,
                                       std::chrono::nanoseconds max);

// "HOST[:PORT]", the host resolved now so that a name that does not resolve
// is bad input (the server and the client resolve it again where they use
// it). *port keeps its value when the text has none.
void ParseHostPort(const std::string& flag, const std::string& text,
                   std::string* host, uint16_t* port);

// "2G", "500M", "100K", "1500000": bits per second (decimal suffixes, as
// iperf3's -b), 0 or min..max.
uint64_t ParseRate(const std::string& flag, const std::string& text,
                   uint64_t min, uint64_t max);
// 2000000000 -> "2G".
std::string RateText(uint64_t bits_per_second);

// A --sizes item: "64K" -> 65536; "1M" -> 1048576; "1000" -> 1000.
size_t ParseSize(const std::string& text);

}  // namespace netbench

#endif  // NET_BENCH_BENCHMARKS_FLAG_VALUES_H_
