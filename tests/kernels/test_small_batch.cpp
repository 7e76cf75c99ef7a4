// The register-blocked small-batch kernels (kernels/small_batch.hpp) against plain loops, over
// shapes that hit every block size and a partial last vector, in float and double, with rows
// further apart than their length (a view); and the same bits at 1 and 2 threads.
#include "descent/kernels/small_batch.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "descent/core/rng.hpp"
#include "descent/core/threads.hpp"
#include "descent/kernels/parallel.hpp"

using namespace descent;

namespace {

template <class T>
std::vector<T> random_values(std::size_t n, uint64_t seed) {
  Generator gen(seed);
  std::vector<T> v(n);
  for (T& x : v) x = static_cast<T>(gen.uniform() * 2 - 1);
  return v;
}

template <class T>
constexpr double tolerance() {
  return std::is_same_v<T, float> ? 1e-5 : 1e-13;
}

template <class T>
class SmallBatch : public ::testing::Test {};
using Types = ::testing::Types<float, double>;
TYPED_TEST_SUITE(SmallBatch, Types);

TYPED_TEST(SmallBatch, TimesWeightMatchesAPlainLoop) {
  using T = TypeParam;
  for (int64_t rows : {1, 2, 3, 4, 5, 7, 10, 16})
    for (int64_t in : {1, 15, 16, 17, 37, 100})
      for (int64_t out : {1, 2, 3, 4, 5, 9, 30}) {
        const int64_t ldx = in + 3, ldw = in + 5;  // rows of views into wider matrices
        const auto x = random_values<T>(static_cast<std::size_t>(rows * ldx), 1);
        const auto w = random_values<T>(static_cast<std::size_t>(out * ldw), 2);
        auto y = random_values<T>(static_cast<std::size_t>(rows * out), 3);  // added to
        std::vector<double> expected(y.begin(), y.end());
        for (int64_t b = 0; b < rows; ++b)
          for (int64_t o = 0; o < out; ++o)
            for (int64_t i = 0; i < in; ++i)
              expected[static_cast<std::size_t>(b * out + o)] +=
                  static_cast<double>(x[static_cast<std::size_t>(b * ldx + i)]) *
                  w[static_cast<std::size_t>(o * ldw + i)];
        kernels::small_batch_times_weight<T>(x.data(), ldx, w.data(), ldw, y.data(), rows, in, out);
        for (std::size_t k = 0; k < y.size(); ++k)
          ASSERT_NEAR(y[k], expected[k], tolerance<T>() * in) << rows << "x" << in << " by " << out << " at " << k;
      }
}

TYPED_TEST(SmallBatch, CombineRowsMatchesAPlainLoop) {
  using T = TypeParam;
  for (int64_t n : {1, 2, 3, 4, 5, 9, 30})
    for (int64_t terms : {0, 1, 3, 10})
      for (int64_t in : {1, 15, 16, 17, 63, 64, 65, 100})
        for (bool accumulate : {false, true}) {
          // c as a gradient g (terms x n, row stride n + 2) read column-wise, as for the weight gradient.
          const int64_t ld_g = n + 2, ld_src = in + 1;
          const auto g = random_values<T>(static_cast<std::size_t>(std::max<int64_t>(terms, 1) * ld_g), 4);
          const auto src = random_values<T>(static_cast<std::size_t>(std::max<int64_t>(terms, 1) * ld_src), 5);
          auto d = random_values<T>(static_cast<std::size_t>(n * in), 6);
          std::vector<double> expected(d.size());
          for (int64_t o = 0; o < n; ++o)
            for (int64_t i = 0; i < in; ++i) {
              double sum = accumulate ? d[static_cast<std::size_t>(o * in + i)] : 0.0;
              for (int64_t s = 0; s < terms; ++s)
                sum += static_cast<double>(g[static_cast<std::size_t>(s * ld_g + o)]) *
                       src[static_cast<std::size_t>(s * ld_src + i)];
              expected[static_cast<std::size_t>(o * in + i)] = sum;
            }
          kernels::combine_rows<T>(g.data(), 1, ld_g, src.data(), ld_src, d.data(), n, terms, in, accumulate);
          for (std::size_t k = 0; k < d.size(); ++k)
            ASSERT_NEAR(d[k], expected[k], tolerance<T>() * (terms + 1))
                << n << " rows of " << terms << " terms, " << in << " wide, accumulate " << accumulate << ", at " << k;
        }
}

// Above the parallel threshold the threads split the outputs; every output is still summed by
// the same block in the same order.
TYPED_TEST(SmallBatch, SameBitsAtOneAndTwoThreads) {
  using T = TypeParam;
  const int previous = get_num_threads();
  constexpr int64_t rows = 16, in = 784, out = 100;
  static_assert(rows * in * out >= kernels::kParallelMultiplyAdds, "the products must be large enough to split");
  const auto x = random_values<T>(static_cast<std::size_t>(rows * in), 7);
  const auto w = random_values<T>(static_cast<std::size_t>(out * in), 8);
  const auto g = random_values<T>(static_cast<std::size_t>(rows * out), 9);
  std::vector<T> y[2], d[2];
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    auto& yt = y[threads - 1];
    auto& dt = d[threads - 1];
    yt.assign(static_cast<std::size_t>(rows * out), T(0));
    dt.assign(static_cast<std::size_t>(out * in), T(0));
    kernels::small_batch_times_weight<T>(x.data(), in, w.data(), in, yt.data(), rows, in, out);
    kernels::combine_rows<T>(g.data(), 1, out, x.data(), in, dt.data(), out, rows, in, false);
  }
  set_num_threads(previous);
  EXPECT_EQ(y[0], y[1]);
  EXPECT_EQ(d[0], d[1]);
}

}  // namespace
