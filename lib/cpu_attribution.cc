#include "lib/cpu_attribution.h"

#include <algorithm>

namespace netbench {
namespace {

constexpr int16_t kCopyPrimitive = -2;

// GCC's clones keep the function's name and add a suffix: foo.isra.0,
// foo.cold, foo.part.0, foo.constprop.0, foo.llvm.123.
std::string_view WithoutCloneSuffix(std::string_view name) {
  const size_t dot = name.find('.');
  return dot == std::string_view::npos || dot == 0 ? name : name.substr(0, dot);
}

}  // namespace

CpuAttribution::CpuAttribution() {
  const std::span<const CpuCategory> table = CpuCategoryTable();
  for (size_t c = 0; c < table.size(); ++c) {
    const auto add = [c](Space& space, std::string_view name) {
      const int16_t category = static_cast<int16_t>(c);
      if (!name.empty() && name.back() == '*') {
        space.prefixes.emplace_back(name.substr(0, name.size() - 1), category);
      } else {
        space.exact.emplace(std::string(name), category);
      }
    };
    for (std::string_view name : table[c].kernel) add(kernel_, name);
    for (std::string_view name : table[c].user) add(user_, name);
  }
  for (std::string_view name : KernelCopyPrimitives())
    kernel_.exact[std::string(name)] = kCopyPrimitive;
  for (Space* space : {&kernel_, &user_})
    std::stable_sort(space->prefixes.begin(), space->prefixes.end(),
                     [](const auto& a, const auto& b) {
                       return a.first.size() > b.first.size();
                     });
}

FrameMark CpuAttribution::Mark(std::string_view name, bool kernel) const {
  const Space& space = kernel ? kernel_ : user_;
  const std::string_view base = kernel ? WithoutCloneSuffix(name) : name;
  FrameMark mark;
  if (auto it = space.exact.find(base); it != space.exact.end()) {
    if (it->second == kCopyPrimitive) {
      mark.copy_primitive = true;
    } else {
      mark.category = it->second;
    }
    return mark;
  }
  for (const auto& [prefix, category] : space.prefixes) {
    if (base.substr(0, prefix.size()) == prefix) {
      mark.category = category;
      break;
    }
  }
  return mark;
}

size_t CpuAttribution::Attribute(std::span<const FrameMark> frames) {
  for (const FrameMark& f : frames)
    if (f.known()) return static_cast<size_t>(f.category);
  return OtherCpuCategory();
}

size_t CpuAttribution::AttributeNames(std::span<const std::string_view> frames,
                                      size_t user_from) const {
  std::vector<FrameMark> marks;
  marks.reserve(frames.size());
  for (size_t i = 0; i < frames.size(); ++i)
    marks.push_back(Mark(frames[i], i < user_from));
  return Attribute(marks);
}

size_t CpuAttribution::AttributeFolded(std::string_view stack) const {
  constexpr std::string_view kKernel = "_[k]";
  std::vector<FrameMark> marks;
  // Innermost first: from the end, up to the comm.
  while (true) {
    const size_t semicolon = stack.rfind(';');
    if (semicolon == std::string_view::npos) break;
    std::string_view frame = stack.substr(semicolon + 1);
    stack = stack.substr(0, semicolon);
    const bool kernel = frame.size() > kKernel.size() &&
                        frame.substr(frame.size() - kKernel.size()) == kKernel;
    if (kernel) frame.remove_suffix(kKernel.size());
    marks.push_back(Mark(frame, kernel));
  }
  return Attribute(marks);
}

}  // namespace netbench
