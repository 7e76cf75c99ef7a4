// Atomic writes: the old file survives every failure (an injected full disk, a failed rename,
// an abandoned write) and no temporary file is left behind.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "common/scratch.hpp"
#include "descent/core/error.hpp"
#include "descent/io/atomic_file.hpp"

using namespace descent;
using descent::testing::error_of;
using descent::testing::fresh_dir;
using descent::testing::read_file;
namespace fs = std::filesystem;

namespace {

int entries(const fs::path& dir) {
  int n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++n;
  return n;
}

// Turns the injected failure off even when a test fails.
struct FailureGuard {
  explicit FailureGuard(int64_t bytes) { inject_write_failure_after(bytes); }
  ~FailureGuard() { inject_write_failure_after(-1); }
};

}  // namespace

TEST(AtomicFile, WritesAndReplacesLeavingNoTemporary) {
  const fs::path dir = fresh_dir("atomic", "replace");
  const fs::path p = dir / "state.bin";
  write_file_atomic(p, "first");
  EXPECT_EQ(read_file(p), "first");
  write_file_atomic(p, "second, longer");
  EXPECT_EQ(read_file(p), "second, longer");
  EXPECT_EQ(entries(dir), 1);
}

TEST(AtomicFile, LargeBufferedWritesArriveIntact) {
  const fs::path dir = fresh_dir("atomic", "large");
  std::string big(3 << 20, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 31 % 251);
  AtomicFile f(dir / "big");
  f.write(big.data(), 100);            // buffered
  f.write(big.data() + 100, 2 << 20);  // larger than the buffer: written through
  f.write(big.data() + 100 + (2 << 20), big.size() - 100 - (2 << 20));
  f.commit();
  EXPECT_EQ(read_file(dir / "big"), big);
}

TEST(AtomicFile, InjectedFullDiskKeepsTheOldFile) {
  const fs::path dir = fresh_dir("atomic", "enospc");
  const fs::path p = dir / "checkpoint";
  write_file_atomic(p, "old and complete");
  for (int64_t limit : {0, 10, 1 << 20}) {  // fail at once, mid-buffer, after a flushed megabyte
    FailureGuard guard(limit);
    const std::string msg = error_of<IOError>([&] { write_file_atomic(p, std::string(3 << 20, 'n')); });
    EXPECT_NE(msg.find("cannot write '" + p.string() + "'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("No space left on device"), std::string::npos) << msg;
    EXPECT_EQ(read_file(p), "old and complete");
    EXPECT_EQ(entries(dir), 1) << "temporary file left behind at limit " << limit;
  }
  write_file_atomic(p, "new");  // the failure is off again
  EXPECT_EQ(read_file(p), "new");
}

TEST(AtomicFile, FailedRenameRemovesTheTemporary) {
  const fs::path dir = fresh_dir("atomic", "rename");
  const fs::path target = dir / "occupied";
  fs::create_directories(target / "inside");  // a non-empty folder cannot be renamed over
  const std::string msg = error_of<IOError>([&] { write_file_atomic(target, "data"); });
  EXPECT_NE(msg.find("rename of the temporary file failed"), std::string::npos) << msg;
  EXPECT_TRUE(fs::is_directory(target / "inside"));
  EXPECT_EQ(entries(dir), 1);
}

TEST(AtomicFile, MissingFolderNamesPathAndErrno) {
  const fs::path p = fresh_dir("atomic", "missing") / "no" / "such" / "file";
  const std::string msg = error_of<IOError>([&] { write_file_atomic(p, "x"); });
  EXPECT_NE(msg.find("cannot write '" + p.string() + "'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("No such file or directory"), std::string::npos) << msg;
}

TEST(AtomicFile, APathEndingInASlashIsRefusedAsAFolder) {
  const fs::path dir = fresh_dir("atomic", "slash");
  const fs::path p = dir / "";  // "…/slash/": a folder's name, no file name
  EXPECT_EQ(error_of<IOError>([&] { write_file_atomic(p, "x"); }),
            "cannot write '" + p.string() + "': the path names a folder, not a file");
  EXPECT_TRUE(fs::is_empty(dir));
  fs::remove_all(dir);
}

TEST(AtomicFile, AbandonedWriteLeavesTheOldFile) {
  const fs::path dir = fresh_dir("atomic", "abandon");
  const fs::path p = dir / "f";
  write_file_atomic(p, "kept");
  {
    AtomicFile f(p);
    f.write("partial");
    EXPECT_TRUE(fs::exists(f.temp_path()));
    EXPECT_EQ(f.temp_path().parent_path(), dir);
  }  // destroyed without commit, as when an exception unwinds
  EXPECT_EQ(read_file(p), "kept");
  EXPECT_EQ(entries(dir), 1);
}
