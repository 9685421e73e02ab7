#include "benchmarks/flag_values.h"

#include <cmath>
#include <cstdlib>
#include <utility>

#include "base/resolve.h"
#include "base/sys_error.h"
#include "harness/protocol.h"

namespace netbench {

std::vector<std::string> SplitList(const std::string& flag,
                                   const std::string& value) {
  std::vector<std::string> items;
  size_t start = 0;
  while (true) {
    const size_t comma = value.find(',', start);
    std::string item = value.substr(start, comma - start);
    if (item.empty())
      throw FlagError("--" + flag + ": empty item in '" + value + "'");
    items.push_back(std::move(item));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return items;
}

bool ParseBool(const std::string& flag, const std::string& value) {
  if (value == "" || value == "true" || value == "1" || value == "yes")
    return true;
  if (value == "false" || value == "0" || value == "no") return false;
  throw FlagError("--" + flag + ": '" + value + "' is not true/false");
}

size_t ParseBytes(const std::string& flag, const std::string& text, size_t min,
                  size_t max) {
  std::string_view digits = text;
  size_t unit = 1;
  if (!digits.empty()) {
    switch (digits.back()) {
      case 'K':
      case 'k':
        unit = size_t{1} << 10;
        break;
      case 'M':
      case 'm':
        unit = size_t{1} << 20;
        break;
      case 'G':
      case 'g':
        unit = size_t{1} << 30;
        break;
      default:
        break;
    }
    if (unit != 1) digits.remove_suffix(1);
  }
  const size_t n = ParseInteger<size_t>(flag, digits, 0, max);
  if (n > max / unit || n * unit < min)
    throw FlagError("--" + flag + ": " + text + " is out of range " +
                    BytesText(min) + ".." + BytesText(max));
  return n * unit;
}

std::string BytesText(size_t bytes) {
  if (bytes % (size_t{1} << 30) == 0) return std::to_string(bytes >> 30) + "G";
  if (bytes % (size_t{1} << 20) == 0) return std::to_string(bytes >> 20) + "M";
  if (bytes % (size_t{1} << 10) == 0) return std::to_string(bytes >> 10) + "K";
  return std::to_string(bytes);
}

std::chrono::nanoseconds ParseDuration(const std::string& flag,
                                       const std::string& text,
                                       std::chrono::nanoseconds min,
                                       std::chrono::nanoseconds max) {
  static constexpr std::pair<std::string_view, double> kUnits[] = {
      {"ns", 1}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9}};
  for (const auto& [suffix, scale] : kUnits) {
    if (text.size() <= suffix.size() ||
        text.compare(text.size() - suffix.size(), suffix.size(), suffix) != 0)
      continue;
    const std::string number = text.substr(0, text.size() - suffix.size());
    char* end = nullptr;
    const double v = std::strtod(number.c_str(), &end);
    // "1ms" also ends in "s": a number that does not parse tries the next.
    if (*end != '\0' || number.empty() || !std::isfinite(v)) continue;
    const auto ns = std::chrono::nanoseconds(std::llround(v * scale));
    if (v < 0 || ns < min || ns > max)
      throw FlagError(
          "--" + flag + ": " + text + " is out of range " +
          std::to_string(
              std::chrono::duration_cast<std::chrono::milliseconds>(min)
                  .count()) +
          "ms.." +
          std::to_string(
              std::chrono::duration_cast<std::chrono::seconds>(max).count()) +
          "s");
    return ns;
  }
  throw FlagError("--" + flag + ": '" + text +
                  "' is not a duration (a number with ns, us, ms or s, e.g. "
                  "100ms)");
}

void ParseHostPort(const std::string& flag, const std::string& text,
                   std::string* host, uint16_t* port) {
  const size_t colon = text.rfind(':');
  *host = text.substr(0, colon);
  if (colon != std::string::npos)
    *port = ParseInteger<uint16_t>(
        flag, std::string_view(text).substr(colon + 1), 1, 65535);
  if (host->empty())
    throw FlagError("--" + flag + ": missing host in '" + text + "'");
  // A name that does not resolve is bad input, found before anything is
  // built; the server and the client resolve it again, the same way, where
  // they use it.
  try {
    ResolveIpv4(*host, *port);
  } catch (const SysError& e) {
    throw FlagError("--" + flag + ": " + e.what());
  }
}

size_t ParseSize(const std::string& text) {
  std::string_view digits = text;
  size_t unit = 1;
  if (!digits.empty()) {
    switch (digits.back()) {
      case 'K':
      case 'k':
        unit = size_t{1} << 10;
        break;
      case 'M':
      case 'm':
        unit = size_t{1} << 20;
        break;
      default:
        break;
    }
    if (unit != 1) digits.remove_suffix(1);
  }
  // The messages quote the whole item: "1KK" is what the user wrote, not
  // the "1K" left once the suffix is taken off.
  size_t n = 0;
  auto [end, ec] =
      std::from_chars(digits.data(), digits.data() + digits.size(), n);
  const bool too_big = ec == std::errc::result_out_of_range;
  if (digits.empty() || end != digits.data() + digits.size() ||
      (ec != std::errc() && !too_big))
    throw FlagError("--sizes: '" + text +
                    "' is not a number (digits with an optional K or M "
                    "suffix, e.g. 64K)");
  if (too_big || n > kMaxMessageSize / unit || n * unit < kMinMessageSize ||
      n * unit > kMaxMessageSize)
    throw FlagError("--sizes: " + text + " is out of range " +
                    std::to_string(kMinMessageSize) + ".." +
                    std::to_string(kMaxMessageSize) + " bytes");
  return n * unit;
}

}  // namespace netbench

namespace netbench {

uint64_t ParseRate(const std::string& flag, const std::string& text,
                   uint64_t min, uint64_t max) {
  std::string digits = text;
  uint64_t unit = 1;
  if (!digits.empty()) {
    switch (digits.back()) {
      case 'K':
      case 'k':
        unit = 1000;
        break;
      case 'M':
      case 'm':
        unit = 1000 * 1000;
        break;
      case 'G':
      case 'g':
        unit = 1000 * 1000 * 1000;
        break;
      default:
        break;
    }
    if (unit != 1) digits.pop_back();
  }
  const uint64_t n = ParseInteger<uint64_t>(flag, digits, 0, max);
  if (n > max / unit || (n != 0 && n * unit < min))
    throw FlagError("--" + flag + ": " + text + " is out of range 0 or " +
                    RateText(min) + ".." + RateText(max) + " bits/s");
  return n * unit;
}

std::string RateText(uint64_t bits_per_second) {
  constexpr uint64_t kUnits[] = {1000000000, 1000000, 1000};
  constexpr const char* kSuffix[] = {"G", "M", "K"};
  for (int i = 0; i < 3; ++i)
    if (bits_per_second >= kUnits[i] && bits_per_second % kUnits[i] == 0)
      return std::to_string(bits_per_second / kUnits[i]) + kSuffix[i];
  return std::to_string(bits_per_second);
}

}  // namespace netbench
