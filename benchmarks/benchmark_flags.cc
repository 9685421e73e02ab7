#include "benchmarks/benchmark_flags.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <optional>
#include <string_view>

#include "base/printable.h"
#include "benchmarks/config.h"

namespace netbench {
namespace {

// Google Benchmark reserves memory for every repetition before the first
// one runs: -1 aborts, and a few million exhaust memory instead of running.
constexpr long kMaxRepetitions = 10000;

enum class Kind {
  kBool,         // --name alone means true
  kRepetitions,  // 1..kMaxRepetitions
  kSeconds,      // a plain number of seconds >= 0 (1.7.1 takes no unit)
  kInt32,
  kFormat,  // console, json, csv
  kColor,   // auto or a boolean
  kTimeUnit,
  kKeyValues,  // KEY=VALUE[,KEY=VALUE...]
  kOutFile,
  kAny,
};

struct GbFlag {
  const char* name;
  Kind kind;
};

// Google Benchmark 1.7.1's flags (src/benchmark.cc, ParseCommandLineFlags).
constexpr GbFlag kGbFlags[] = {
    {"benchmark_list_tests", Kind::kBool},
    {"benchmark_filter", Kind::kAny},
    {"benchmark_min_time", Kind::kSeconds},
    {"benchmark_min_warmup_time", Kind::kSeconds},
    {"benchmark_repetitions", Kind::kRepetitions},
    {"benchmark_enable_random_interleaving", Kind::kBool},
    {"benchmark_report_aggregates_only", Kind::kBool},
    {"benchmark_display_aggregates_only", Kind::kBool},
    {"benchmark_format", Kind::kFormat},
    {"benchmark_out", Kind::kOutFile},
    {"benchmark_out_format", Kind::kFormat},
    {"benchmark_color", Kind::kColor},
    {"benchmark_counters_tabular", Kind::kBool},
    // Inert in Debian's build (no libpfm): it says so once and runs on.
    {"benchmark_perf_counters", Kind::kAny},
    {"benchmark_context", Kind::kKeyValues},
    {"benchmark_time_unit", Kind::kTimeUnit},
    {"v", Kind::kInt32},
};

std::string Lower(std::string_view text) {
  std::string s(text);
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) {
    return static_cast<char>(std::tolower(c));
  });
  return s;
}

// The words Google Benchmark reads as a boolean. It reads any other word as
// true, so a typo would pass unnoticed.
std::optional<bool> ParseBoolWord(std::string_view text) {
  const std::string s = Lower(text);
  if (s.empty() || s == "true" || s == "yes" || s == "on" || s == "1" ||
      s == "t" || s == "y")
    return true;
  if (s == "false" || s == "no" || s == "off" || s == "0" || s == "f" ||
      s == "n")
    return false;
  return std::nullopt;
}

void CheckInteger(const std::string& what, const std::string& value, long lo,
                  long hi) {
  long v = 0;
  const char* end = value.data() + value.size();
  auto [p, ec] = std::from_chars(value.data(), end, v);
  if (value.empty() || p != end ||
      (ec != std::errc() && ec != std::errc::result_out_of_range))
    throw FlagError(what + ": '" + value + "' is not a number");
  if (ec == std::errc::result_out_of_range || v < lo || v > hi)
    throw FlagError(what + ": " + value + " is out of range " +
                    std::to_string(lo) + ".." + std::to_string(hi));
}

void CheckSeconds(const std::string& what, const std::string& value) {
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(value.c_str(), &end);
  if (value.empty() || *end != '\0' || !std::isfinite(v))
    throw FlagError(what + ": '" + value +
                    "' is not a number of seconds (Google Benchmark 1.7.1 "
                    "takes a plain number, e.g. 0.5, without a unit)");
  if (v < 0)
    throw FlagError(what + ": " + value + " is negative: 0 seconds or more");
}

// KEY=VALUE[,KEY=VALUE...] as Google Benchmark splits it.
std::vector<std::pair<std::string, std::string>> SplitKeyValues(
    const std::string& what, const std::string& value) {
  std::vector<std::pair<std::string, std::string>> pairs;
  size_t start = 0;
  while (true) {
    const size_t comma = value.find(',', start);
    const std::string_view pair =
        std::string_view(value).substr(start, comma - start);
    const size_t eq = pair.find('=');
    if (eq == 0 || eq == std::string_view::npos ||
        pair.find('=', eq + 1) != std::string_view::npos)
      throw FlagError(what + ": '" + value +
                      "' is not KEY=VALUE[,KEY=VALUE...]");
    pairs.emplace_back(pair.substr(0, eq), pair.substr(eq + 1));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return pairs;
}

// net_bench writes the file at the end, through a temporary file in its
// directory (base/output_file.h): find out now, without creating anything,
// whether it can.
void CheckWritable(const std::string& what, const std::string& path) {
  if (path.empty()) return;
  const auto refuse = [&](const std::string& why) {
    throw FlagError(what + ": cannot write '" + path + "': " + why);
  };
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) refuse("it is a directory");
    // A device or a FIFO is written in place.
    if (!S_ISREG(st.st_mode)) {
      if (::access(path.c_str(), W_OK) != 0) refuse(std::strerror(errno));
      return;
    }
  }
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "."
                          : slash == 0               ? "/"
                                                     : path.substr(0, slash);
  if (::access(dir.c_str(), W_OK | X_OK) != 0) refuse(std::strerror(errno));
}

