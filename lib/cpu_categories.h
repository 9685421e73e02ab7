#ifndef NET_BENCH_LIB_CPU_CATEGORIES_H_
#define NET_BENCH_LIB_CPU_CATEGORIES_H_

// Where the CPU goes (DESIGN.md section 7): the categories a profile's
// samples are attributed to, as one table (lib/cpu_categories.cc). Each row
// names the kernel and user-space functions that mark the category; a sample
// goes to the category of the innermost frame of its call chain that the
// table knows (lib/cpu_attribution.h). Functions the table does not name
// (spin locks, allocators, helpers) are transparent: their time goes to the
// known function that called them.
//
// Copy primitives (rep_movs_alternative, the kernel's memcpy) copy for any
// caller, in both directions: they are named in a table of their own and are
// transparent too, so that a copy is attributed to the innermost known frame
// above it: _copy_from_iter (copy in), _copy_to_iter (copy out),
// skb_copy_ubufs (the fallback copy).
//
// The counters (benchmarks/profile_counters.cc), the JSON context and the
// report take the names and labels from here. Adding a category: one row,
// and kNumCpuCategories.

#include <cstddef>
#include <span>
#include <string_view>

namespace netbench {

struct CpuCategory {
  // As in the counters: profile_<name>_share.
  std::string_view name;
  // What the report says: "copying into the kernel on send".
  std::string_view label;
  // The functions that mark it. A name matches a function whose name is the
  // same once a compiler clone's suffix is cut (".isra.0", ".cold",
  // ".part.0"); a name ending in '*' is a prefix, and the longest prefix
  // that matches wins, after the exact names.
  std::span<const std::string_view> kernel;
  std::span<const std::string_view> user;  // demangled C++ names
};

inline constexpr size_t kNumCpuCategories = 14;

// Every category, "other" last.
std::span<const CpuCategory> CpuCategoryTable();
// The index of "other" (nothing in the chain is known) and of "idle".
size_t OtherCpuCategory();
size_t IdleCpuCategory();
// The index of a category by name; kNumCpuCategories when there is none.
size_t FindCpuCategory(std::string_view name);

// The kernel's copy primitives: transparent, named so that the rule is
// written down (and tested), and so that a sample in one is never taken
// for an unknown function.
std::span<const std::string_view> KernelCopyPrimitives();

}  // namespace netbench

#endif  // NET_BENCH_LIB_CPU_CATEGORIES_H_
