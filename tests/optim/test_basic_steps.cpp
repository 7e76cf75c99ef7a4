// Hand-computed first steps of SGD, Momentum and Adam, and the base's group and state logic.
#include <gtest/gtest.h>

#include <cmath>

#include "descent/descent.hpp"
#include "descent/optim/adam.hpp"
#include "descent/optim/factory.hpp"
#include "descent/optim/sgd.hpp"

using namespace descent;
using namespace descent::optim;

namespace {

Tensor param(std::initializer_list<double> v) {
  return Tensor::from_data(v, Shape{static_cast<int64_t>(v.size())}, DType::f64).requires_grad_();
}
void set_grad(Tensor& p, std::initializer_list<double> v) {
  p.set_grad(Tensor::from_data(v, Shape{static_cast<int64_t>(v.size())}, DType::f64));
}

}  // namespace

TEST(SGD, MomentumStepsByHand) {
  Tensor p = param({1.0, -2.0});
  SGD opt({p}, {.lr = 0.1, .momentum = 0.9, .weight_decay = 0.01});
  set_grad(p, {0.5, 1.0});
  opt.step();
  // g = grad + 0.01 p = (0.51, 0.98); b = g; p -= 0.1 b
  EXPECT_DOUBLE_EQ(p.at({0}), 1.0 - 0.1 * 0.51);
  EXPECT_DOUBLE_EQ(p.at({1}), -2.0 - 0.1 * 0.98);
  double p0 = p.at({0});
  opt.step();
  double g = 0.5 + 0.01 * p0, b = 0.9 * 0.51 + g;
  EXPECT_DOUBLE_EQ(p.at({0}), p0 - 0.1 * b);
}

TEST(Momentum, OriginalFormEqualsPyTorchFormAtConstantLr) {
  Tensor a = param({1.0, -2.0, 3.0}), b = param({1.0, -2.0, 3.0});
  SGD sgd({a}, {.lr = 0.05, .momentum = 0.8});
  Momentum original({b}, {.lr = 0.05, .momentum = 0.8});
  for (int t = 0; t < 20; ++t) {
    // f(x) = Σ x², grad 2x
    a.set_grad(a.detach().clone().mul_(2.0));
    b.set_grad(b.detach().clone().mul_(2.0));
    sgd.step();
    original.step();
  }
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(a.at({i}), b.at({i}), 1e-14);
}

TEST(Adam, FirstStepIsLrTimesSignOfGradient) {
  Tensor p = param({1.0, -2.0});
  Adam opt({p}, {.lr = 0.01, .eps = 0.0});
  set_grad(p, {0.3, -7.0});
  opt.step();
  EXPECT_DOUBLE_EQ(p.at({0}), 1.0 - 0.01);
  EXPECT_DOUBLE_EQ(p.at({1}), -2.0 + 0.01);
}

TEST(Adam, EfficientFormMatchesBiasCorrectedForm) {
  // With ε̂ = ε·√(1−β₂ᵗ) the forms are identical; with ε = 0 they agree at every step.
  Tensor a = param({1.0, -2.0, 0.5}), b = param({1.0, -2.0, 0.5});
  Adam adam({a}, {.lr = 0.01, .eps = 0.0});
  AdamEfficient efficient({b}, {.lr = 0.01, .eps = 0.0});
  for (int t = 0; t < 100; ++t) {
    a.set_grad(a.detach().clone().mul_(2.0));
    b.set_grad(b.detach().clone().mul_(2.0));
    adam.step();
    efficient.step();
  }
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(a.at({i}), b.at({i}), 1e-12 * std::abs(a.at({i})));
}

TEST(AdamW, DecaysWeightsBeforeTheUpdate) {
  Tensor p = param({2.0});
  AdamW opt({p}, {.lr = 0.1, .eps = 0.0, .weight_decay = 0.5});
  set_grad(p, {1.0});
  opt.step();
  EXPECT_DOUBLE_EQ(p.at({0}), 2.0 * (1.0 - 0.1 * 0.5) - 0.1);
}

TEST(Optimizer, GroupsKeepTheirOwnHyperparameters) {
  Tensor w = param({1.0}), bias = param({1.0});
  SGD opt({{.params = {w}}, {.params = {bias}, .options = {{"lr", 0.0}}}}, {.lr = 0.5});
  set_grad(w, {1.0});
  set_grad(bias, {1.0});
  opt.step();
  EXPECT_DOUBLE_EQ(w.at({0}), 0.5);
  EXPECT_DOUBLE_EQ(bias.at({0}), 1.0);
  opt.param_groups()[1].set_lr(1.0);  // as a schedule does
  opt.step();
  EXPECT_DOUBLE_EQ(bias.at({0}), 0.0);
  opt.zero_grad();
  EXPECT_FALSE(w.grad().defined());
}

TEST(Optimizer, StateDictRoundTripsAndRefusesMismatches) {
  Tensor p = param({1.0, 2.0});
  Adam opt({p}, {.lr = 0.1});
  set_grad(p, {1.0, -1.0});
  opt.step();
  OptimizerState saved = opt.state_dict();
  EXPECT_EQ(saved.state.at(0).scalars.at("step"), 1.0);

  Tensor q = param({p.at({0}), p.at({1})});
  Adam other({q}, {.lr = 0.7});
  other.load_state_dict(saved);  // lr comes back too
  set_grad(p, {0.5, 0.5});
  set_grad(q, {0.5, 0.5});
  opt.step();
  other.step();
  EXPECT_EQ(other.state_dict().state.at(0).scalars.at("step"), 2.0);
  EXPECT_DOUBLE_EQ(other.param_groups()[0].lr(), 0.1);
  EXPECT_DOUBLE_EQ(q.at({0}), p.at({0}));
  EXPECT_DOUBLE_EQ(q.at({1}), p.at({1}));

  SGD sgd({q}, {.lr = 0.1, .momentum = 0.9});
  EXPECT_THROW(sgd.load_state_dict(saved), ValueError);

  Tensor wrong = param({1.0, 2.0, 3.0});
  Adam mismatched({wrong});
  OptimizerState before = mismatched.state_dict();
  EXPECT_THROW(mismatched.load_state_dict(saved), ValueError);
  EXPECT_EQ(mismatched.state_dict().state.size(), before.state.size());
  EXPECT_DOUBLE_EQ(mismatched.param_groups()[0].lr(), 1e-3);
}
