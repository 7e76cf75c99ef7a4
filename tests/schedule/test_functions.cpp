// The pure schedules (Keras's forms, the seeds', warmups) against the closed forms their
// documentation states, evaluated by hand at telling steps; and FunctionLR driving groups.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "helpers.hpp"

using namespace descent;
using namespace descent::optim;
using descent::testing::lrs_of;
using descent::testing::two_group_optimizer;

namespace {

constexpr double kRelTol = 1e-14;
constexpr double lr0 = 0.1;

#define EXPECT_REL(got, want) EXPECT_NEAR(got, want, kRelTol* std::abs(want))

TEST(ExponentialDecay, ContinuousAndStaircase) {
  EXPECT_REL(exponential_decay({.decay_steps = 100, .decay_rate = 0.5})(lr0, 0), lr0);
  EXPECT_REL(exponential_decay({.decay_steps = 100, .decay_rate = 0.5})(lr0, 250), lr0 * std::pow(0.5, 2.5));
  EXPECT_REL(exponential_decay({.decay_steps = 100, .decay_rate = 0.5, .staircase = true})(lr0, 250), lr0 * 0.25);
  EXPECT_REL(exponential_decay({.decay_steps = 100, .decay_rate = 0.5, .staircase = true})(lr0, 99), lr0);
}

TEST(PiecewiseConstantDecay, BoundariesBelongToTheEarlierPiece) {
  auto f = piecewise_constant_decay({.boundaries = {100, 200}, .values = {1.0, 0.5, 0.1}});
  EXPECT_EQ(f(lr0, 0), 1.0);
  EXPECT_EQ(f(lr0, 100), 1.0);
  EXPECT_EQ(f(lr0, 101), 0.5);
  EXPECT_EQ(f(lr0, 200), 0.5);
  EXPECT_EQ(f(lr0, 201), 0.1);
  EXPECT_THROW(piecewise_constant_decay({.boundaries = {100, 200}, .values = {1.0, 0.5}}), ValueError);
  EXPECT_THROW(piecewise_constant_decay({.boundaries = {200, 100}, .values = {1.0, 0.5, 0.1}}), ValueError);
}

TEST(PolynomialDecay, CappedOrCycling) {
  auto f = polynomial_decay({.decay_steps = 100, .end_lr = 0.01, .power = 2.0});
  EXPECT_REL(f(lr0, 0), lr0);
  EXPECT_REL(f(lr0, 50), (lr0 - 0.01) * 0.25 + 0.01);
  EXPECT_REL(f(lr0, 150), 0.01);
  auto c = polynomial_decay({.decay_steps = 100, .end_lr = 0.01, .power = 2.0, .cycle = true});
  EXPECT_REL(c(lr0, 150), (lr0 - 0.01) * 0.0625 + 0.01);  // decay_steps grows to 200: (1 − 0.75)²
  EXPECT_REL(c(lr0, 100), 0.01);
}

TEST(InverseTimeDecay, ContinuousAndStaircase) {
  EXPECT_REL(inverse_time_decay({.decay_steps = 10, .decay_rate = 0.5})(lr0, 25), lr0 / (1 + 0.5 * 2.5));
  EXPECT_REL(inverse_time_decay({.decay_steps = 10, .decay_rate = 0.5, .staircase = true})(lr0, 25), lr0 / 2.0);
}

TEST(CosineDecay, AlphaFloorAndWarmupTarget) {
  auto f = cosine_decay({.decay_steps = 100, .alpha = 0.1});
  EXPECT_REL(f(lr0, 0), lr0);
  EXPECT_REL(f(lr0, 50), lr0 * (0.9 * 0.5 + 0.1));
  EXPECT_REL(f(lr0, 100), lr0 * 0.1);
  EXPECT_REL(f(lr0, 500), lr0 * 0.1);
  auto w = cosine_decay({.decay_steps = 100, .alpha = 0.0, .warmup_steps = 10, .warmup_target = 1.0});
  EXPECT_REL(w(lr0, 5), 0.55);  // halfway from 0.1 to 1.0
  EXPECT_REL(w(lr0, 10), 1.0);
  EXPECT_REL(w(lr0, 60), 0.5);
  EXPECT_THROW(cosine_decay({.decay_steps = 100, .alpha = 0.0, .warmup_steps = 10}),
               ValueError);  // warmup without a target
}

TEST(CosineDecayRestarts, PeriodsGrowAndPeaksShrink) {
  auto f = cosine_decay_restarts({.first_decay_steps = 100, .t_mul = 2.0, .m_mul = 0.5});
  EXPECT_REL(f(lr0, 0), lr0);
  EXPECT_REL(f(lr0, 50), lr0 * 0.5);
  EXPECT_REL(f(lr0, 100), lr0 * 0.5);   // first restart: peak × m_mul
  EXPECT_REL(f(lr0, 200), lr0 * 0.25);  // halfway through the 200-step second period
  EXPECT_REL(f(lr0, 300), lr0 * 0.25);  // second restart
  auto g = cosine_decay_restarts({.first_decay_steps = 100, .t_mul = 1.0, .m_mul = 1.0, .alpha = 0.2});
  EXPECT_REL(g(lr0, 150), lr0 * (0.8 * 0.5 + 0.2));
}

TEST(InverseSqrtDecay, WarmupThenOneOverRootT) {
  auto f = inverse_sqrt_decay({.warmup_steps = 400});
  EXPECT_EQ(f(lr0, 0), 0.0);
  EXPECT_REL(f(lr0, 100), lr0 * 0.25);
  EXPECT_REL(f(lr0, 400), lr0);
  EXPECT_REL(f(lr0, 1600), lr0 * 0.5);
}

TEST(SeedForms, NaturalExpAndHalving) {
  EXPECT_REL(natural_exp_decay({.k = 0.01})(lr0, 100), lr0 * std::exp(-1.0));
  auto h = halving({.every = 10});
  EXPECT_EQ(h(lr0, 9), lr0);
  EXPECT_EQ(h(lr0, 10), lr0 / 2);
  EXPECT_EQ(h(lr0, 35), lr0 / 8);
}

TEST(Warmup, LinearAndExponential) {
  EXPECT_REL(warmup({.steps = 10, .start_factor = 0.1})(lr0, 5), lr0 * 0.55);
  EXPECT_REL(warmup({.steps = 10, .start_factor = 0.1})(lr0, 50), lr0);
  EXPECT_REL(warmup({.steps = 10, .mode = "exponential", .start_factor = 0.01})(lr0, 5), lr0 * 0.1);
  EXPECT_REL(warmup({.steps = 10, .mode = "exponential", .start_factor = 0.01})(lr0, 0), lr0 * 0.01);
  EXPECT_THROW(warmup({.steps = 10, .mode = "exponential", .start_factor = 0.0}), ValueError);
  EXPECT_THROW(warmup({.steps = 10, .mode = "cubic", .start_factor = 0.1}), ValueError);
}

TEST(FunctionLR, DrivesEveryGroupFromItsOwnBaseLr) {
  auto o = two_group_optimizer("sgd", 0.1, 0.03);
  auto s = make_scheduler("exponential_decay:decay_steps=10,decay_rate=0.5", *o);
  for (int i = 0; i < 20; ++i) s->step();
  EXPECT_REL(lrs_of(*o)[0], 0.1 * 0.25);
  EXPECT_REL(lrs_of(*o)[1], 0.03 * 0.25);
}

TEST(FunctionLR, WarmupHandsOverToTheNextScheduleAtItsStepZero) {
  auto o = two_group_optimizer("sgd");
  auto s = make_scheduler("warmup:steps=4,start_factor=0.5+halving:every=3", *o);
  std::vector<double> want = {0.05, 0.0625, 0.075, 0.0875, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025};
  for (std::size_t t = 0; t < want.size(); ++t) {
    if (t > 0) s->step();
    EXPECT_REL(lrs_of(*o)[0], want[t]) << "step " << t;
  }
}

}  // namespace
