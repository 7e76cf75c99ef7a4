// Memory for tensor storage: 64-byte aligned blocks, with large blocks recycled. A fresh
// 40 MB block from the OS costs ten thousand page faults, each zeroing a page, which is
// more work than the elementwise op that then fills it; a training loop frees and asks for
// the same sizes every step, so keeping freed large blocks makes those faults happen once.
#pragma once
#include <cstddef>

namespace descent {

// Blocks of at least this many bytes are kept for reuse when freed; smaller ones go back to
// malloc, which recycles them cheaply. At 64 KiB glibc's free starts consolidating its fast
// bins on every call (FASTBIN_CONSOLIDATION_THRESHOLD), which a small model's 94 KB weight
// gradient, freed and asked for again every step, paid each time.
inline constexpr std::size_t kCachedBlockMinBytes = std::size_t{1} << 16;
// At most this many bytes are held in freed blocks; beyond it the oldest are released.
inline constexpr std::size_t kCachedBytesMax = std::size_t{1} << 30;

// A 64-byte aligned block of at least `nbytes` (a recycled one of the same size if there is
// one); throws descent::Error when memory runs out.
void* allocate_storage(std::size_t nbytes);
// Returns a block from allocate_storage(nbytes).
void free_storage(void* data, std::size_t nbytes);

}  // namespace descent
