// Adamax, NAdam, RAdam (torch/optim/adamax.py, nadam.py, radam.py of PyTorch 1.13, the
// _single_tensor_* functions) and AdaBelief (Zhuang et al. 2020, Algorithm 2).
#include "descent/optim/adam_variants.hpp"

#include <algorithm>
#include <cmath>

#include "descent/optim/fused.hpp"
#include "descent/optim/validate.hpp"

namespace descent::optim {

namespace {

std::vector<Hyperparameter> betas_eps(double lr, double eps) {
  return {{"lr", lr, "learning rate"},
          {"beta1", 0.9, "decay of the first-moment average (betas[0])"},
          {"beta2", 0.999, "decay of the second-moment average (betas[1])"},
          {"eps", eps, "added to the denominator"}};
}

void validate_betas_eps(const std::string& name, const Options& o) {
  require_at_least(name, o, "lr", 0.0);
  require_at_least(name, o, "eps", 0.0);
  require_in(name, o, "beta1", 0.0, 1.0);
  require_in(name, o, "beta2", 0.0, 1.0);
  require_at_least(name, o, "weight_decay", 0.0);
  require_flag(name, o, "maximize");
}

}  // namespace

// ---- Adamax ----

std::vector<Hyperparameter> Adamax::hyperparameters() {
  auto h = betas_eps(2e-3, 1e-8);
  h.push_back({"weight_decay", 0.0, "L2 penalty λ added to the gradient"});
  h.push_back({"maximize", 0.0, "maximize the objective", true});
  return h;
}

Adamax::Adamax(std::vector<ParamGroup> groups, const Options& options)
    : Optimizer(with_defaults("adamax", hyperparameters(), options)) {
  validate(defaults_);
  add_groups(std::move(groups));
}

void Adamax::validate(const Options& o) const { validate_betas_eps(name(), o); }

double Adamax::step(const std::function<double()>& closure) {
  double loss = evaluate(closure);
  FusedStep loops;
  for_each_param_with_grad([&](ParamGroup& group, Tensor& param, const Tensor& grad, ParamState& st) {
    const double t = (st.scalars["step"] += 1.0), beta1 = group.get("beta1");
    const double clr = group.lr() / (1.0 - std::pow(beta1, t));
    dispatch(param.dtype(), [&]<class T>() {
      T* theta = param.data<T>();
      const T* grad_ = grad.data<T>();
      T* m = zeros_buffer(st, "exp_avg", param).template data<T>();
      T* u = zeros_buffer(st, "exp_inf", param).template data<T>();
      const T sign = group.flag("maximize") ? T(-1) : T(1), lambda = T(group.get("weight_decay")), b1 = T(beta1),
              one_minus_b1 = T(1.0 - beta1), b2 = T(group.get("beta2")), eps = T(group.get("eps")), step_size = T(clr);
      loops.add(param.numel(), [=](int64_t i) {
        T g = sign * grad_[i] + lambda * theta[i];
        m[i] = m[i] * b1 + one_minus_b1 * g;            // m ← β₁m + (1−β₁)g
        u[i] = std::max(u[i] * b2, std::abs(g) + eps);  // u ← max(β₂u, |g| + ε)
        theta[i] = theta[i] + (-step_size) * (m[i] / u[i]);  // θ ← θ − lr/(1−β₁ᵗ) · m/u
      });
    });
  });
  loops.run();
  return loss;
}

// ---- NAdam ----

std::vector<Hyperparameter> NAdam::hyperparameters() {
  auto h = betas_eps(2e-3, 1e-8);
  h.push_back({"weight_decay", 0.0, "L2 penalty λ added to the gradient"});
  h.push_back({"momentum_decay", 4e-3, "ψ in μ_t = β₁(1 − ½·0.96^(t·ψ))"});
  h.push_back({"maximize", 0.0, "maximize the objective", true});
  return h;
}

NAdam::NAdam(std::vector<ParamGroup> groups, const Options& options)
    : Optimizer(with_defaults("nadam", hyperparameters(), options)) {
  validate(defaults_);
  add_groups(std::move(groups));
}

void NAdam::validate(const Options& o) const {
  validate_betas_eps(name(), o);
  require_at_least(name(), o, "momentum_decay", 0.0);
}

double NAdam::step(const std::function<double()>& closure) {
  double loss = evaluate(closure);
  FusedStep loops;
  for_each_param_with_grad([&](ParamGroup& group, Tensor& param, const Tensor& grad, ParamState& st) {
    const double t = (st.scalars["step"] += 1.0), beta1 = group.get("beta1"), beta2 = group.get("beta2"),
                 psi = group.get("momentum_decay"), lr = group.lr();
    const double bias_correction2 = 1.0 - std::pow(beta2, t);
    // The momentum schedule μ_t and μ_{t+1}, and their running product Π μ_i.
    const double mu = beta1 * (1.0 - 0.5 * std::pow(0.96, t * psi));
    const double mu_next = beta1 * (1.0 - 0.5 * std::pow(0.96, (t + 1.0) * psi));
    auto [it, fresh] = st.scalars.try_emplace("mu_product", 1.0);
    const double mu_product = (it->second *= mu);
    const double mu_product_next = mu_product * mu * mu_next;
    dispatch(param.dtype(), [&]<class T>() {
      T* theta = param.data<T>();
      const T* grad_ = grad.data<T>();
      T* m = zeros_buffer(st, "exp_avg", param).template data<T>();
      T* v = zeros_buffer(st, "exp_avg_sq", param).template data<T>();
      const T sign = group.flag("maximize") ? T(-1) : T(1), lambda = T(group.get("weight_decay")), b1 = T(beta1),
              one_minus_b1 = T(1.0 - beta1), b2 = T(beta2), one_minus_b2 = T(1.0 - beta2), eps = T(group.get("eps")),
              bc2 = T(bias_correction2), grad_step = T(-lr * (1.0 - mu) / (1.0 - mu_product)),
              momentum_step = T(-lr * mu_next / (1.0 - mu_product_next));
      loops.add(param.numel(), [=](int64_t i) {
        T g = sign * grad_[i] + lambda * theta[i];
        m[i] = m[i] * b1 + one_minus_b1 * g;
        v[i] = v[i] * b2 + one_minus_b2 * g * g;
        T denom = std::sqrt(v[i] / bc2) + eps;
        // θ ← θ − lr(1−μ_t)/(1−Πμ) · g/denom − lr·μ_{t+1}/(1−Πμ·μ_{t+1}) · m/denom
        theta[i] = theta[i] + grad_step * (g / denom);
        theta[i] = theta[i] + momentum_step * (m[i] / denom);
      });
    });
  });
  loops.run();
  return loss;
}

// ---- RAdam ----

std::vector<Hyperparameter> RAdam::hyperparameters() {
  auto h = betas_eps(1e-3, 1e-8);
  h.push_back({"weight_decay", 0.0, "L2 penalty λ added to the gradient"});
  h.push_back({"maximize", 0.0, "maximize the objective", true});
  return h;
}

RAdam::RAdam(std::vector<ParamGroup> groups, const Options& options)
    : Optimizer(with_defaults("radam", hyperparameters(), options)) {
  validate(defaults_);
  add_groups(std::move(groups));
}

void RAdam::validate(const Options& o) const { validate_betas_eps(name(), o); }

double RAdam::step(const std::function<double()>& closure) {
  double loss = evaluate(closure);
  FusedStep loops;
  for_each_param_with_grad([&](ParamGroup& group, Tensor& param, const Tensor& grad, ParamState& st) {
    const double t = (st.scalars["step"] += 1.0), beta1 = group.get("beta1"), beta2 = group.get("beta2"),
                 lr = group.lr();
    const double bias_correction1 = 1.0 - std::pow(beta1, t), bias_correction2 = 1.0 - std::pow(beta2, t);
    // ρ_∞ and ρ_t: the length of the approximated simple moving average.
    const double rho_inf = 2.0 / (1.0 - beta2) - 1.0;
    const double rho_t = rho_inf - 2.0 * t * std::pow(beta2, t) / bias_correction2;
    const bool rectified = rho_t > 5.0;
    const double rect =
        rectified ? std::sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) : 0.0;
    dispatch(param.dtype(), [&]<class T>() {
      T* theta = param.data<T>();
      const T* grad_ = grad.data<T>();
      T* m = zeros_buffer(st, "exp_avg", param).template data<T>();
      T* v = zeros_buffer(st, "exp_avg_sq", param).template data<T>();
      const T sign = group.flag("maximize") ? T(-1) : T(1), lambda = T(group.get("weight_decay")), b1 = T(beta1),
              one_minus_b1 = T(1.0 - beta1), b2 = T(beta2), one_minus_b2 = T(1.0 - beta2), eps = T(group.get("eps")),
              bc1 = T(bias_correction1), bc2_sqrt = T(std::sqrt(bias_correction2)), eta = T(lr), r = T(rect);
      loops.add(param.numel(), [=](int64_t i) {
        T g = sign * grad_[i] + lambda * theta[i];
        m[i] = m[i] * b1 + one_minus_b1 * g;
        v[i] = v[i] * b2 + one_minus_b2 * g * g;
        T m_hat = m[i] / bc1;
        if (rectified) {
          T adaptive_lr = bc2_sqrt / (std::sqrt(v[i]) + eps);  // 1/√v̂ (with ε)
          theta[i] = theta[i] - m_hat * eta * adaptive_lr * r;
        } else {
          theta[i] = theta[i] - m_hat * eta;  // plain momentum while the variance is intractable
        }
      });
    });
  });
  loops.run();
  return loss;
}

