// ADOPT, Adafactor and Prodigy beyond their reference trajectories (test_reference.cpp):
// the values optax publishes for adopt, Adafactor's factors of a 4-D weight, Prodigy's
// estimate of d and its groups, and the ranges of their hyperparameters.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "descent/descent.hpp"
#include "descent/optim/factory.hpp"

using namespace descent;
using namespace descent::optim;

namespace {

Tensor param(std::initializer_list<double> v) {
  return Tensor::from_data(v, Shape{static_cast<int64_t>(v.size())}, DType::f64).requires_grad_();
}

// f = Σθ², its gradient set on p; returns f.
double sum_of_squares(Tensor& p) {
  std::vector<double> x = p.to_vector(), g(x.size());
  double f = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    f += x[i] * x[i];
    g[i] = 2.0 * x[i];
  }
  p.set_grad(Tensor::from_data(std::span<const double>(g), p.shape(), p.dtype()));
  return f;
}

std::string error_of(const std::string& spec) {
  try {
    make_optimizer(spec, std::vector<Tensor>{param({1.0})});
  } catch (const ValueError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

// optax.contrib.adopt's docstring: learning_rate 0.003 on Σx² from (1, 2, 3) prints
// "Objective function: 1.40E+01" after each of 5 steps.
TEST(Adopt, OptaxDocstringExample) {
  Tensor p = param({1.0, 2.0, 3.0});
  auto opt = make_optimizer("adopt:lr=0.003", std::vector<Tensor>{p});
  for (int t = 0; t < 5; ++t) {
    sum_of_squares(p);
    opt->step();
    char printed[32];
    std::snprintf(printed, sizeof printed, "%.2E", sum_of_squares(p));
    EXPECT_STREQ(printed, "1.40E+01") << "step " << t + 1;
  }
}

TEST(Adopt, FirstStepOnlyInitializesTheSecondMoment) {
  Tensor p = param({1.0, -2.0});
  auto opt = make_optimizer("adopt:lr=0.1", std::vector<Tensor>{p});
  sum_of_squares(p);
  opt->step();
  EXPECT_EQ(p.to_vector(), (std::vector<double>{1.0, -2.0}));
  // Step 2: u = g/√v = ±1 (clip 1^0.25 = 1), m = 0.1·u, θ ← θ − 0.1·m.
  sum_of_squares(p);
  opt->step();
  EXPECT_DOUBLE_EQ(p.at({0}), 1.0 - 0.1 * (0.1 * 1.0));
  EXPECT_DOUBLE_EQ(p.at({1}), -2.0 + 0.1 * (0.1 * 1.0));
}

// A convolution weight (out, in, kH, kW) is factored over its last two dims, as PyTorch:
// one row factor (kH values) and one column factor (kW values) per (out, in).
TEST(Adafactor, FactorsAFourDimensionalWeightOverItsLastTwoDims) {
  Tensor w = Tensor::full(Shape{2, 3, 4, 5}, 0.5, DType::f64).requires_grad_();
  Tensor b = Tensor::full(Shape{2}, 0.1, DType::f64).requires_grad_();
  auto opt = make_optimizer("adafactor", std::vector<Tensor>{w, b});
  sum(square(w)).backward();
  sum(square(b)).backward();
  opt->step();
  const OptimizerState state = opt->state_dict();
  EXPECT_EQ(state.state.at(0).buffers.at("row_var").shape(), (Shape{2, 3, 4, 1}));
  EXPECT_EQ(state.state.at(0).buffers.at("col_var").shape(), (Shape{2, 3, 1, 5}));
  EXPECT_EQ(state.state.at(0).buffers.count("variance"), 0u);
  EXPECT_EQ(state.state.at(1).buffers.at("variance").shape(), (Shape{2}));
  // Every g is 1 on the first step (weight 1): R = C = 1, v̂ = 1, U = g, RMS(U) = 1 ≤ d, and
  // α = max(ε₂, RMS(θ))·min(lr, 1) = 0.5·0.01.
  EXPECT_DOUBLE_EQ(w.at({1, 2, 3, 4}), 0.5 - 0.5 * 0.01 * 1.0);

  OptimizerState transposed = state;
  transposed.state.at(0).buffers.at("row_var") = Tensor::zeros(Shape{2, 3, 1, 5}, DType::f64);
  EXPECT_THROW(opt->load_state_dict(transposed), ValueError);
}

TEST(Prodigy, EstimateOfDGrowsFromD0AndIsSaved) {
  Tensor p = param({1.0, -2.0, 3.0});
  auto opt = make_optimizer("prodigy", std::vector<Tensor>{p});
  double d_before = 1e-6;
  for (int t = 0; t < 30; ++t) {
    sum_of_squares(p);
    opt->step();
    const double d = opt->state_dict().globals.at("d");
    EXPECT_GE(d, d_before);  // d ← max(d, d̂): never shrinks
    d_before = d;
  }
  EXPECT_GT(d_before, 1e-3);  // it found a step size far above d₀ = 1e-6
  EXPECT_LT(sum_of_squares(p), 14.0);
}

TEST(Prodigy, GroupsShareOneStepSize) {
  Tensor a = param({1.0}), b = param({2.0});
  std::vector<ParamGroup> groups = {{.params = {a}}, {.params = {b}, .options = {{"lr", 0.5}}}};
  auto opt = make_optimizer("prodigy", std::move(groups));
  sum_of_squares(a);
  sum_of_squares(b);
  try {
    opt->step();
    FAIL() << "two different non-zero lrs were accepted";
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("0 or the largest lr"), std::string::npos) << e.what();
  }
}

TEST(AdoptAdafactorProdigy, OutOfRangeHyperparametersAreRefused) {
  EXPECT_NE(error_of("adopt:betas=0.9/1").find("0 <= beta2 < 1"), std::string::npos);
  EXPECT_NE(error_of("adopt:eps=-1").find("eps"), std::string::npos);
  EXPECT_NE(error_of("adafactor:d=0.5").find("1 <= d"), std::string::npos);
  EXPECT_NE(error_of("adafactor:beta2_decay=0.5").find("beta2_decay <= 0"), std::string::npos);
  EXPECT_NE(error_of("adafactor:eps=-1/-1e-3").find("eps2"), std::string::npos);
  EXPECT_NE(error_of("prodigy:d0=0").find("0 < d0"), std::string::npos);
  EXPECT_NE(error_of("prodigy:beta3=1").find("beta3 < 1"), std::string::npos);
  EXPECT_NE(error_of("prodigy:eps=0").find("0 < eps"), std::string::npos);
  EXPECT_NE(error_of("prodigy:d_coef=-1").find("d_coef"), std::string::npos);
}
