// The sum kernels against their naive twins, on every path through them (one thread and
// several, one long row or many, leading or trailing or both reduced), and sum() on tensors.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "descent/descent.hpp"
#include "descent/kernels/reduce.hpp"

namespace {

using descent::Shape;
using descent::Tensor;

// Both accumulate in double, in different orders: they agree far below float precision.
constexpr double kDoubleOrderTolerance = 1e-12;

class SumKernels : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override { descent::set_num_threads(GetParam()); }
  void TearDown() override { descent::set_num_threads(0); }
};

TEST_P(SumKernels, ContiguousSumMatchesNaive) {
  for (int64_t n : {0, 1, 3, 4, 5, 31, 1000, 32'768, 100'003}) {
    const std::vector<float> v = Tensor::normal(Shape{n}).values<float>();
    const double fast = descent::kernels::sum(v.data(), n);
    const double naive = descent::kernels::sum_naive(v.data(), n);
    EXPECT_NEAR(fast, naive, kDoubleOrderTolerance * (1.0 + std::fabs(naive))) << "n = " << n;
  }
}

TEST_P(SumKernels, LmrMatchesNaiveOnEveryPath) {
  struct Case {
    int64_t L, M, R;
  };
  const Case cases[] = {
      {1, 1, 1},      {7, 1, 1},       {1, 1, 100'000},  // a full sum
      {1, 3, 50'000}, {1, 5'000, 13},  {1, 9, 4},        // trailing: few long rows, many short
      {10'000, 7, 1}, {1'000, 100, 1}, {999, 37, 1},     // leading: column sums, L not a multiple of 4
      {50, 40, 30},   {3, 11, 2},                        // leading and trailing
      {2, 70'000, 1}, {3, 70'000, 2},                    // too many outputs for a copy per thread
  };
  for (const Case& c : cases) {
    const std::vector<double> v = Tensor::normal(Shape{c.L * c.M * c.R}, 0.0, 1.0, descent::DType::f64).to_vector();
    std::vector<double> fast(static_cast<std::size_t>(c.M)), naive(static_cast<std::size_t>(c.M));
    descent::kernels::sum_lmr(v.data(), c.L, c.M, c.R, fast.data());
    descent::kernels::sum_lmr_naive(v.data(), c.L, c.M, c.R, naive.data());
    for (int64_t m = 0; m < c.M; ++m)
      ASSERT_NEAR(fast[m], naive[m], kDoubleOrderTolerance * (1.0 + std::fabs(naive[m])))
          << "L, M, R = " << c.L << ", " << c.M << ", " << c.R << "; m = " << m;
  }
}

TEST_P(SumKernels, FloatSumIsTheRoundedDoubleSum) {
  // 10^6 values of 0.1f: a float running sum drifts by percent; ours is exact to rounding,
  // over everything and along the last dim.
  const Tensor a = Tensor::full(Shape{1000, 1000}, 0.1);
  const double exact = 1e6 * static_cast<double>(0.1f);
  EXPECT_EQ(descent::sum(a).item(), static_cast<double>(static_cast<float>(exact)));
  const float row_sum = static_cast<float>(1000 * static_cast<double>(0.1f));
  for (float r : descent::sum(a, {1}).values<float>()) ASSERT_EQ(r, row_sum);
  // Over the first dim, eight rows are added in float before the double sum: within two units
  // in the last place of the rounded sum.
  const float ulp = std::nextafter(row_sum, 1e9f) - row_sum;
  for (float c : descent::sum(a, {0}).values<float>()) ASSERT_NEAR(c, row_sum, 2 * ulp);
}

INSTANTIATE_TEST_SUITE_P(Threads, SumKernels, ::testing::Values(1, 2),
                         [](const auto& info) { return std::to_string(info.param) + "_threads"; });

}  // namespace
