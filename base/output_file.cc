#include "base/output_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <random>
#include <string_view>
#include <vector>

#include "base/sys_error.h"

namespace netbench {
namespace {

// ".<target>.net_bench-tmp." then kSuffixLength random characters.
constexpr std::string_view kTag = ".net_bench-tmp.";
constexpr size_t kSuffixLength = 6;

// A temporary file whose writer is gone is unlocked; one younger than this
// may be a live writer's between its creation and its lock (the named
// fallback only), so it is left alone.
constexpr time_t kStaleSeconds = 5;

std::string TemporaryName(const std::string& target) {
  static constexpr char kChars[] =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::random_device random;
  std::string name = "." + target + std::string(kTag);
  for (size_t i = 0; i < kSuffixLength; ++i)
    name += kChars[random() % (sizeof(kChars) - 1)];
  return name;
}

bool IsTemporaryName(std::string_view name) {
  if (name.size() < 1 + kTag.size() + kSuffixLength || name[0] != '.')
    return false;
  const size_t at = name.size() - kSuffixLength - kTag.size();
  return name.substr(at, kTag.size()) == kTag;
}

std::string Error(const std::string& step, int err) {
  return step + ": " + std::strerror(err);
}

}  // namespace

// The stream's buffer: writes to the descriptor in large blocks and keeps
// the first error (errno) instead of losing it in the stream's state.
class OutputFile::Buffer : public std::streambuf {
 public:
  explicit Buffer(int fd) : fd_(fd), data_(size_t{1} << 16) {
    setp(data_.data(), data_.data() + data_.size());
  }
  int error() const { return error_; }

 protected:
  int_type overflow(int_type c) override {
    if (!Flush()) return traits_type::eof();
    if (!traits_type::eq_int_type(c, traits_type::eof())) {
      *pptr() = traits_type::to_char_type(c);
      pbump(1);
    }
    return traits_type::not_eof(c);
  }
  int sync() override { return Flush() ? 0 : -1; }

 private:
  bool Flush() {
    if (error_ != 0) return false;
    const char* p = pbase();
    size_t left = static_cast<size_t>(pptr() - pbase());
    int interrupted = 0;
    while (left > 0) {
      const ssize_t n = ::write(fd_, p, left);
      if (n < 0 && errno == EINTR && ++interrupted < kMaxEintrRetries) continue;
      if (n <= 0) {
        error_ = n < 0 ? errno : EIO;
        return false;
      }
      p += n;
      left -= static_cast<size_t>(n);
    }
    setp(data_.data(), data_.data() + data_.size());
    return true;
  }

