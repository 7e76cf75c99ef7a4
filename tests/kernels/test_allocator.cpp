// Tensor storage: 64-byte alignment at every size, large blocks recycled, and the default
// thread count.
#include <gtest/gtest.h>
#include <omp.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "common/skip.hpp"
#include "descent/core/allocator.hpp"
#include "descent/descent.hpp"

namespace {

using descent::Shape;
using descent::Tensor;

TEST(Allocator, EveryBlockIs64ByteAligned) {
  for (std::size_t n : {0, 1, 3, 63, 64, 65, 1000, 1024, 1025, 4096, 100'000, 3'000'000}) {
    void* p = descent::allocate_storage(n);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % 64, 0u) << n << " bytes";
    std::memset(p, 0xab, n);  // the whole block is usable (ASan checks the bounds)
    descent::free_storage(p, n);
  }
}

TEST(Allocator, FreedLargeBlockIsReused) {
  const std::size_t n = 4 * descent::kCachedBlockMinBytes + 100;
  void* first = descent::allocate_storage(n);
  descent::free_storage(first, n);
  void* second = descent::allocate_storage(n);
  EXPECT_EQ(second, first);
  void* third = descent::allocate_storage(n);  // the cached one is taken: a fresh block
  EXPECT_NE(third, second);
  descent::free_storage(second, n);
  descent::free_storage(third, n);
}

TEST(Allocator, RecycledBlockStillGivesZeros) {
  const int64_t n = 1 << 20;        // 4 MB of float32
  { Tensor::full(Shape{n}, 7.0); }  // its block goes to the cache
  const Tensor z = Tensor::zeros(Shape{n});
  EXPECT_EQ(descent::sum(descent::abs(z)).item(), 0.0);
}

TEST(Threads, DefaultIsOnePerCore) {
  if (std::getenv("OMP_NUM_THREADS")) DESCENT_SKIP() << "OMP_NUM_THREADS is set";
  EXPECT_EQ(descent::get_num_threads(), omp_get_num_procs());
  descent::set_num_threads(1);
  EXPECT_EQ(descent::get_num_threads(), 1);
  descent::set_num_threads(0);
  EXPECT_EQ(descent::get_num_threads(), omp_get_num_procs());
}

}  // namespace
