// Muon and SAM beyond their reference trajectories (test_reference.cpp): Muon's split into
// matrices and an AdamW group, its flattening of convolution filters and its refusal of a
// model without matrices; SAM's closure, its inner optimizers and its keys.
#include <gtest/gtest.h>

#include <cmath>

#include "descent/descent.hpp"
#include "descent/optim/factory.hpp"

using namespace descent;
using namespace descent::optim;

namespace {

Tensor filled(const Shape& shape, double scale) {
  std::vector<double> values(static_cast<std::size_t>(shape.numel()));
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = scale * std::sin(1.0 + 0.7 * static_cast<double>(i));
  return Tensor::from_data(std::span<const double>(values), shape, DType::f64).requires_grad_();
}

// Sets ∇(Σ c_i θ_i²/2) with c_i = 1 + i mod 3 on each parameter.
void quadratic_gradients(std::vector<Tensor>& params) {
  for (Tensor& p : params) {
    std::vector<double> x = p.to_vector(), g(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) g[i] = (1.0 + static_cast<double>(i % 3)) * x[i];
    p.set_grad(Tensor::from_data(std::span<const double>(g), p.shape(), p.dtype()));
  }
}

// `steps` steps of two optimizers, each on its parameters with the same quadratic.
void step_side_by_side(Optimizer& first, std::vector<Tensor>& first_params, Optimizer& second,
                       std::vector<Tensor>& second_params, int steps) {
  for (int t = 0; t < steps; ++t) {
    quadratic_gradients(first_params);
    quadratic_gradients(second_params);
    first.step();
    second.step();
  }
}

// make_optimizer's refusal of this spec over these parameters ("" when it is accepted).
std::string refusal(const std::string& spec, const std::vector<Tensor>& params) {
  std::string message;
  try {
    make_optimizer(spec, params);
  } catch (const ValueError& e) {
    message = e.what();
  }
  return message;
}

}  // namespace

TEST(Muon, VectorsTakeAdamWSteps) {
  std::vector<Tensor> with_muon = {filled(Shape{3, 4}, 0.5), filled(Shape{4}, 0.2)};
  std::vector<Tensor> with_adamw = {filled(Shape{4}, 0.2)};
  auto muon = make_optimizer("muon:lr=0.01,adam_betas=0.8/0.99,adam_eps=1e-6,adam_weight_decay=0.1", with_muon);
  auto adamw = make_optimizer("adamw:lr=0.01,betas=0.8/0.99,eps=1e-6,weight_decay=0.1", with_adamw);
  step_side_by_side(*muon, with_muon, *adamw, with_adamw, 5);
  EXPECT_EQ(with_muon[1].to_vector(), with_adamw[0].to_vector());
}

// The reference implementation flattens a convolution weight (out, in, kH, kW) to
// out × in·kH·kW: the same step as on that matrix.
TEST(Muon, ConvolutionFiltersAreFlattenedToMatrices) {
  std::vector<Tensor> conv = {filled(Shape{4, 2, 3, 3}, 0.3)}, matrix = {filled(Shape{4, 18}, 0.3)};
  auto on_conv = make_optimizer("muon:lr=0.02", conv), on_matrix = make_optimizer("muon:lr=0.02", matrix);
  step_side_by_side(*on_conv, conv, *on_matrix, matrix, 3);
  EXPECT_EQ(conv[0].to_vector(), matrix[0].to_vector());
}

// One step from θ = 0 with momentum 0: θ = −lr·√(rows/cols)·O, and O from five quintic
// iterations has singular values between about 0.5 and 1.5 (Jordan et al. 2024), so its
// squared Frobenius norm is between 0.25 and 2.25 times its rank.
TEST(Muon, UpdateIsOrthogonalizedByNewtonSchulz) {
  std::vector<Tensor> params = {Tensor::zeros(Shape{16, 8}, DType::f64).requires_grad_()};
  auto muon = make_optimizer("muon:lr=1,momentum=0,weight_decay=0", params);
  std::vector<double> grad(16 * 8);  // full rank
  for (std::size_t i = 0; i < grad.size(); ++i) grad[i] = std::sin(1.0 + 0.37 * static_cast<double>(i * i));
  params[0].set_grad(Tensor::from_data(std::span<const double>(grad), Shape{16, 8}, DType::f64));
  muon->step();
  double norm_sq = 0.0;
  for (double v : params[0].to_vector()) norm_sq += v * v / 2.0;  // lr′ = √(16/8)
  EXPECT_GT(norm_sq, 0.25 * 8);
  EXPECT_LT(norm_sq, 2.25 * 8);
}

