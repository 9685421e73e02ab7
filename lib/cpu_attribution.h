#ifndef NET_BENCH_LIB_CPU_ATTRIBUTION_H_
#define NET_BENCH_LIB_CPU_ATTRIBUTION_H_

// Attribution of a profile's samples to the categories of
// lib/cpu_categories.h: a sample goes to the category of the innermost frame
// of its call chain that the table knows; "other" when none is known.
// Functions the table does not name, and the copy primitives, are
// transparent, so that rep_movs_alternative called by _copy_from_iter is a
// copy in, and called by _copy_to_iter a copy out.

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "lib/cpu_categories.h"

namespace netbench {

// What the table says of one function.
struct FrameMark {
  static constexpr int16_t kUnknown = -1;
  int16_t category = kUnknown;  // an index into CpuCategoryTable()
  bool copy_primitive = false;  // transparent, named in the table
  bool known() const { return category != kUnknown; }
};

class CpuAttribution {
 public:
  // Indexes the table once: lookups are a hash of the name and, for names
  // no row spells out, a scan of the prefixes.
  CpuAttribution();

  // The mark of the kernel function (kernel = true) or user-space function
  // `name`. A compiler clone's suffix (".isra.0", ".cold") is cut first.
  FrameMark Mark(std::string_view name, bool kernel) const;

  // The category of a sample whose frames, innermost first, are marked
  // `frames`.
  static size_t Attribute(std::span<const FrameMark> frames);

  // The category of a chain of names, innermost first, each a kernel
  // function until `user_from` (the first user-space frame).
  size_t AttributeNames(std::span<const std::string_view> frames,
                        size_t user_from) const;

  // The category of one folded stack, as lib/cpu_profile.h writes it
  // ("comm;outermost;...;innermost", kernel frames marked "_[k]"), its
  // count left off.
  size_t AttributeFolded(std::string_view stack) const;

 private:
  // Looked up by string_view, without making a string.
  struct NameHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const {
      return std::hash<std::string_view>{}(s);
    }
  };
  struct Space {
    std::unordered_map<std::string, int16_t, NameHash, std::equal_to<>> exact;
    // Longest first.
    std::vector<std::pair<std::string, int16_t>> prefixes;
  };
  Space kernel_;
  Space user_;
};

}  // namespace netbench

#endif  // NET_BENCH_LIB_CPU_ATTRIBUTION_H_
