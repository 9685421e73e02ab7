#ifndef NET_BENCH_BASE_OUTPUT_FILE_H_
#define NET_BENCH_BASE_OUTPUT_FILE_H_

// A results file that is complete or absent: what is written goes to a
// temporary file in the target's directory, which Commit() syncs and renames
// onto the target in one step, so that the target holds either the whole new
// file or what it held before (nothing, or the previous run's complete
// file), whatever happens to the process, SIGKILL included. And a write
// error is reported, never dropped: Commit() says what failed.
//
// The temporary file is unnamed (O_TMPFILE): the kernel frees it with the
// process however it ends. It gets a name only at Commit(), for the moment
// between linkat(2) and rename(2), or from the start where the filesystem
// has no O_TMPFILE; such a name is recognisable
// (".<target>.net_bench-tmp.XXXXXX"), and it is locked (flock(2)) as long as
// its writer lives, so that the next OutputFile opened in that directory
// removes one its writer left behind when it was killed.
//
// A target that exists and is not a regular file (/dev/null, /dev/stdout, a
// FIFO) is written in place: there is nothing to rename onto it.

#include <memory>
#include <ostream>
#include <string>

#include "base/unique_fd.h"

namespace netbench {

class OutputFile {
 public:
  // Opens the temporary file for `path` (or `path` itself, in place), after
  // removing the temporary files that killed writers left in its
  // directory. Throws SysError naming the step that failed.
  explicit OutputFile(const std::string& path);
  // Without Commit(): the temporary file goes, the target is left as it
  // was.
  ~OutputFile();
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  // Where to write. Its first write error puts it in a failed state, which
  // Commit() reports.
  std::ostream& stream();

  // Writes out what is buffered, syncs the file and renames it onto the
  // target. Returns "" when the target now holds everything written, else
  // why not, e.g. "write: No space left on device" (then the temporary file
  // is removed and the target left as it was). Call at most once.
  std::string Commit();

  const std::string& path() const { return path_; }

 private:
  class Buffer;
  void RemoveStaleTemporaries();
  void OpenTemporary();
  void OpenNamedTemporary();
  // Gives the unnamed temporary file a name (linkat).
  std::string LinkTemporary();

  std::string path_;
  std::string target_;  // the name renamed onto, in dir_
  UniqueFd dir_;
  UniqueFd fd_;
  std::string temporary_;  // its name in dir_ once it has one
  bool in_place_ = false;
  bool committed_ = false;
  std::unique_ptr<Buffer> buffer_;
  std::unique_ptr<std::ostream> stream_;
};

}  // namespace netbench

#endif  // NET_BENCH_BASE_OUTPUT_FILE_H_