void CheckValue(const std::string& what, Kind kind, const std::string& value) {
  const auto one_of = [&](std::initializer_list<const char*> words,
                          const char* list) {
    for (const char* w : words)
      if (value == w) return;
    throw FlagError(what + ": '" + value + "' is not " + list);
  };
  switch (kind) {
    case Kind::kBool:
      if (!ParseBoolWord(value))
        throw FlagError(what + ": '" + value + "' is not true/false");
      break;
    case Kind::kRepetitions:
      CheckInteger(what, value, 1, kMaxRepetitions);
      break;
    case Kind::kSeconds:
      CheckSeconds(what, value);
      break;
    case Kind::kInt32:
      CheckInteger(what, value, INT32_MIN, INT32_MAX);
      break;
    case Kind::kFormat:
      one_of({"console", "json", "csv"}, "console, json or csv");
      break;
    case Kind::kColor:
      if (value != "auto" && (value.empty() || !ParseBoolWord(value)))
        throw FlagError(what + ": '" + value + "' is not auto, true or false");
      break;
    case Kind::kTimeUnit:
      one_of({"ns", "us", "ms", "s"}, "ns, us, ms or s");
      break;
    case Kind::kKeyValues:
      SplitKeyValues(what, value);
      break;
    case Kind::kOutFile:
      CheckWritable(what, value);
      break;
    case Kind::kAny:
      break;
  }
}

// BENCHMARK_REPETITIONS for benchmark_repetitions, as Google Benchmark
// names the variable it reads.
std::string EnvName(const char* flag) {
  std::string name(flag);
  for (char& c : name)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return name;
}

void Record(BenchmarkFlags& flags, std::string_view name,
            const std::string& value) {
  if (name == "benchmark_filter") flags.filter = value;
  if (name == "benchmark_out") flags.out = value;
  if (name == "benchmark_out_format") flags.out_format = value;
  if (name == "benchmark_display_aggregates_only")
    flags.display_aggregates_only = *ParseBoolWord(value);
  if (name == "benchmark_list_tests") flags.list_tests = *ParseBoolWord(value);
  if (name == "benchmark_min_time")
    flags.min_time = std::strtod(value.c_str(), nullptr);
  if (name == "benchmark_repetitions")
    flags.repetitions = std::atoi(value.c_str());
  if (name == "benchmark_enable_random_interleaving")
    flags.random_interleaving = *ParseBoolWord(value);
}

// The flags net_bench acts on in Google Benchmark's place.
bool TakenFromGoogleBenchmark(std::string_view name) {
  return name == "benchmark_out" || name == "benchmark_out_format" ||
         name == "benchmark_display_aggregates_only" ||
         name == "benchmark_context";
}

// "benchmark_out" of "--benchmark_out=x"; "" when `arg` is not a flag.
std::string_view FlagName(std::string_view arg) {
  if (arg.rfind("--", 0) != 0) return {};
  return arg.substr(2, arg.find('=') - 2);
}

const GbFlag* FindFlag(std::string_view name) {
  for (const GbFlag& f : kGbFlags)
    if (name == f.name) return &f;
  return nullptr;
}

}  // namespace

BenchmarkFlags ValidateBenchmarkFlags(int argc, char** argv) {
  BenchmarkFlags flags;
  // Google Benchmark's defaults come from its environment variables.
  for (const GbFlag& f : kGbFlags) {
    // "V" is too common a name to be taken as meant for Google Benchmark,
    // which only complains about a bad one and keeps its default.
    if (std::string_view(f.name) == "v") continue;
    const std::string env = EnvName(f.name);
    if (const char* value = std::getenv(env.c_str())) {
      CheckValue(env + " (environment)", f.kind, value);
      // Google Benchmark read this one as it loaded and adds it to the
      // context itself, as it is: what it cannot print is refused here.
      if (f.kind == Kind::kKeyValues && Printable(value) != value)
        throw FlagError(env + " (environment): '" + value +
                        "' holds characters that cannot be printed "
                        "(--benchmark_context makes them printable)");
      Record(flags, f.name, value);
    }
  }
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const size_t eq = arg.find('=');
    const std::string_view name =
        arg.rfind("--", 0) == 0 ? arg.substr(2, eq - 2) : std::string_view();
    const GbFlag* f = FindFlag(name);
    if (!f)
      throw FlagError("unrecognized command-line flag: " + std::string(arg) +
                      " (net_bench --help lists them)");
    const std::string what = "--" + std::string(name);
    if (eq == std::string_view::npos && f->kind != Kind::kBool)
      throw FlagError(what + " needs a value (" + what + "=...)");
    const std::string value =
        eq == std::string_view::npos ? "" : std::string(arg.substr(eq + 1));
    CheckValue(what, f->kind, value);
    Record(flags, name, value);
    if (name == "benchmark_context")
      for (auto& pair : SplitKeyValues(what, value))
        flags.context.push_back(std::move(pair));
  }
  return flags;
}

std::vector<std::string> GoogleBenchmarkArguments(int argc, char** argv) {
  std::vector<std::string> args;
  args.push_back(Printable(argc > 0 ? argv[0] : "net_bench"));
  for (int i = 1; i < argc; ++i)
    if (!TakenFromGoogleBenchmark(FlagName(argv[i]))) args.push_back(argv[i]);
  // The command line wins over the environment: no file, and the console
  // shows what net_bench passes it (benchmarks/tee_reporter.h).
  args.push_back("--benchmark_out=");
  args.push_back("--benchmark_display_aggregates_only=false");
  return args;
}

}  // namespace netbench