  const int fd_;
  std::vector<char> data_;
  int error_ = 0;
};

OutputFile::OutputFile(const std::string& path) : path_(path) {
  std::string target_path = path;
  struct stat st {};
  const bool exists = ::stat(path.c_str(), &st) == 0;
  if (exists && S_ISDIR(st.st_mode)) throw SysError("open " + path, EISDIR);
  if (exists && !S_ISREG(st.st_mode)) {
    // A device or a FIFO: written in place. Opened without blocking (a FIFO
    // without a reader would wait for one, forever), then blocking writes.
    in_place_ = true;
    fd_ = UniqueFd(
        ::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
    if (!fd_) {
      if (errno == ENXIO)
        throw SysError("open " + path +
                       ": a FIFO that no process has open for reading");
      ThrowErrno("open " + path);
    }
    ::fcntl(fd_.get(), F_SETFL, ::fcntl(fd_.get(), F_GETFL) & ~O_NONBLOCK);
  } else {
    // Through a symbolic link, the file it names is the one replaced (a
    // dangling link is replaced itself).
    if (char* real = ::realpath(path.c_str(), nullptr)) {
      target_path = real;
      std::free(real);
    }
    const size_t slash = target_path.rfind('/');
    const std::string dir = slash == std::string::npos ? "."
                            : slash == 0               ? "/"
                                         : target_path.substr(0, slash);
    target_ = slash == std::string::npos ? target_path
                                         : target_path.substr(slash + 1);
    dir_ = UniqueFd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir_) ThrowErrno("open directory " + dir);
    RemoveStaleTemporaries();
    OpenTemporary();
    // A file replaced keeps its permissions (a private one stays private).
    if (exists) ::fchmod(fd_.get(), st.st_mode & 07777);
  }
  buffer_ = std::make_unique<Buffer>(fd_.get());
  stream_ = std::make_unique<std::ostream>(buffer_.get());
}

OutputFile::~OutputFile() {
  stream_.reset();
  if (!temporary_.empty()) ::unlinkat(dir_.get(), temporary_.c_str(), 0);
}

std::ostream& OutputFile::stream() { return *stream_; }

void OutputFile::RemoveStaleTemporaries() {
  UniqueFd listing(
      ::openat(dir_.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!listing) return;
  DIR* d = ::fdopendir(listing.get());
  if (!d) return;
  listing.Release();  // the DIR owns it now
  const time_t now = std::time(nullptr);
  while (const dirent* e = ::readdir(d)) {
    if (!IsTemporaryName(e->d_name)) continue;
    UniqueFd fd(::openat(dir_.get(), e->d_name,
                         O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
    struct stat st {};
    if (!fd || ::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) ||
        now - st.st_mtime < kStaleSeconds)
      continue;
    // Its writer holds the lock while it lives: free, it is gone.
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) == 0)
      ::unlinkat(dir_.get(), e->d_name, 0);
  }
  ::closedir(d);
}

void OutputFile::OpenTemporary() {
  // Linking an unnamed file needs /proc (or CAP_DAC_READ_SEARCH): without
  // it, the temporary file is named from the start.
  if (::access("/proc/self/fd", X_OK) == 0) {
    fd_ = UniqueFd(
        ::openat(dir_.get(), ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666));
    if (fd_) {
      // Before it has a name: it is never unlocked while it has one.
      ::flock(fd_.get(), LOCK_EX);
      return;
    }
    // The filesystem has no O_TMPFILE (EOPNOTSUPP; EISDIR or EINVAL from
    // older kernels): name it. Anything else is an answer.
    if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
      ThrowErrno("create a temporary file beside " + path_);
  }
  OpenNamedTemporary();
}

void OutputFile::OpenNamedTemporary() {
  for (int tries = 0; tries < 100; ++tries) {
    const std::string name = TemporaryName(target_);
    fd_ = UniqueFd(::openat(dir_.get(), name.c_str(),
                            O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666));
    if (fd_) {
      temporary_ = name;
      ::flock(fd_.get(), LOCK_EX);
      return;
    }
    if (errno != EEXIST) break;
  }
  ThrowErrno("create a temporary file beside " + path_);
}

std::string OutputFile::LinkTemporary() {
  const std::string proc = "/proc/self/fd/" + std::to_string(fd_.get());
  for (int tries = 0; tries < 100; ++tries) {
    const std::string name = TemporaryName(target_);
    if (::linkat(AT_FDCWD, proc.c_str(), dir_.get(), name.c_str(),
                 AT_SYMLINK_FOLLOW) == 0) {
      temporary_ = name;
      return "";
    }
    if (errno != EEXIST) return Error("link", errno);
  }
  return Error("link", EEXIST);
}

std::string OutputFile::Commit() {
  if (committed_) return "committed twice";
  committed_ = true;
  stream_->flush();
  const bool replacing = !in_place_;
  const auto failed = [&](const std::string& why) {
    if (!temporary_.empty()) ::unlinkat(dir_.get(), temporary_.c_str(), 0);
    temporary_.clear();
    return replacing ? why + "; the file is left as it was" : why;
  };
  if (buffer_->error() != 0) return failed(Error("write", buffer_->error()));
  if (in_place_) {
    const int fd = fd_.Release();
    return ::close(fd) == 0 || errno == EINTR ? "" : Error("close", errno);
  }
  // On disk before the rename, so that a crash of the machine cannot leave
  // the new name on a file whose data never got there.
  if (::fsync(fd_.get()) != 0) return failed(Error("fsync", errno));
  if (temporary_.empty()) {
    if (std::string why = LinkTemporary(); !why.empty()) return failed(why);
  }
  if (::renameat(dir_.get(), temporary_.c_str(), dir_.get(), target_.c_str()) !=
      0)
    return failed(Error("rename", errno));
  temporary_.clear();
  ::fsync(dir_.get());  // the rename itself; best effort (not every fs can)
  fd_.Reset();
  return "";
}

}  // namespace netbench
