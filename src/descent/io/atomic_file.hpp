// Atomic file replacement: write a temporary file in the target's folder, flush and fsync it,
// rename it over the target, fsync the folder. A crash at any instant leaves either the old
// file or the new one complete, never a mix; on any error the old file stays and the
// temporary is removed. (rename(2) within one file system is atomic; the folder's fsync makes
// the rename itself durable.)
#pragma once
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string_view>
#include <vector>

namespace descent {

class AtomicFile {
 public:
  // Creates the temporary file next to `target`; throws IOError if it cannot.
  explicit AtomicFile(std::filesystem::path target);
  ~AtomicFile();  // removes the temporary file unless commit() succeeded
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(const void* data, std::size_t size);
  void write(std::string_view text) { write(text.data(), text.size()); }
  // Flushes, fsyncs, renames over the target and fsyncs the folder. After an error the target
  // is unchanged and the temporary file is gone.
  void commit();

  const std::filesystem::path& target() const { return target_; }
  const std::filesystem::path& temp_path() const { return temp_; }

 private:
  void flush_buffer();
  [[noreturn]] void fail(const char* what, int err);
  void discard() noexcept;

  std::filesystem::path target_;
  std::filesystem::path temp_;
  int fd_ = -1;
  bool committed_ = false;
  std::vector<char> buffer_;
};

// Replaces `path` atomically with `contents`.
void write_file_atomic(const std::filesystem::path& path, std::string_view contents);

// Test hook, to simulate a full disk: after `bytes` more bytes have been written through
// AtomicFile (by anyone in this process), every further write fails with ENOSPC. A negative
// value turns the failure off again.
void inject_write_failure_after(int64_t bytes);

}  // namespace descent
