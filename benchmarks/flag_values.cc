#include "benchmarks/flag_values.h"

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

size_t ParseBytes(const std::string& flag, const std::string& text) {
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
  constexpr size_t kMin = size_t{1} << 20, kMax = size_t{1} << 40;
  const size_t n = ParseInteger<size_t>(flag, digits, 0, kMax);
  if (n > kMax / unit || n * unit < kMin)
    throw FlagError("--" + flag + ": " + text + " is out of range 1M..1024G");
  return n * unit;
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