// ---- AdaBelief ----

std::vector<Hyperparameter> AdaBelief::hyperparameters() {
  auto h = betas_eps(1e-3, 1e-16);
  h.push_back({"weight_decay", 0.0, "decoupled weight decay: θ ← θ(1 − lr·λ), as AdamW"});
  h.push_back({"maximize", 0.0, "maximize the objective", true});
  return h;
}

AdaBelief::AdaBelief(std::vector<ParamGroup> groups, const Options& options)
    : Optimizer(with_defaults("adabelief", hyperparameters(), options)) {
  validate(defaults_);
  add_groups(std::move(groups));
}

void AdaBelief::validate(const Options& o) const { validate_betas_eps(name(), o); }

double AdaBelief::step(const std::function<double()>& closure) {
  double loss = evaluate(closure);
  FusedStep loops;
  for_each_param_with_grad([&](ParamGroup& group, Tensor& param, const Tensor& grad, ParamState& st) {
    const double t = (st.scalars["step"] += 1.0), beta1 = group.get("beta1"), beta2 = group.get("beta2"),
                 lr = group.lr();
    const double bias_correction1 = 1.0 - std::pow(beta1, t), bias_correction2 = 1.0 - std::pow(beta2, t);
    dispatch(param.dtype(), [&]<class T>() {
      T* theta = param.data<T>();
      const T* grad_ = grad.data<T>();
      T* m = zeros_buffer(st, "exp_avg", param).template data<T>();
      T* s = zeros_buffer(st, "exp_avg_var", param).template data<T>();
      const T sign = group.flag("maximize") ? T(-1) : T(1), b1 = T(beta1), one_minus_b1 = T(1.0 - beta1),
              b2 = T(beta2), one_minus_b2 = T(1.0 - beta2), eps = T(group.get("eps")),
              shrink = T(1.0 - lr * group.get("weight_decay")), step_size = T(lr / bias_correction1),
              bc2_sqrt = T(std::sqrt(bias_correction2));
      loops.add(param.numel(), [=](int64_t i) {
        T g = sign * grad_[i];
        theta[i] = theta[i] * shrink;                           // decoupled weight decay
        m[i] = m[i] * b1 + one_minus_b1 * g;                    // m ← β₁m + (1−β₁)g
        T surprise = g - m[i];
        s[i] = s[i] * b2 + one_minus_b2 * surprise * surprise + eps;  // s ← β₂s + (1−β₂)(g−m)² + ε
        T denom = std::sqrt(s[i]) / bc2_sqrt + eps;             // √ŝ + ε
        theta[i] = theta[i] - step_size * (m[i] / denom);       // θ ← θ − lr·m̂/(√ŝ + ε)
      });
    });
  });
  loops.run();
  return loss;
}

}  // namespace descent::optim
