#include "lib/payload.h"

#include <cstring>

namespace netbench {

std::string_view PayloadName(Payload payload) {
  return payload == Payload::kWritten ? "written" : "unwritten";
}

std::optional<Payload> ParsePayload(std::string_view name) {
  if (name == "written") return Payload::kWritten;
  if (name == "unwritten") return Payload::kUnwritten;
  return std::nullopt;
}

void WritePayload(Message& message, uint64_t seq) {
  // An odd multiplier spreads seq over every byte of the word.
  const uint64_t base = seq * 0x9e3779b97f4a7c15ULL;
  for (int f = 0; f < kFields; ++f) {
    const std::span<std::byte> field = message.field(f);
    std::byte* out = field.data();
    const size_t words = field.size() / 8;
    for (size_t i = 0; i < words; ++i) {
      const uint64_t w = base + i;
      std::memcpy(out + 8 * i, &w, 8);  // fields need not be 8-byte aligned
    }
    const uint64_t tail = base + words;
    std::memcpy(out + 8 * words, &tail, field.size() % 8);
  }
}

}  // namespace netbench
