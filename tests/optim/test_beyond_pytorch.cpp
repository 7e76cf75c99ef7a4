// The optimizers beyond torch.optim against steps computed by hand from their papers.
#include <gtest/gtest.h>

#include <cmath>

#include "descent/descent.hpp"
#include "descent/optim/adam_variants.hpp"
#include "descent/optim/factory.hpp"
#include "descent/optim/lamb.hpp"
#include "descent/optim/lion.hpp"
#include "descent/optim/lookahead.hpp"
#include "descent/optim/schedule_free.hpp"
#include "descent/optim/sgd.hpp"
#include "descent/optim/sign_adaptive.hpp"
#include "descent/optim/swats.hpp"

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

TEST(Lion, StepsBySignOfInterpolatedMomentum) {
  Tensor p = param({1.0, -1.0});
  Lion opt({p}, {.lr = 0.1, .betas = {0.9, 0.99}, .weight_decay = 0.5});
  set_grad(p, {2.0, -3.0});
  opt.step();  // c = 0.1·g → sign(g); θ ← θ(1 − 0.05) − 0.1·sign(g)
  EXPECT_DOUBLE_EQ(p.at({0}), 0.95 - 0.1);
  EXPECT_DOUBLE_EQ(p.at({1}), -0.95 + 0.1);
  // m = 0.01·g = (0.02, −0.03); with g = (−1, 1): c = 0.9·m + 0.1·g = (−0.082, 0.073) → (−1, +1)
  set_grad(p, {-1.0, 1.0});
  double p0 = p.at({0}), p1 = p.at({1});
  opt.step();
  EXPECT_DOUBLE_EQ(p.at({0}), p0 * 0.95 + 0.1);
  EXPECT_DOUBLE_EQ(p.at({1}), p1 * 0.95 - 0.1);
}

TEST(AdaBelief, FirstStepByHand) {
  Tensor p = param({1.0});
  const double lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-8, g = 2.0;
  AdaBelief opt({p}, {.lr = lr, .eps = eps});
  set_grad(p, {g});
  opt.step();
  double m = (1 - b1) * g, s = (1 - b2) * (g - m) * (g - m) + eps;
  double expected = 1.0 - lr / (1 - b1) * m / (std::sqrt(s) / std::sqrt(1 - b2) + eps);
  EXPECT_NEAR(p.at({0}), expected, 1e-15);
}

TEST(LAMB, FirstStepScalesByTrustRatio) {
  Tensor p = param({3.0, 4.0});  // ‖θ‖ = 5
  LAMB opt({p}, {.lr = 0.1, .eps = 0.0, .weight_decay = 0.0});
  set_grad(p, {0.5, -2.0});
  opt.step();  // r = m̂/√v̂ = sign(g) = (1, −1), ‖r‖ = √2, trust = 5/√2
  const double step = 0.1 * 5.0 / std::sqrt(2.0);
  EXPECT_NEAR(p.at({0}), 3.0 - step, 1e-14);
  EXPECT_NEAR(p.at({1}), 4.0 + step, 1e-14);
}

TEST(SWATS, SwitchesToSgdWhenTheProjectionSettles) {
  // On a linear function every Adam step has the same projection, γ = α/|g|, so the
  // bias-corrected average equals γ at step 2 and SWATS switches with Λ = α/|g|.
  Tensor p = param({0.0});
  const double lr = 0.01, beta1 = 0.9, g = 4.0;
  SWATS opt({p}, {.lr = lr, .eps = 0.0});
  for (int t = 0; t < 2; ++t) {
    set_grad(p, {g});
    opt.step();
  }
  OptimizerState s = opt.state_dict();
  EXPECT_EQ(s.state.at(0).scalars.at("phase"), 1.0);
  EXPECT_NEAR(s.state.at(0).scalars.at("sgd_lr"), lr / g, 1e-12);
  EXPECT_NEAR(p.at({0}), -2 * lr, 1e-12);  // two Adam steps of exactly α
  // SGD phase: v = g, θ ← θ − (1−β₁)·Λ·v.
  set_grad(p, {g});
  opt.step();
  EXPECT_NEAR(p.at({0}), -2 * lr - (1 - beta1) * (lr / g) * g, 1e-12);
}

TEST(AdaptiveGains, GainGrowsWhileSignHoldsAndShrinksOnAFlip) {
  Tensor p = param({0.0});
  const double lr = 0.1, beta = 0.2;
  AdaptiveGains opt({p}, {.lr = lr, .beta = beta});
  set_grad(p, {1.0});
  opt.step();  // no previous gradient: gain stays 1
  EXPECT_DOUBLE_EQ(p.at({0}), -lr);
  set_grad(p, {1.0});
  opt.step();  // same sign: gain 1 + β
  EXPECT_DOUBLE_EQ(p.at({0}), -lr - lr * (1 + beta));
  set_grad(p, {-1.0});
  opt.step();  // flipped: gain (1 + β)(1 − β)
  EXPECT_DOUBLE_EQ(p.at({0}), -lr - lr * (1 + beta) + lr * (1 + beta) * (1 - beta));
}

