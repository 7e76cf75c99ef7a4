// The Tensor methods and free factories LibTorch users reach for (x.relu(), x.sum(1),
// x.item<float>(), descent::randn({4, 2}), ...): each is a thin call onto an op, so each is
// checked to give exactly what that op gives.
#include <gtest/gtest.h>

#include <cstdint>

#include "descent/descent.hpp"

using namespace descent;

namespace {

Tensor sample(uint64_t seed, Shape shape = {3, 4}) {
  Generator gen(seed);
  return Tensor::normal(shape, 0.0, 1.0, DType::f64, &gen);
}

void expect_same(const Tensor& from_method, const Tensor& from_op) {
  EXPECT_EQ(from_method.shape(), from_op.shape());
  EXPECT_EQ(from_method.dtype(), from_op.dtype());
  EXPECT_EQ(from_method.to_vector(), from_op.to_vector());
}

}  // namespace

TEST(TensorMethods, ActivationsAndSoftmaxAsTheirOps) {
  const Tensor x = sample(1);
  expect_same(x.relu(), relu(x));
  expect_same(x.sigmoid(), sigmoid(x));
  expect_same(x.tanh(), tanh(x));
  expect_same(x.softmax(1), softmax(x, 1));
  expect_same(x.softmax(0), softmax(x, 0));
  expect_same(x.log_softmax(1), log_softmax(x, 1));
  expect_same(x.log_softmax(-2), log_softmax(x, -2));
}

TEST(TensorMethods, ElementwiseMathAsTheirOps) {
  const Tensor x = sample(2);
  expect_same(x.square(), square(x));
  expect_same(x.abs().sqrt(), sqrt(abs(x)));
  expect_same(x.clamp(-0.5, 0.5), clamp(x, -0.5, 0.5));
  expect_same(x.clamp(0.0), clamp(x, 0.0, std::nullopt));
  expect_same(x.clamp(std::nullopt, 0.25), clamp(x, std::nullopt, 0.25));
  expect_same(x.clamp_min(-0.1), clamp(x, -0.1, std::nullopt));
  expect_same(x.clamp_max(0.1), clamp(x, std::nullopt, 0.1));
  EXPECT_THROW(x.clamp(1.0, -1.0), ValueError);
}

TEST(TensorMethods, ReductionsOverOneDimAsOverAList) {
  const Tensor x = sample(3, {2, 3, 4});
  for (int dim : {0, 1, 2, -1}) {
    for (bool keepdim : {false, true}) {
      expect_same(x.sum(dim, keepdim), sum(x, {dim}, keepdim));
      expect_same(x.mean(dim, keepdim), mean(x, {dim}, keepdim));
    }
  }
  // A braced list still picks the list overload.
  expect_same(x.sum({0, 2}), sum(x, {0, 2}));
  expect_same(x.mean({1}), mean(x, {1}));
  EXPECT_EQ(x.sum(1).shape(), Shape({2, 4}));
}

TEST(TensorMethods, ItemAsAnyArithmeticType) {
  const Tensor t = Tensor::scalar(3.75, DType::f64);
  EXPECT_EQ(t.item<double>(), 3.75);
  EXPECT_EQ(t.item<float>(), 3.75f);
  EXPECT_EQ(t.item<int64_t>(), 3);
  EXPECT_EQ(Tensor::full(Shape{1, 1}, -2.0).item<int>(), -2);
  EXPECT_THROW(Tensor::zeros(Shape{2}).item<float>(), Error);
}

TEST(TensorMethods, MethodsRecordTheirGradient) {
  // Thin calls onto differentiable ops: the gradient is the op's (gradchecked in tests/ops).
  Tensor via_method = sample(4).requires_grad_();
  Tensor via_op = sample(4).requires_grad_();
  via_method.clamp(-1.0, 1.0).square().relu().log_softmax(1).sum(0).mean().backward();
  mean(sum(log_softmax(relu(square(clamp(via_op, -1.0, 1.0))), 1), {0})).backward();
  EXPECT_EQ(via_method.grad().to_vector(), via_op.grad().to_vector());
}

TEST(TensorFactories, FreeFunctionsAsTheStaticOnes) {
  expect_same(zeros({2, 3}), Tensor::zeros(Shape{2, 3}));
  expect_same(ones({4}, DType::f64), Tensor::ones(Shape{4}, DType::f64));
  expect_same(full({2, 2}, -1.5), Tensor::full(Shape{2, 2}, -1.5));
  expect_same(arange(10), Tensor::arange(10));
  expect_same(arange(1.0, 2.0, 0.25, DType::f64), Tensor::arange(1.0, 2.0, 0.25, DType::f64));
  EXPECT_EQ(empty({3, 1}).shape(), Shape({3, 1}));
  const Tensor x = sample(5);
  expect_same(zeros_like(x), Tensor::zeros_like(x));
  expect_same(ones_like(x), Tensor::ones_like(x));
  expect_same(full_like(x, 7.0), Tensor::full(x.shape(), 7.0, DType::f64));
  EXPECT_EQ(empty_like(x).shape(), x.shape());
}

TEST(TensorFactories, RandomFactoriesDrawAsUniformAndNormal) {
  Generator a(6), b(6);
  expect_same(randn({4, 2}, DType::f64, &a), Tensor::normal(Shape{4, 2}, 0.0, 1.0, DType::f64, &b));
  expect_same(rand({5}, DType::f32, &a), Tensor::uniform(Shape{5}, 0.0, 1.0, DType::f32, &b));
  const Tensor like = Tensor::zeros(Shape{3, 2}, DType::f64);
  expect_same(randn_like(like, &a), Tensor::normal(Shape{3, 2}, 0.0, 1.0, DType::f64, &b));
  expect_same(rand_like(like, &a), Tensor::uniform(Shape{3, 2}, 0.0, 1.0, DType::f64, &b));
  EXPECT_EQ(randn({4, 2}).dtype(), DType::f32);  // the default generator
  EXPECT_EQ(rand({4, 2}).shape(), Shape({4, 2}));
}
