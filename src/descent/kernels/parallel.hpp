// Splitting a loop of independent pieces over OpenMP threads when the work is worth a fork:
// one contiguous range of pieces per thread, so each piece is computed by the same code at any
// thread count and results do not depend on it.
#pragma once
#include <omp.h>

#include <algorithm>
#include <cstdint>

namespace descent::kernels {

// Multiply-adds below which a loop runs on one thread. A fork and join of two threads costs
// about 0.5 µs here, the time of some 25,000 multiply-adds, but that is not the real price:
// in a training step each thread's half of the weights and gradients is then read, updated
// and read again by the other core, every step, through the shared cache. For MNIST's
// 784-30-10 at batch 10 (235,000 multiply-adds per product) splitting made the step slower
// (13 µs against 11); from about a million the second core pays for itself (16 x 784 x 256:
// 41 µs on one thread, 21 on two).
inline constexpr int64_t kParallelMultiplyAdds = int64_t{1} << 20;

// fn(begin, end) over [0, n) in one range per thread, boundaries on multiples of `align`;
// all on the calling thread when `work` is below `threshold` or there is one thread.
template <class Fn>
void parallel_ranges(int64_t n, int64_t align, int64_t work, int64_t threshold, Fn&& fn) {
  const int threads =
      work >= threshold ? static_cast<int>(std::min<int64_t>(omp_get_max_threads(), (n + align - 1) / align)) : 1;
  if (threads <= 1) {
    if (n > 0) fn(int64_t{0}, n);
    return;
  }
#pragma omp parallel num_threads(threads)
  {
    const int64_t t = omp_get_thread_num(), nt = omp_get_num_threads();
    const int64_t blocks = (n + align - 1) / align;
    const int64_t begin = std::min(n, blocks * t / nt * align), end = std::min(n, blocks * (t + 1) / nt * align);
    if (begin < end) fn(begin, end);
  }
}

}  // namespace descent::kernels
