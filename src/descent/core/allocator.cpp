// The block cache behind tensor storage: freed blocks wait in a list, newest last, and a
// request of the same rounded size takes the newest (its pages are the likeliest to still be
// in cache). The list stays short (at most kCachedBlocksMax blocks), so a linear search from
// the newest end costs far less than touching the block.
#include "descent/core/allocator.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <iterator>
#include <mutex>
#include <string>
#include <vector>

#include <sys/mman.h>

#include "descent/core/error.hpp"

namespace descent {
namespace {

struct Block {
  void* data;
  std::size_t bytes;
};

struct BlockCache {
  std::mutex mutex;
  std::vector<Block> blocks;  // oldest first
  std::size_t bytes = 0;
};

BlockCache& cache() {
  // Never destroyed: tensors in other static objects may be freed after it would be.
  static BlockCache* c = new BlockCache;
  return *c;
}

std::size_t rounded(std::size_t nbytes) { return (std::max<std::size_t>(nbytes, 1) + 63) / 64 * 64; }

// Small blocks come from malloc's per-thread cache, 64 bytes larger than asked and aligned by
// hand, the offset kept in the byte before the block. aligned_alloc would be the obvious
// call, but glibc serves it by splitting a larger chunk, several times slower than malloc,
// and a graph of small tensors allocates a few dozen blocks per step.
void* allocate_small(std::size_t size) {
  auto* raw = static_cast<unsigned char*>(std::malloc(size + 64));
  if (!raw) return nullptr;
  const std::size_t shift = 64 - reinterpret_cast<std::uintptr_t>(raw) % 64;  // 16 to 64
  unsigned char* data = raw + shift;
  data[-1] = static_cast<unsigned char>(shift);
  return data;
}

void free_small(void* data) {
  auto* p = static_cast<unsigned char*>(data);
  std::free(p - p[-1]);
}

// Blocks of 2 MiB and more are aligned to 2 MiB and marked for transparent huge pages
// (Linux's default THP mode, "madvise", backs only marked memory). One TLB entry then covers
// 2 MiB instead of 4 KiB, and a fresh block costs one page fault per 2 MiB instead of 512:
// a minibatch gathered from random rows of a 170 MB data set touches a new 4 KiB page with
// nearly every row, and on 4 KiB pages each such row waits for a page walk.
constexpr std::size_t kHugePageBytes = std::size_t{2} << 20;

void* allocate_large(std::size_t size) {
  if (size < kHugePageBytes) return std::aligned_alloc(64, size);
  const std::size_t whole = (size + kHugePageBytes - 1) / kHugePageBytes * kHugePageBytes;
  void* data = std::aligned_alloc(kHugePageBytes, whole);
  if (data) madvise(data, whole, MADV_HUGEPAGE);  // advice only: without THP, 4 KiB pages
  return data;
}

}  // namespace

void* allocate_storage(std::size_t nbytes) {
  const std::size_t size = rounded(nbytes);
  if (size > kCachedBlockMinBytes) {
    BlockCache& c = cache();
    std::lock_guard lock(c.mutex);
    for (auto it = c.blocks.rbegin(); it != c.blocks.rend(); ++it) {
      if (it->bytes != size) continue;
      void* data = it->data;
      c.bytes -= size;
      c.blocks.erase(std::next(it).base());
      return data;
    }
  }
  void* data = size <= kCachedBlockMinBytes ? allocate_small(size) : allocate_large(size);
  if (!data) throw Error("out of memory allocating " + std::to_string(nbytes) + " bytes for a tensor");
  return data;
}

void free_storage(void* data, std::size_t nbytes) {
  const std::size_t size = rounded(nbytes);
  if (size <= kCachedBlockMinBytes) {
    free_small(data);
    return;
  }
  if (size > kCachedBytesMax) {
    std::free(data);
    return;
  }
  std::vector<void*> evicted;
  {
    BlockCache& c = cache();
    std::lock_guard lock(c.mutex);
    c.blocks.push_back({data, size});
    c.bytes += size;
    std::size_t drop = 0;
    while (c.bytes > kCachedBytesMax || c.blocks.size() - drop > kCachedBlocksMax) {
      c.bytes -= c.blocks[drop].bytes;
      evicted.push_back(c.blocks[drop++].data);
    }
    c.blocks.erase(c.blocks.begin(), c.blocks.begin() + static_cast<std::ptrdiff_t>(drop));
  }
  for (void* p : evicted) std::free(p);  // outside the lock
}

}  // namespace descent
