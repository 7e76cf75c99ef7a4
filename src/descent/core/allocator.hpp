// Memory for tensor storage: 64-byte aligned blocks, with all but the smallest recycled. A fresh
// 40 MB block from the OS costs ten thousand page faults, each zeroing a page, which is
// more work than the elementwise op that then fills it; a training loop frees and asks for
// the same sizes every step, so keeping freed large blocks makes those faults happen once.
#pragma once
#include <cstddef>

namespace descent {

// Blocks of more than this many bytes are kept for reuse when freed; smaller ones go back to
// malloc, whose per-thread cache recycles them cheaply. Above it glibc is slow for a training
// step's pattern: a request of a kilobyte or more first consolidates its fast bins when it
// holds any (as it does after every step's small frees), and its aligned allocation splits
// chunks; a small model's step asks for and frees a dozen such blocks (activations of a few
// KB, a 94 KB weight gradient) every time.
inline constexpr std::size_t kCachedBlockMinBytes = 1024;
// At most this many bytes, and this many blocks, are held in freed blocks; beyond either the
// oldest are released (the count keeps the search for a size short).
inline constexpr std::size_t kCachedBytesMax = std::size_t{1} << 30;
inline constexpr std::size_t kCachedBlocksMax = 256;

// A 64-byte aligned block of at least `nbytes` (a recycled one of the same size if there is
// one); throws descent::Error when memory runs out.
void* allocate_storage(std::size_t nbytes);
// Returns a block from allocate_storage(nbytes).
void free_storage(void* data, std::size_t nbytes);

}  // namespace descent
