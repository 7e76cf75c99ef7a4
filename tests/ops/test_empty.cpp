// Tensors with a dim of size 0 (an empty batch) go through every op and backward: BLAS is
// never called with a zero dimension, and reductions over nothing give 0.
#include <gtest/gtest.h>

#include "descent/descent.hpp"

using namespace descent;

TEST(Empty, MatmulAndLinear) {
  Tensor a = Tensor::zeros(Shape{2, 0}, DType::f64).requires_grad_();
  Tensor b = Tensor::zeros(Shape{0, 3}, DType::f64).requires_grad_();
  Tensor y = matmul(a, b);
  EXPECT_EQ(y.shape(), Shape({2, 3}));
  EXPECT_EQ(y.to_vector(), std::vector<double>(6, 0.0));
  y.sum().backward();
  EXPECT_EQ(a.grad().shape(), Shape({2, 0}));
  EXPECT_EQ(b.grad().shape(), Shape({0, 3}));

  Tensor x = Tensor::zeros(Shape{0, 4}, DType::f64).requires_grad_();
  Tensor w = Tensor::ones(Shape{3, 4}, DType::f64).requires_grad_();
  Tensor bias = Tensor::ones(Shape{3}, DType::f64).requires_grad_();
  Tensor z = linear(x, w, bias);
  EXPECT_EQ(z.shape(), Shape({0, 3}));
  z.sum().backward();
  EXPECT_EQ(w.grad().to_vector(), std::vector<double>(12, 0.0));
  EXPECT_EQ(bias.grad().to_vector(), std::vector<double>(3, 0.0));
  EXPECT_EQ(x.grad().shape(), Shape({0, 4}));
}

TEST(Empty, ReductionsAndSoftmax) {
  Tensor e = Tensor::zeros(Shape{3, 0}, DType::f64).requires_grad_();
  EXPECT_EQ(softmax(e, 1).shape(), Shape({3, 0}));
  EXPECT_EQ(log_softmax(e, 0).shape(), Shape({3, 0}));
  EXPECT_EQ(sum(e, {1}).to_vector(), std::vector<double>(3, 0.0));
  EXPECT_EQ(sum(e).item(), 0.0);
  EXPECT_EQ(e.mean({0}).shape(), Shape({0}));
  (e * 2.0 + 1.0).sum().backward();
  EXPECT_EQ(e.grad().shape(), Shape({3, 0}));
  EXPECT_EQ(concat({e, Tensor::ones(Shape{3, 2}, DType::f64)}, 1).shape(), Shape({3, 2}));
  // Along a dim that has elements, max, min and argmax of an empty tensor are empty (as torch);
  // along the empty dim they have nothing to choose from.
  EXPECT_EQ(max(e, 0).shape(), Shape({0}));
  EXPECT_EQ(min(e, 0, true).shape(), Shape({1, 0}));
  EXPECT_EQ(argmax(e, 0).shape(), Shape({0}));
  max(e, 0).sum().backward();
  EXPECT_EQ(e.grad().shape(), Shape({3, 0}));
  EXPECT_THROW(max(e, 1), ShapeError);
}
