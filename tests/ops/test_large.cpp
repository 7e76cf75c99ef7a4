// Tensors above the parallel threshold (kParallelThreshold elements) take the threaded and
// blocked code paths that the small gradcheck shapes never reach. Each result here is
// compared with a plain loop over the same numbers, with 1 and with 2 threads.
#include <gtest/gtest.h>

#include <cmath>

#include "descent/descent.hpp"

using namespace descent;

namespace {

constexpr double kTol = 1e-10;  // float64; only the order of additions differs

// a (A, B, C) row-major values, for plain-loop references.
struct Cube {
  int64_t A, B, C;
  std::vector<double> v;
  double at(int64_t a, int64_t b, int64_t c) const { return v[static_cast<std::size_t>((a * B + b) * C + c)]; }
};

class Large : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    previous_ = get_num_threads();
    set_num_threads(GetParam());
  }
  void TearDown() override { set_num_threads(previous_); }
  int previous_ = 1;
};

void expect_close(const std::vector<double>& actual, const std::vector<double>& expected, const char* what) {
  ASSERT_EQ(actual.size(), expected.size()) << what;
  for (std::size_t i = 0; i < expected.size(); ++i)
    ASSERT_NEAR(actual[i], expected[i], kTol * (1 + std::abs(expected[i]))) << what << " at " << i;
}

}  // namespace

TEST_P(Large, SumsOverEveryDimSet) {
  Generator gen(71);
  const Tensor x = Tensor::normal(Shape{40, 33, 50}, 0, 1, DType::f64, &gen);  // 66,000 elements
  const Cube c{40, 33, 50, x.to_vector()};
  std::vector<double> s0(33 * 50, 0.0), s1(40 * 50, 0.0), s2(40 * 33, 0.0), s02(33, 0.0);
  double all = 0.0;
  for (int64_t a = 0; a < 40; ++a)
    for (int64_t b = 0; b < 33; ++b)
      for (int64_t k = 0; k < 50; ++k) {
        const double v = c.at(a, b, k);
        s0[static_cast<std::size_t>(b * 50 + k)] += v;
        s1[static_cast<std::size_t>(a * 50 + k)] += v;
        s2[static_cast<std::size_t>(a * 33 + b)] += v;
        s02[static_cast<std::size_t>(b)] += v;
        all += v;
      }
  expect_close(sum(x, {0}).to_vector(), s0, "sum over dim 0");
  expect_close(sum(x, {1}).to_vector(), s1, "sum over dim 1");
  expect_close(sum(x, {2}).to_vector(), s2, "sum over dim 2");
  expect_close(sum(x, {0, 2}).to_vector(), s02, "sum over dims 0, 2");
  EXPECT_NEAR(sum(x).item(), all, 1e-9);
  EXPECT_NEAR(mean(x).item(), all / 66000.0, 1e-12);
  // The same sums of a transposed view.
  expect_close(sum(x.transpose(0, 2), {2}).t().to_vector(), s0, "sum of a transposed view");
  // float32 sums accumulate in double: within float32 rounding of the result.
  const Tensor xf = x.to(DType::f32);
  const std::vector<double> f0 = sum(xf, {0}).to_vector();
  for (std::size_t i = 0; i < s0.size(); i += 97) EXPECT_NEAR(f0[i], s0[i], 1e-4) << i;
}

TEST_P(Large, ElementwiseWithBroadcastingAndViews) {
  Generator gen(73);
  const Tensor x = Tensor::normal(Shape{300, 200}, 0, 1, DType::f64, &gen);
  const Tensor bias = Tensor::normal(Shape{200}, 0, 1, DType::f64, &gen);
  const Tensor col = Tensor::normal(Shape{300, 1}, 0, 1, DType::f64, &gen);
  const Tensor y = Tensor::normal(Shape{200, 300}, 0, 1, DType::f64, &gen);
  const std::vector<double> xv = x.to_vector(), bv = bias.to_vector(), cv = col.to_vector(), yv = y.to_vector();
  std::vector<double> expected(60000);
  for (int64_t i = 0; i < 300; ++i)
    for (int64_t j = 0; j < 200; ++j) {
      const auto k = static_cast<std::size_t>(i * 200 + j);
      expected[k] = (xv[k] + bv[static_cast<std::size_t>(j)]) * cv[static_cast<std::size_t>(i)] -
                    yv[static_cast<std::size_t>(j * 300 + i)];
    }
  expect_close(((x + bias) * col - y.t()).to_vector(), expected, "(x + bias) * col - y^T");
  std::vector<double> relu_expected(xv.size());
  for (std::size_t k = 0; k < xv.size(); ++k) relu_expected[k] = xv[k] > 0 ? xv[k] : 0.0;
  expect_close(relu(x).to_vector(), relu_expected, "relu");
  expect_close(relu(x.t()).t().to_vector(), relu_expected, "relu of a transposed view");
}

