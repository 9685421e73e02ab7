#include "base/printable.h"

#include <cstdint>
#include <cstdio>

namespace netbench {
namespace {

void AppendEscaped(std::string& out, const char* format, unsigned value) {
  char text[8];
  std::snprintf(text, sizeof(text), format, value);
  out += text;
}

// The length of the valid UTF-8 sequence at the start of `s` and its code
// point, or 0 when `s` does not start with one (RFC 3629, section 4).
size_t DecodeOne(std::string_view s, uint32_t* code_point) {
  const auto byte = [&](size_t i) { return static_cast<uint8_t>(s[i]); };
  const uint8_t lead = byte(0);
  size_t n = 0;
  uint32_t cp = 0, min = 0;
  if (lead < 0x80) {
    *code_point = lead;
    return 1;
  } else if (lead >= 0xC2 && lead <= 0xDF) {
    n = 2, cp = lead & 0x1Fu, min = 0x80;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    n = 3, cp = lead & 0x0Fu, min = 0x800;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    n = 4, cp = lead & 0x07u, min = 0x10000;
  } else {
    return 0;  // a continuation byte, or a lead byte no valid text has
  }
  if (s.size() < n) return 0;
  for (size_t i = 1; i < n; ++i) {
    if ((byte(i) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i) & 0x3Fu);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  *code_point = cp;
  return n;
}

// Code points that are valid but not to be shown as they are.
bool Unprintable(uint32_t cp) {
  return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x061C ||
         cp == 0x200E || cp == 0x200F || cp == 0x2028 || cp == 0x2029 ||
         (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

}  // namespace

std::string Printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  while (!text.empty()) {
    uint32_t cp = 0;
    const size_t n = DecodeOne(text, &cp);
    if (n == 0) {
      AppendEscaped(out, "\\x%02X", static_cast<uint8_t>(text[0]));
      text.remove_prefix(1);
      continue;
    }
    if (!Unprintable(cp)) {
      out.append(text.substr(0, n));
    } else if (cp < 0x80) {
      AppendEscaped(out, "\\x%02X", cp);
    } else {
      AppendEscaped(out, "\\u%04X", cp);
    }
    text.remove_prefix(n);
  }
  return out;
}

}  // namespace netbench