TEST(Momentum, OriginalFormKeepsOldLearningRatesInTheVelocity) {
  // After an lr change the two forms differ: v = βv − αg carries the old α.
  Tensor a = param({0.0}), b = param({0.0});
  SGD sgd({a}, {.lr = 0.1, .momentum = 0.5});
  Momentum original({b}, {.lr = 0.1, .momentum = 0.5});
  set_grad(a, {1.0});
  set_grad(b, {1.0});
  sgd.step();
  original.step();
  sgd.param_groups()[0].set_lr(0.2);
  original.param_groups()[0].set_lr(0.2);
  set_grad(a, {1.0});
  set_grad(b, {1.0});
  sgd.step();       // buf = 0.5 + 1 = 1.5; θ = −0.1 − 0.2·1.5 = −0.4
  original.step();  // v = 0.5·(−0.1) − 0.2 = −0.25; θ = −0.1 − 0.25 = −0.35
  EXPECT_DOUBLE_EQ(a.at({0}), -0.4);
  EXPECT_DOUBLE_EQ(b.at({0}), -0.35);
}

TEST(Lookahead, SlowWeightsPullBackEveryKSteps) {
  Tensor p = param({0.0});
  auto opt = make_optimizer("lookahead(sgd:lr=0.1):k=2,alpha=0.5", std::vector<Tensor>{p});
  set_grad(p, {1.0});
  opt->step();
  EXPECT_DOUBLE_EQ(p.at({0}), -0.1);  // a fast step
  opt->step();                        // fast to −0.2, then φ = 0 + 0.5(−0.2 − 0) = −0.1, θ = φ
  EXPECT_DOUBLE_EQ(p.at({0}), -0.1);
  opt->param_groups()[0].set_lr(1.0);  // a schedule on lookahead's groups reaches the inner SGD
  opt->step();
  EXPECT_DOUBLE_EQ(p.at({0}), -1.1);
}

TEST(Lookahead, StateDictRoundTripsInnerAndSlowWeights) {
  Tensor p = param({1.0, 2.0}), q = param({1.0, 2.0});
  auto a = make_optimizer("lookahead(adam:lr=0.1):k=3", std::vector<Tensor>{p});
  auto b = make_optimizer("lookahead(adam:lr=0.1):k=3", std::vector<Tensor>{q});
  for (int t = 0; t < 2; ++t) {
    set_grad(p, {1.0, -1.0});
    a->step();
  }
  b->load_state_dict(a->state_dict());
  q.detach().copy_(p.detach());
  for (int t = 0; t < 4; ++t) {
    set_grad(p, {0.5, 0.25});
    set_grad(q, {0.5, 0.25});
    a->step();
    b->step();
  }
  EXPECT_DOUBLE_EQ(p.at({0}), q.at({0}));
  EXPECT_DOUBLE_EQ(p.at({1}), q.at({1}));
  auto sgd_inside = make_optimizer("lookahead(sgd:lr=0.1)", std::vector<Tensor>{q});
  EXPECT_THROW(sgd_inside->load_state_dict(a->state_dict()), ValueError);
}

TEST(ScheduleFreeAdamW, FirstStepAndTrainEvalSwitch) {
  Tensor p = param({1.0, -2.0});
  const double lr = 0.1, beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  ScheduleFreeAdamW opt({p}, {.lr = lr});
  set_grad(p, {0.5, 3.0});
  opt.step();
  // c₁ = 1: y = z = z₀ − γ₁·g/(√v + ε) with γ₁ = lr·√(1−β₂), v = (1−β₂)g².
  const double gamma = lr * std::sqrt(1 - beta2);
  const double u0 = 0.5 / (std::sqrt((1 - beta2) * 0.25) + eps), u1 = 3.0 / (std::sqrt((1 - beta2) * 9.0) + eps);
  EXPECT_NEAR(p.at({0}), 1.0 - gamma * u0, 1e-14);
  EXPECT_NEAR(p.at({1}), -2.0 - gamma * u1, 1e-14);
  // A second step separates y from z; eval() moves to x = y + (1 − 1/β₁)(z − y), train() back.
  set_grad(p, {0.5, 3.0});
  opt.step();
  const double y0 = p.at({0});
  const double z0 = opt.state_dict().state.at(0).buffers.at("z").at({0});
  opt.eval();
  EXPECT_NEAR(p.at({0}), y0 + (1 - 1 / beta1) * (z0 - y0), 1e-14);
  EXPECT_THROW(opt.step(), Error);
  opt.train();
  EXPECT_NEAR(p.at({0}), y0, 1e-14);
}