TEST(Muon, ModelWithoutMatricesIsRefusedOnOneLine) {
  const std::string message = refusal("muon", {filled(Shape{5}, 1.0)});
  EXPECT_NE(message.find("muon: the model has no matrix"), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  EXPECT_NE(refusal("muon:ns_steps=100", {filled(Shape{2, 2}, 1.0)}).find("ns_steps"), std::string::npos);
  EXPECT_NE(refusal("muon:adjust_lr_fn=none", {filled(Shape{2, 2}, 1.0)}).find("adjust_lr_fn"), std::string::npos);
}

TEST(Muon, NoteNamesTheSplitThroughWrappers) {
  std::vector<Tensor> params = {filled(Shape{3, 4}, 0.5), filled(Shape{4}, 0.2), filled(Shape{2, 3, 3, 3}, 0.1)};
  auto sam = make_optimizer("sam(muon)", params);
  EXPECT_EQ(muon_note(*sam),
            "; muon for 2 matrices (66 values), adamw for 1 other parameters (biases, norms; 4 values)");
  auto adam = make_optimizer("adam", params);
  EXPECT_EQ(muon_note(*adam), "");
}

TEST(Sam, StepsFromThetaWithTheGradientAtTheAscendedPoint) {
  // f = Σθ²: g = 2θ at θ = (3, 4), ‖g‖ = 10, ε = ρ·(0.6, 0.8); the gradient there is
  // 2(θ + ε), and SGD steps from θ with it.
  Tensor p = Tensor::from_data({3.0, 4.0}, Shape{2}, DType::f64).requires_grad_();
  auto sam = make_optimizer("sam(sgd:lr=0.1):rho=0.5", std::vector<Tensor>{p});
  int evaluations = 0;
  auto closure = [&] {
    ++evaluations;
    const std::vector<double> x = p.to_vector();
    p.set_grad(Tensor::from_data({2 * x[0], 2 * x[1]}, Shape{2}, DType::f64));
    return x[0] * x[0] + x[1] * x[1];
  };
  EXPECT_DOUBLE_EQ(sam->step(closure), 25.0);  // the loss at θ
  EXPECT_EQ(evaluations, 2);
  EXPECT_DOUBLE_EQ(p.at({0}), 3.0 - 0.1 * (2 * (3.0 + 0.5 * 0.6)));
  EXPECT_DOUBLE_EQ(p.at({1}), 4.0 - 0.1 * (2 * (4.0 + 0.5 * 0.8)));
  EXPECT_TRUE(sam->needs_closure());
  EXPECT_THROW(sam->step(), ValueError);  // no closure
}

TEST(Sam, InnerOptimizersAndKeys) {
  std::vector<Tensor> params = {filled(Shape{3}, 1.0)};
  EXPECT_NE(refusal("sam", params).find("sam wraps one optimizer"), std::string::npos);
  EXPECT_NE(refusal("sam(lbfgs)", params).find("lbfgs"), std::string::npos);
  EXPECT_NE(refusal("sam(sgd):rho=-1", params).find("rho"), std::string::npos);
  // Adadelta has its own rho: SAM's is kept as sam.rho in the groups.
  auto sam = make_optimizer("sam(adadelta:rho=0.8):rho=0.1", params);
  EXPECT_DOUBLE_EQ(sam->param_groups()[0].get("rho"), 0.8);
  EXPECT_DOUBLE_EQ(sam->param_groups()[0].get("sam.rho"), 0.1);
  EXPECT_EQ(sam->state_dict().optimizer, "sam(adadelta)");
}
