// ADOPT, Adafactor and Prodigy beyond their reference trajectories (test_reference.cpp):
// the values optax publishes for adopt, Adafactor's factors of a 4-D weight, Prodigy's
// estimate of d and its groups, and the ranges of their hyperparameters.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <span>
#include <vector>

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

namespace {

// Adafactor's first step with the defaults on a rows × cols matrix (β̂₂ weight 1, so R and C
// are g²'s row and column means), element by element as PyTorch 2.5's
// _single_tensor_adafactor: v̂ = R_i·C_j / max(mean(R), ε₁), U = g / √max(v̂, ε₁²).
std::vector<double> adafactor_first_step(std::vector<double> theta, const std::vector<double>& g, int64_t rows,
                                         int64_t cols) {
  const double eps1 = std::numeric_limits<double>::epsilon();
  std::vector<double> row(rows, 0.0), col(cols, 0.0);
  double theta_sq = 0.0, row_mean = 0.0, u_sq = 0.0;
  for (int64_t i = 0; i < rows * cols; ++i) {
    row[i / cols] += g[i] * g[i] / double(cols);
    col[i % cols] += g[i] * g[i] / double(rows);
    theta_sq += theta[i] * theta[i];
  }
  for (double r : row) row_mean += r / double(rows);
  std::vector<double> u(theta.size());
  for (int64_t i = 0; i < rows * cols; ++i) {
    const double v_hat = row[i / cols] * col[i % cols] / std::max(row_mean, eps1);
    u[i] = g[i] / std::sqrt(std::max(v_hat, eps1 * eps1));
    u_sq += u[i] * u[i];
  }
  const double n = double(rows * cols), alpha = std::max(1e-3, std::sqrt(theta_sq / n)) * 0.01;
  for (int64_t i = 0; i < rows * cols; ++i) theta[i] -= alpha * u[i] / std::max(1.0, std::sqrt(u_sq / n));
  return theta;
}

void expect_adafactor_first_step(const std::vector<double>& g, int64_t rows, int64_t cols) {
  std::vector<double> start(g.size());
  for (std::size_t i = 0; i < start.size(); ++i) start[i] = std::cos(double(i));
  Tensor w = Tensor::from_data(std::span<const double>(start), Shape{rows, cols}, DType::f64).requires_grad_();
  w.set_grad(Tensor::from_data(std::span<const double>(g), Shape{rows, cols}, DType::f64));
  make_optimizer("adafactor", std::vector<Tensor>{w})->step();
  const std::vector<double> ours = w.to_vector(), expected = adafactor_first_step(start, g, rows, cols);
  for (std::size_t i = 0; i < ours.size(); ++i)
    EXPECT_NEAR(ours[i], expected[i], 1e-12 * std::max(std::abs(expected[i]), 1.0)) << "element " << i;
}

}  // namespace

// U = g·a_i·b_j where the floor cannot bite along a row, element by element (floored) where
// it can: a row whose factor is ~1e-40 (v̂ below ε₁² there) beside rows of ordinary size.
TEST(Adafactor, RowsUnderTheFloorTakeItElementByElement) {
  std::vector<double> g(15);  // 3 × 5
  for (std::size_t i = 0; i < g.size(); ++i) g[i] = (i < 5 ? 1e-20 : 1.0) * std::sin(double(i) + 0.5);
  expect_adafactor_first_step(g, 3, 5);
}

// A column of zero gradients: C_j = 0, v̂ = 0 is floored at ε₁², and U = 0 there (not 0·∞).
TEST(Adafactor, AZeroColumnOfGradientsLeavesItsParametersAndNoNaN) {
  std::vector<double> g(12);  // 4 × 3
  for (std::size_t i = 0; i < g.size(); ++i) g[i] = i % 3 == 1 ? 0.0 : std::sin(double(i) + 0.5);
  expect_adafactor_first_step(g, 4, 3);
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
