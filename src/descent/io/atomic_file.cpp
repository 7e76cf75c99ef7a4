// AtomicFile on POSIX: open(O_EXCL) a unique temporary, write(2) through a buffer, fsync,
// rename(2), fsync of the folder.
#include "descent/io/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>

#include "descent/core/error.hpp"

namespace descent {
namespace {

constexpr std::size_t kBufferSize = std::size_t{1} << 20;

std::atomic<int64_t> g_write_budget{-1};  // bytes left before injected ENOSPC; negative: off
std::atomic<uint64_t> g_temp_counter{0};

// write(2) all of [data, data + size), honouring the injected failure. Returns 0 or an errno.
int write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    std::size_t chunk = size;
    int64_t budget = g_write_budget.load();
    if (budget >= 0) {
      if (budget == 0) return ENOSPC;
      chunk = std::min<std::size_t>(chunk, static_cast<std::size_t>(budget));
    }
    const ssize_t n = ::write(fd, data, chunk);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (budget >= 0) g_write_budget.fetch_sub(n);
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return 0;
}

std::filesystem::path folder_of(const std::filesystem::path& p) {
  return p.has_parent_path() ? p.parent_path() : std::filesystem::path(".");
}

}  // namespace

void inject_write_failure_after(int64_t bytes) { g_write_budget.store(bytes < 0 ? -1 : bytes); }

AtomicFile::AtomicFile(std::filesystem::path target) : target_(std::move(target)) {
  if (target_.filename().empty())
    throw IOError("cannot write '" + target_.string() + "': the path names a folder, not a file");
  const std::filesystem::path dir = folder_of(target_);
  while (true) {
    temp_ = dir / ("." + target_.filename().string() + ".tmp-" + std::to_string(::getpid()) + "-" +
                   std::to_string(g_temp_counter.fetch_add(1)));
    fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd_ >= 0) break;
    if (errno != EEXIST)
      throw IOError("cannot write '" + target_.string() + "': cannot create temporary file '" + temp_.string() +
                    "': " + std::strerror(errno));
  }
  buffer_.reserve(kBufferSize);
}

AtomicFile::~AtomicFile() {
  if (!committed_) discard();
}

void AtomicFile::discard() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (!temp_.empty()) ::unlink(temp_.c_str());
}

void AtomicFile::fail(const char* what, int err) {
  discard();
  committed_ = true;  // nothing left to clean up
  throw IOError("cannot write '" + target_.string() + "': " + what + ": " + std::strerror(err) +
                " (the previous file, if any, is unchanged)");
}

void AtomicFile::flush_buffer() {
  if (buffer_.empty()) return;
  const int err = write_all(fd_, buffer_.data(), buffer_.size());
  buffer_.clear();
  if (err) fail("write failed", err);
}

void AtomicFile::write(const void* data, std::size_t size) {
  if (committed_ || fd_ < 0) throw IOError("AtomicFile '" + target_.string() + "': write after commit or failure");
  const char* p = static_cast<const char*>(data);
  if (buffer_.size() + size <= kBufferSize) {
    buffer_.insert(buffer_.end(), p, p + size);
    return;
  }
  flush_buffer();
  if (size < kBufferSize) {
    buffer_.insert(buffer_.end(), p, p + size);
    return;
  }
  if (const int err = write_all(fd_, p, size)) fail("write failed", err);
}

void AtomicFile::commit() {
  if (committed_ || fd_ < 0) throw IOError("AtomicFile '" + target_.string() + "': commit after commit or failure");
  flush_buffer();
  if (::fsync(fd_) != 0) fail("fsync failed", errno);
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) fail("close failed", errno);
  if (::rename(temp_.c_str(), target_.c_str()) != 0) fail("rename of the temporary file failed", errno);
  committed_ = true;
  // The new file is in place; make the rename durable. Some file systems cannot fsync a
  // folder (EINVAL); there the rename is as durable as they allow.
  const std::filesystem::path dir = folder_of(target_);
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    throw IOError("wrote '" + target_.string() + "' but cannot open its folder to fsync it: " + std::strerror(errno));
  const int rc = ::fsync(dfd);
  const int err = errno;
  ::close(dfd);
  if (rc != 0 && err != EINVAL)
    throw IOError("wrote '" + target_.string() + "' but fsync of its folder failed: " + std::strerror(err));
}

void write_file_atomic(const std::filesystem::path& path, std::string_view contents) {
  AtomicFile file(path);
  file.write(contents);
  file.commit();
}

}  // namespace descent
