// Version counters (as PyTorch's): a tensor saved for backward and then modified in place
// makes backward() fail, naming the op and the tensor's shape, instead of giving a silently
// wrong gradient; tensors an op does not save may be modified freely.
#include <gtest/gtest.h>

#include <string>

#include "common/scratch.hpp"
#include "descent/descent.hpp"

using namespace descent;
using descent::testing::error_of;

TEST(VersionCounter, EveryInPlaceOpBumpsTheVersionOfTheStorage) {
  Tensor t = Tensor::zeros(Shape{2, 3});
  EXPECT_EQ(t.version(), 0u);
  t.add_(Tensor::ones(Shape{2, 3}));
  t.mul_(2.0);
  t.fill_(1.0);
  t.copy_(Tensor::ones(Shape{3}));
  t.zero_();
  t.uniform_(0.0, 1.0);
  t.normal_(0.0, 1.0);
  EXPECT_EQ(t.version(), 7u);
}

TEST(VersionCounter, ViewsShareTheVersionOfTheirStorage) {
  Tensor t = Tensor::zeros(Shape{2, 3});
  Tensor row = t.reshape(Shape{6});
  row.mul_(3.0);
  EXPECT_EQ(t.version(), 1u);
  EXPECT_EQ(Tensor::zeros(Shape{6}).version(), 0u);
}

TEST(VersionCounter, ModifyingASavedInputFailsBackwardNamingTheOpAndShape) {
  Tensor x = Tensor::ones(Shape{2, 3}, DType::f64).requires_grad_();
  Tensor y = Tensor::full(Shape{2, 3}, 2.0, DType::f64);
  Tensor loss = (x * y).sum();
  y.add_(Tensor::ones(Shape{2, 3}, DType::f64));
  EXPECT_EQ(error_of<Error>([&] { loss.backward(); }),
            "one of the tensors needed for the gradient of mul was modified in place after it was saved "
            "(shape [2, 3]): version 1, expected 0");
}

TEST(VersionCounter, ALeafUpdatedBeforeBackwardFails) {
  // The optimizer-step-before-backward mistake: x * x saved x.
  Tensor x = Tensor::from_data({1.0, 2.0}, Shape{2}, DType::f64).requires_grad_();
  Tensor loss = (x * x).sum();
  {
    NoGradGuard no_grad;
    x.mul_(0.5);
  }
  EXPECT_NE(error_of<Error>([&] { loss.backward(); }).find("gradient of mul was modified in place"), std::string::npos);
}

TEST(VersionCounter, ModifyingASavedOutputFails) {
  Tensor x = Tensor::from_data({0.0, 1.0}, Shape{2}, DType::f64).requires_grad_();
  Tensor y = exp(x);  // exp saves its output
  Tensor loss = y.sum();
  {
    NoGradGuard no_grad;
    y.mul_(2.0);
  }
  EXPECT_EQ(error_of<Error>([&] { loss.backward(); }),
            "one of the tensors needed for the gradient of exp was modified in place after it was saved "
            "(shape [2]): version 1, expected 0");
}

TEST(VersionCounter, TensorsThatAreNotSavedMayBeModified) {
  Tensor x = Tensor::ones(Shape{3}, DType::f64).requires_grad_();
  Tensor y = Tensor::ones(Shape{3}, DType::f64);
  Tensor loss = (x + y).sum();  // add saves nothing
  y.mul_(5.0);
  loss.backward();
  for (double g : x.grad().to_vector()) EXPECT_DOUBLE_EQ(g, 1.0);
}

TEST(VersionCounter, ModifyingAfterBackwardAndRecomputingIsFine) {
  Tensor x = Tensor::from_data({3.0}, Shape{1}, DType::f64).requires_grad_();
  (x * x).sum().backward();
  {
    NoGradGuard no_grad;
    x.add_(Tensor::ones(Shape{1}, DType::f64));
  }
  x.zero_grad();
  (x * x).sum().backward();
  EXPECT_DOUBLE_EQ(x.grad().item(), 8.0);
}
