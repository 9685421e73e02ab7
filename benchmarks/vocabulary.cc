#include "benchmarks/vocabulary.h"

#include <cstdio>

#include "benchmarks/counters.h"
#include "harness/protocol.h"
#include "lib/cpu_categories.h"
#include "lib/mode.h"

namespace netbench {

std::string JsonString(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof(escaped), "\\u%04x", c);
          out += escaped;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string ModesJson() {
  std::string out = "[";
  for (const ModeInfo& m : ModeTable()) {
    if (out.size() > 1) out += ", ";
    out += "{\"name\": " + JsonString(m.name) +
           ", \"mechanism\": " + JsonString(m.mechanism) +
           ", \"notified\": " + (m.notified ? "true" : "false") +
           ", \"transport\": " + JsonString(TransportName(m.transport)) + "}";
  }
  return out + "]";
}

std::string PatternsJson() {
  std::string out = "[";
  for (const PatternInfo& p : PatternTable()) {
    if (out.size() > 1) out += ", ";
    out += "{\"name\": " + JsonString(p.name) +
           ", \"description\": " + JsonString(p.description) +
           ", \"transport\": " + JsonString(TransportName(p.transport)) + "}";
  }
  return out + "]";
}

std::string CountersJson() {
  std::string out = "{";
  for (const CounterInfo& c : CounterTable()) {
    if (out.size() > 1) out += ", ";
    out += JsonString(c.name) + ": {\"label\": " + JsonString(c.label) +
           ", \"better\": " + JsonString(c.better) + "}";
  }
  return out + "}";
}

namespace {

std::string JsonList(std::span<const std::string_view> items) {
  std::string out = "[";
  for (std::string_view item : items) {
    if (out.size() > 1) out += ", ";
    out += JsonString(item);
  }
  return out + "]";
}

}  // namespace

std::string CpuCategoriesJson() {
  std::string out = "[";
  for (const CpuCategory& c : CpuCategoryTable()) {
    if (out.size() > 1) out += ", ";
    out += "{\"name\": " + JsonString(c.name) +
           ", \"label\": " + JsonString(c.label) +
           ", \"kernel\": " + JsonList(c.kernel) +
           ", \"user\": " + JsonList(c.user) + "}";
  }
  return out + "]";
}

std::string CopyPrimitivesJson() { return JsonList(KernelCopyPrimitives()); }

}  // namespace netbench
