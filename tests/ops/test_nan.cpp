// NaN propagates as in torch: a NaN input gives a NaN output (so a diverging run shows NaN
// in its loss instead of a plausible number), and max/argmax pick the NaN.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "descent/descent.hpp"

using namespace descent;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// x = [1, nan, 3, -1] in each dtype.
Tensor with_nan(DType dtype) { return Tensor::from_data({1.0, kNaN, 3.0, -1.0}, Shape{4}, dtype); }

void expect_nan_only_at_1(const Tensor& t, const char* op) {
  const std::vector<double> v = t.to_vector();
  for (std::size_t i = 0; i < v.size(); ++i) EXPECT_EQ(std::isnan(v[i]), i == 1) << op << " element " << i;
}

}  // namespace

TEST(NaN, ElementwiseOpsPropagateIt) {
  for (DType dtype : {DType::f32, DType::f64}) {
    const Tensor x = with_nan(dtype);
    const Tensor zero = Tensor::zeros(Shape{4}, dtype);
    expect_nan_only_at_1(relu(x), "relu");
    expect_nan_only_at_1(leaky_relu(x), "leaky_relu");
    expect_nan_only_at_1(maximum(x, zero), "maximum");
    expect_nan_only_at_1(maximum(zero, x), "maximum (NaN second)");
    expect_nan_only_at_1(minimum(zero, x), "minimum");
    expect_nan_only_at_1(clamp(x, 0.0, 2.0), "clamp");
    expect_nan_only_at_1(sigmoid(x), "sigmoid");
    expect_nan_only_at_1(tanh(x), "tanh");
    expect_nan_only_at_1(gelu(x), "gelu");
    expect_nan_only_at_1(gelu(x, true), "gelu tanh");
    expect_nan_only_at_1(softplus(x), "softplus");
    expect_nan_only_at_1(exp(x), "exp");
    expect_nan_only_at_1(abs(x), "abs");
    expect_nan_only_at_1(x * 2.0 + 1.0, "affine");
  }
}

TEST(NaN, ReductionsAndSoftmaxPropagateIt) {
  for (DType dtype : {DType::f32, DType::f64}) {
    const Tensor x = with_nan(dtype);
    EXPECT_TRUE(std::isnan(max(x).item()));
    EXPECT_TRUE(std::isnan(max(x, 0).item()));
    EXPECT_TRUE(std::isnan(min(x, 0).item()));
    EXPECT_EQ(argmax(x, 0).item(), 1.0);
    EXPECT_TRUE(std::isnan(sum(x).item()));
    for (double v : softmax(x, 0).to_vector()) EXPECT_TRUE(std::isnan(v));
    for (double v : log_softmax(x, 0).to_vector()) EXPECT_TRUE(std::isnan(v));
  }
}

// max_pool2d picks a window's NaN, the last one when there are several (ATen: a value takes
// over when larger or NaN), and its gradient goes there; in the 2x2 kernel and the general one.
TEST(NaN, MaxPoolPicksTheLastNaNOfAWindow) {
  // Two 2x2 windows side by side: [1 nan; 3 2] and [nan 5; nan 1]; a third plane row below.
  const std::vector<double> values = {1.0, kNaN, kNaN, 5.0, 3.0, 2.0, kNaN, 1.0, 0.0, 0.0, 0.0, 0.0};
  for (DType dtype : {DType::f32, DType::f64}) {
    for (Pair stride : {Pair(2), Pair(2, 3)}) {  // (2, 3): the general kernel, one window wide
      Tensor x = Tensor::from_data(values, Shape{1, 1, 3, 4}, dtype).requires_grad_();
      const Tensor y = max_pool2d(x, 2, stride);
      y.backward(Tensor::ones(y.shape(), dtype));
      const std::vector<double> grad = x.grad().to_vector();
      EXPECT_TRUE(std::isnan(y.to_vector()[0]));
      EXPECT_EQ(grad[1], 1.0);  // the first window's NaN
      if (stride == Pair(2)) {
        EXPECT_EQ(grad[6], 1.0);  // the second window's last NaN, not its first (element 2)
        EXPECT_EQ(grad[2], 0.0);
      }
    }
  }
}
