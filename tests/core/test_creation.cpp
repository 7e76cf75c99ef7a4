// Tensor creation: zeros, ones, full, scalar, arange, from_data, uniform, normal, and the
// properties of a fresh tensor (contiguous, row-major strides, its dtype).
#include <gtest/gtest.h>

#include <cmath>

#include "descent/descent.hpp"

using namespace descent;

TEST(Creation, ZerosOnesFull) {
  const Tensor z = Tensor::zeros(Shape{2, 3});
  EXPECT_EQ(z.shape(), Shape({2, 3}));
  EXPECT_EQ(z.strides(), Shape({3, 1}));
  EXPECT_EQ(z.dtype(), DType::f32);
  EXPECT_EQ(z.numel(), 6);
  EXPECT_TRUE(z.is_contiguous());
  EXPECT_EQ(z.to_vector(), std::vector<double>(6, 0.0));
  EXPECT_EQ(Tensor::ones(Shape{4}, DType::f64).to_vector(), std::vector<double>(4, 1.0));
  const Tensor f = Tensor::full(Shape{2, 2}, -2.5, DType::f64);
  EXPECT_EQ(f.dtype(), DType::f64);
  EXPECT_EQ(f.to_vector(), std::vector<double>(4, -2.5));
  EXPECT_EQ(Tensor::full(Shape{1}, 0.1).item(), static_cast<double>(0.1f));  // rounded to float32
  EXPECT_EQ(Tensor::zeros_like(f).shape(), f.shape());
  EXPECT_EQ(Tensor::ones_like(f).dtype(), DType::f64);
}

TEST(Creation, ScalarsAndEmptyShapes) {
  const Tensor s = Tensor::scalar(3.5, DType::f64);
  EXPECT_EQ(s.dim(), 0);
  EXPECT_EQ(s.numel(), 1);
  EXPECT_EQ(s.item(), 3.5);
  const Tensor e = Tensor::zeros(Shape{0, 3});
  EXPECT_EQ(e.numel(), 0);
  EXPECT_TRUE(e.to_vector().empty());
  EXPECT_EQ(e.sum().item(), 0.0);
}

TEST(Creation, Arange) {
  EXPECT_EQ(Tensor::arange(5).to_vector(), (std::vector<double>{0, 1, 2, 3, 4}));
  EXPECT_EQ(Tensor::arange(2, 11, 3).to_vector(), (std::vector<double>{2, 5, 8}));
  EXPECT_EQ(Tensor::arange(3, 0, -1, DType::f64).to_vector(), (std::vector<double>{3, 2, 1}));
  EXPECT_EQ(Tensor::arange(0, 1, 0.25, DType::f64).to_vector(), (std::vector<double>{0, 0.25, 0.5, 0.75}));
  EXPECT_EQ(Tensor::arange(0, 1, 0.1, DType::f64).numel(), 10);  // as torch: ceil((end - start) / step)
  EXPECT_EQ(Tensor::arange(5, 5).numel(), 0);
  EXPECT_EQ(Tensor::arange(5, 0).numel(), 0);
}

TEST(Creation, FromData) {
  const Tensor t = Tensor::from_data({1, 2, 3, 4, 5, 6}, Shape{2, 3}, DType::f64);
  EXPECT_EQ(t.at({0, 0}), 1);
  EXPECT_EQ(t.at({1, 2}), 6);
  EXPECT_EQ(t.at({1, 0}), 4);
  const std::vector<float> floats = {0.5f, -1.5f};
  const Tensor f = Tensor::from_data(std::span<const float>(floats), Shape{2}, DType::f64);
  EXPECT_EQ(f.to_vector(), (std::vector<double>{0.5, -1.5}));
  EXPECT_EQ(f.values<float>(), floats);
  const std::vector<double> doubles = {1.0 / 3.0};
  EXPECT_EQ(Tensor::from_data(std::span<const double>(doubles), Shape{}, DType::f64).item(), 1.0 / 3.0);
  EXPECT_EQ(Tensor::from_data(std::span<const double>(doubles), Shape{1}).item(), static_cast<double>(1.0f / 3.0f));
}

TEST(Creation, UniformIsInRangeAndSeeded) {
  Generator a(7), b(7);
  const Tensor x = Tensor::uniform(Shape{100, 100}, -2.0, 3.0, DType::f64, &a);
  const Tensor y = Tensor::uniform(Shape{100, 100}, -2.0, 3.0, DType::f64, &b);
  EXPECT_EQ(x.to_vector(), y.to_vector());
  double lo = 1e9, hi = -1e9;
  for (double v : x.to_vector()) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  EXPECT_GE(lo, -2.0);
  EXPECT_LT(hi, 3.0);
  EXPECT_LT(lo, -1.99);
  EXPECT_GT(hi, 2.99);
  EXPECT_NEAR(x.mean().item(), 0.5, 0.05);  // std of the mean: 5/sqrt(12)/100 = 0.014
  // The first value is the generator's first uniform, scaled.
  Generator c(7);
  EXPECT_EQ(x.to_vector()[0], c.uniform(-2.0, 3.0));
}

TEST(Creation, NormalHasItsMeanAndStd) {
  Generator gen(11);
  const Tensor x = Tensor::normal(Shape{40000}, 1.5, 2.0, DType::f64, &gen);
  const double mean = x.mean().item();
  const double var = square(x - mean).mean().item();
  EXPECT_NEAR(mean, 1.5, 0.04);  // std of the mean: 2/200 = 0.01
  EXPECT_NEAR(std::sqrt(var), 2.0, 0.04);
  // float32 draws the same numbers, rounded.
  Generator again(11);
  const Tensor y = Tensor::normal(Shape{5}, 1.5, 2.0, DType::f32, &again);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(y.at({i}), static_cast<double>(static_cast<float>(x.at({i}))));
}

TEST(Creation, DefaultGeneratorFollowsManualSeed) {
  manual_seed(123);
  const Tensor a = Tensor::normal(Shape{8});
  manual_seed(123);
  const Tensor b = Tensor::normal(Shape{8});
  EXPECT_EQ(a.to_vector(), b.to_vector());
  const Tensor c = Tensor::normal(Shape{8});
  EXPECT_NE(a.to_vector(), c.to_vector());
}

TEST(Creation, InPlaceFillsOutsideAutograd) {
  Tensor t = Tensor::zeros(Shape{2, 3}, DType::f64);
  t.fill_(2.0);
  EXPECT_EQ(t.to_vector(), std::vector<double>(6, 2.0));
  t.mul_(1.5);
  EXPECT_EQ(t.to_vector(), std::vector<double>(6, 3.0));
  t.add_(Tensor::arange(3, DType::f64), -1.0);  // broadcast over rows
  EXPECT_EQ(t.to_vector(), (std::vector<double>{3, 2, 1, 3, 2, 1}));
  t.copy_(Tensor::from_data({7, 8, 9}, Shape{3}));  // broadcast, converted from float32
  EXPECT_EQ(t.to_vector(), (std::vector<double>{7, 8, 9, 7, 8, 9}));
  t.zero_();
  EXPECT_EQ(t.sum().item(), 0.0);
}