TEST_P(Large, SoftmaxAndMaxAlongEachDim) {
  Generator gen(79);
  const Tensor x = Tensor::normal(Shape{400, 100}, 0, 3, DType::f64, &gen);
  const std::vector<double> v = x.to_vector();
  for (int dim : {0, 1}) {
    const int64_t n = dim == 1 ? 100 : 400, rows = dim == 1 ? 400 : 100;
    auto index = [&](int64_t r, int64_t k) { return static_cast<std::size_t>(dim == 1 ? r * 100 + k : k * 100 + r); };
    std::vector<double> expected(v.size()), maxima(static_cast<std::size_t>(rows));
    for (int64_t r = 0; r < rows; ++r) {
      double m = -INFINITY, s = 0;
      for (int64_t k = 0; k < n; ++k) m = std::max(m, v[index(r, k)]);
      for (int64_t k = 0; k < n; ++k) s += std::exp(v[index(r, k)] - m);
      for (int64_t k = 0; k < n; ++k) expected[index(r, k)] = v[index(r, k)] - m - std::log(s);
      maxima[static_cast<std::size_t>(r)] = m;
    }
    expect_close(log_softmax(x, dim).to_vector(), expected, "log_softmax");
    std::vector<double> probs(expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) probs[i] = std::exp(expected[i]);
    expect_close(softmax(x, dim).to_vector(), probs, "softmax");
    expect_close(max(x, dim).to_vector(), maxima, "max");
  }
}

TEST_P(Large, MatmulAndLinearMatchANaiveLoop) {
  Generator gen(83);
  const Tensor a = Tensor::normal(Shape{70, 90}, 0, 1, DType::f64, &gen);
  const Tensor b = Tensor::normal(Shape{90, 60}, 0, 1, DType::f64, &gen);
  const Tensor bias = Tensor::normal(Shape{60}, 0, 1, DType::f64, &gen);
  const std::vector<double> av = a.to_vector(), bv = b.to_vector(), biasv = bias.to_vector();
  std::vector<double> expected(70 * 60, 0.0), with_bias(70 * 60);
  for (std::size_t i = 0; i < 70; ++i)
    for (std::size_t j = 0; j < 60; ++j) {
      for (std::size_t k = 0; k < 90; ++k) expected[i * 60 + j] += av[i * 90 + k] * bv[k * 60 + j];
      with_bias[i * 60 + j] = expected[i * 60 + j] + biasv[j];
    }
  expect_close(matmul(a, b).to_vector(), expected, "matmul");
  expect_close(matmul(a.t().contiguous().t(), b.t().contiguous().t()).to_vector(), expected,
               "matmul of column-major operands");
  expect_close(linear(a, b.t(), bias).to_vector(), with_bias, "linear");
  // Batched: each batch entry is its own product.
  const Tensor batched = matmul(stack({a, a * 2.0}), b);
  expect_close(
      batched.select(0, 1).to_vector(),
      [&] {
        std::vector<double> twice = expected;
        for (double& x : twice) x *= 2;
        return twice;
      }(),
      "batched matmul");
}

TEST_P(Large, BackwardThroughABigGraph) {
  // Softmax rows sum to 1, so the gradient of sum(softmax(x)) with respect to x is 0.
  Generator gen(89);
  const Tensor x = Tensor::normal(Shape{500, 80}, 0, 1, DType::f64, &gen).requires_grad_();
  softmax(x, 1).sum().backward();
  for (double g : x.grad().to_vector()) ASSERT_NEAR(g, 0.0, 1e-12);
  // And sum(x * c) has gradient c, broadcast back over the rows.
  const Tensor c = Tensor::normal(Shape{80}, 0, 1, DType::f64, &gen).requires_grad_();
  (x.detach() * c).sum().backward();
  expect_close(c.grad().to_vector(), x.detach().sum({0}).to_vector(), "broadcast gradient");
}

INSTANTIATE_TEST_SUITE_P(Threads, Large, ::testing::Values(1, 2));
