#include "benchmarks/profile_output.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <utility>
#include <vector>

#include "base/sys_error.h"

namespace netbench {
namespace {

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

}  // namespace

std::string FoldedFileName(std::string_view benchmark) {
  std::string name(benchmark);
  std::replace(name.begin(), name.end(), '/', '-');
  return name + ".folded";
}

void WriteFoldedStacks(const std::string& dir, std::string_view benchmark,
                       const FoldedStacks& stacks) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw SysError("mkdir " + dir, ec.value());
  const std::string path = dir + "/" + FoldedFileName(benchmark);
  const std::string temporary = path + ".tmp." + std::to_string(::getpid());
  std::vector<std::pair<std::string_view, uint64_t>> lines(stacks.begin(),
                                                           stacks.end());
  std::sort(lines.begin(), lines.end());
  {
    std::unique_ptr<std::FILE, FileCloser> f(
        std::fopen(temporary.c_str(), "we"));
    if (!f) ThrowErrno("open " + temporary);
    for (const auto& [stack, count] : lines)
      std::fprintf(f.get(), "%.*s %llu\n", static_cast<int>(stack.size()),
                   stack.data(), static_cast<unsigned long long>(count));
    const bool failed = std::fflush(f.get()) != 0 || std::ferror(f.get());
    if (std::fclose(f.release()) != 0 || failed) {
      const int err = errno;
      std::remove(temporary.c_str());
      throw SysError("write " + temporary, err);
    }
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    const int err = errno;
    std::remove(temporary.c_str());
    throw SysError("rename " + temporary, err);
  }
}

}  // namespace netbench
