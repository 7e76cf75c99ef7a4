// Sequential runs a ReLU followed by a MaxPool2d as the pooling first, then the ReLU: the
// output and the gradient reaching the input must be the same bits as ReLU then pooling, on
// inputs with ties, all-negative windows, signed zeros and NaNs, in float and double, with
// 2 x 2 windows (the fast path) and overlapping, padded ones.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <memory>
#include <span>
#include <vector>

#include "descent/nn/layers.hpp"
#include "descent/nn/pooling.hpp"
#include "descent/ops/conv.hpp"
#include "descent/ops/ops.hpp"

using namespace descent;

namespace {

// Values with many ties and non-positive windows: small integers from -3 to 2, some -0.0,
// one NaN.
std::vector<double> awkward_values(int64_t n) {
  std::vector<double> v(static_cast<std::size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[static_cast<std::size_t>(i)] = static_cast<double>((i * 7 + i / 5) % 6) - 3.0;
  v[3] = -0.0;
  v[10] = 0.0;
  v[17] = std::numeric_limits<double>::quiet_NaN();
  return v;
}

void expect_same_bits(const Tensor& a, const Tensor& b) {
  ASSERT_EQ(a.shape(), b.shape());
  const std::vector<double> x = a.to_vector(), y = b.to_vector();
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (std::isnan(x[i])) {
      EXPECT_TRUE(std::isnan(y[i])) << "element " << i;
    } else {
      EXPECT_EQ(x[i], y[i]) << "element " << i;
      EXPECT_EQ(std::signbit(x[i]), std::signbit(y[i])) << "element " << i;
    }
  }
}

void check(DType dtype, Pair kernel, Pair stride, Pair padding) {
  const Shape shape{2, 3, 7, 8};
  const std::vector<double> values = awkward_values(shape.numel());
  Tensor x1 = Tensor::from_data(std::span<const double>(values), shape, dtype).requires_grad_();
  Tensor x2 = Tensor::from_data(std::span<const double>(values), shape, dtype).requires_grad_();
  Sequential fused(std::make_shared<ReLU>(), std::make_shared<MaxPool2d>(kernel, stride, padding));
  const Tensor y1 = fused.forward(x1);
  const Tensor y2 = max_pool2d(relu(x2), kernel, stride, padding);
  expect_same_bits(y1, y2);
  const std::vector<double> gv = awkward_values(y1.numel());
  const Tensor g = Tensor::from_data(std::span<const double>(gv), y1.shape(), dtype);
  sum(mul(y1, g)).backward();
  sum(mul(y2, g)).backward();
  expect_same_bits(x1.grad(), x2.grad());
}

TEST(ReluPoolOrder, SameBitsAsReluThenPool) {
  for (DType dtype : {DType::f32, DType::f64}) {
    check(dtype, Pair(2), Pair(2), Pair(0));  // 2 x 2 windows
    check(dtype, Pair(3), Pair(2), Pair(1));  // overlapping, padded
  }
}

}  // namespace
