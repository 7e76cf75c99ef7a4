// The backward walk: accumulation, reuse of a value, broadcasting, long chains, errors.
#include <gtest/gtest.h>

#include "descent/descent.hpp"

using namespace descent;

TEST(Backward, ValueUsedTwiceGetsBothContributions) {
  Tensor x = Tensor::from_data({3.0}, Shape{}, DType::f64).requires_grad_();
  Tensor y = x * x + x;  // dy/dx = 2x + 1 = 7
  y.backward();
  EXPECT_DOUBLE_EQ(x.grad().item(), 7.0);
}

TEST(Backward, GradientsAccumulateAcrossCalls) {
  Tensor x = Tensor::from_data({2.0}, Shape{1}, DType::f64).requires_grad_();
  (x * 3.0).sum().backward();
  (x * 3.0).sum().backward();
  EXPECT_DOUBLE_EQ(x.grad().item(), 6.0);
  x.zero_grad();
  EXPECT_FALSE(x.grad().defined());
}

TEST(Backward, BroadcastReducesToInputShape) {
  Tensor a = Tensor::ones(Shape{4, 3}, DType::f64).requires_grad_();
  Tensor b = Tensor::ones(Shape{3}, DType::f64).requires_grad_();
  (a + b).sum().backward();
  EXPECT_EQ(b.grad().shape(), Shape({3}));
  for (double v : b.grad().to_vector()) EXPECT_DOUBLE_EQ(v, 4.0);
}

TEST(Backward, ChainOfOneHundredThousandOps) {
  Tensor x = Tensor::from_data({1.0}, Shape{1}, DType::f64).requires_grad_();
  Tensor y = x;
  for (int i = 0; i < 100000; ++i) y = y + 1e-6;
  y.sum().backward();
  EXPECT_DOUBLE_EQ(x.grad().item(), 1.0);
}

TEST(Backward, NonScalarNeedsExplicitGradient) {
  Tensor x = Tensor::ones(Shape{2, 2}).requires_grad_();
  Tensor y = x * 2.0;
  EXPECT_THROW(y.backward(), ShapeError);
  y.backward(Tensor::ones(Shape{2, 2}));
  EXPECT_FLOAT_EQ(x.grad().to_vector()[0], 2.0f);
}

TEST(Backward, TensorWithoutGradThrows) {
  Tensor x = Tensor::ones(Shape{2});
  EXPECT_THROW(x.sum().backward(), Error);
}

TEST(Backward, GraphIsFreedUnlessRetained) {
  Tensor x = Tensor::ones(Shape{2}, DType::f64).requires_grad_();
  Tensor y = (x * x).sum();
  y.backward(Tensor(), /*retain_graph=*/true);
  y.backward();
  EXPECT_DOUBLE_EQ(x.grad().to_vector()[0], 4.0);
  EXPECT_THROW(y.backward(), Error);
}

TEST(Backward, NoGradGuardRecordsNothing) {
  Tensor x = Tensor::ones(Shape{2}).requires_grad_();
  NoGradGuard guard;
  Tensor y = x * 2.0;
  EXPECT_FALSE(y.requires_grad());
  EXPECT_EQ(y.grad_fn(), nullptr);
}

TEST(Backward, DetachCutsHistory) {
  Tensor x = Tensor::ones(Shape{2}).requires_grad_();
  Tensor y = (x * 2.0).detach();
  EXPECT_FALSE(y.requires_grad());
}

TEST(Backward, RetainGradKeepsIntermediateGradient) {
  Tensor x = Tensor::from_data({2.0}, Shape{1}, DType::f64).requires_grad_();
  Tensor h = x * 3.0;
  h.retain_grad();
  (h * h).sum().backward();
  EXPECT_DOUBLE_EQ(h.grad().item(), 12.0);  // 2h
  EXPECT_DOUBLE_EQ(x.grad().item(), 36.0);  // 2h * 3
}

TEST(Backward, InPlaceOnLeafThatRequiresGradIsRefused) {
  Tensor x = Tensor::ones(Shape{2}).requires_grad_();
  EXPECT_THROW(x.mul_(2.0), Error);
  NoGradGuard guard;
  x.mul_(2.0);
  EXPECT_FLOAT_EQ(x.to_vector()[0], 2.0f);
}

TEST(Gradcheck, DetectsAWrongGradient) {
  // A hand-built op whose backward is deliberately wrong (factor 2 missing).
  auto bad_square = [](const std::vector<Tensor>& in) {
    Tensor out = in[0].detach() * in[0].detach();
    return record(out, "bad_square", {in[0]},
                  [a = in[0].detach()](Node& n, const Tensor& g) { n.accumulate(0, g * a); });
  };
  GradcheckResult r = gradcheck(bad_square, {Tensor::normal(Shape{3}, 0, 1, DType::f64)});
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.message.find("analytic"), std::string::npos);
}
