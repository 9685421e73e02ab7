// OutputFile (base/output_file.h): the target holds the complete new file
// after Commit() and nothing new before it; write errors are reported; a
// device or a FIFO is written in place.

#include "base/output_file.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "base/sys_error.h"
#include "test/net_test_util.h"

namespace netbench {
namespace {

using testing::ReadFile;
using testing::TempDir;

std::set<std::string> Listing(const TempDir& dir) {
  std::set<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir.path()))
    names.insert(e.path().filename());
  return names;
}

TEST(OutputFileTest, NothingAppearsBeforeCommitThenAllOfIt) {
  TempDir dir;
  const std::string path = dir.File("run.json");
  OutputFile out(path);
  out.stream() << std::string(1 << 20, 'x') << "end";
  EXPECT_EQ(Listing(dir), std::set<std::string>{});  // unnamed until then
  EXPECT_EQ(out.Commit(), "");
  EXPECT_EQ(Listing(dir), std::set<std::string>{"run.json"});
  EXPECT_EQ(ReadFile(path).size(), (size_t{1} << 20) + 3);
}

TEST(OutputFileTest, WithoutCommitThePreviousFileStays) {
  TempDir dir;
  const std::string path = dir.File("run.json");
  std::ofstream(path) << "previous";
  ::chmod(path.c_str(), 0640);
  {
    OutputFile out(path);
    out.stream() << "new";
  }
  EXPECT_EQ(ReadFile(path), "previous");
  EXPECT_EQ(Listing(dir), std::set<std::string>{"run.json"});
  OutputFile out(path);
  out.stream() << "new";
  EXPECT_EQ(out.Commit(), "");
  EXPECT_EQ(ReadFile(path), "new");
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);  // its permissions kept
}

TEST(OutputFileTest, ThroughASymlinkTheFileItNamesIsReplaced) {
  TempDir dir;
  std::ofstream(dir.File("real.json")) << "previous";
  std::filesystem::create_symlink("real.json", dir.File("link.json"));
  OutputFile out(dir.File("link.json"));
  out.stream() << "new";
  EXPECT_EQ(out.Commit(), "");
  EXPECT_TRUE(std::filesystem::is_symlink(dir.File("link.json")));
  EXPECT_EQ(ReadFile(dir.File("real.json")), "new");
}

TEST(OutputFileTest, AWriteErrorIsReported) {
  OutputFile out("/dev/full");
  out.stream() << std::string(1 << 17, 'x');
  EXPECT_EQ(out.Commit(), "write: No space left on device");
}

TEST(OutputFileTest, DevicesAreWrittenInPlace) {
  OutputFile out("/dev/null");
  out.stream() << "x";
  EXPECT_EQ(out.Commit(), "");
}

TEST(OutputFileTest, AFifoWithoutReaderIsRefusedWithoutBlocking) {
  TempDir dir;
  const std::string fifo = dir.File("fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  try {
    OutputFile out(fifo);
    FAIL() << "opened a FIFO without a reader";
  } catch (const SysError& e) {
    EXPECT_NE(std::string(e.what()).find("no process has open for reading"),
              std::string::npos)
        << e.what();
  }
}

TEST(OutputFileTest, ADirectoryIsRefused) {
  TempDir dir;
  EXPECT_THROW(OutputFile out(dir.path()), SysError);
}

}  // namespace
}  // namespace netbench
