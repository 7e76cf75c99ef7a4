// Adagrad, RMSprop, Adadelta. Reference: torch/optim/adagrad.py, rmsprop.py, adadelta.py
// (the _single_tensor_* functions of PyTorch 1.13); each loop below follows those lines.
#include "descent/optim/adaptive.hpp"

#include <cmath>

#include "descent/optim/fused.hpp"
#include "descent/optim/validate.hpp"

namespace descent::optim {

// ---- Adagrad ----

std::vector<Hyperparameter> Adagrad::hyperparameters() {
  return {{"lr", 1e-2, "learning rate"},
          {"lr_decay", 0.0, "lr_t = lr / (1 + (t−1)·lr_decay)"},
          {"weight_decay", 0.0, "L2 penalty λ added to the gradient"},
          {"initial_accumulator_value", 0.0, "starting value of the sum of squared gradients"},
          {"eps", 1e-10, "added to √sum"},
          {"maximize", 0.0, "maximize the objective", true}};
}

Adagrad::Adagrad(std::vector<ParamGroup> groups, const Options& options)
    : Optimizer(with_defaults("adagrad", hyperparameters(), options)) {
  validate(defaults_);
  add_groups(std::move(groups));
}

void Adagrad::validate(const Options& o) const {
  require_at_least(name(), o, "lr", 0.0);
  require_at_least(name(), o, "lr_decay", 0.0);
  require_at_least(name(), o, "weight_decay", 0.0);
  require_at_least(name(), o, "initial_accumulator_value", 0.0);
  require_at_least(name(), o, "eps", 0.0);
  require_flag(name(), o, "maximize");
}

double Adagrad::step(const std::function<double()>& closure) {
  double loss = evaluate(closure);
  FusedStep loops;
  for_each_param_with_grad([&](ParamGroup& group, Tensor& param, const Tensor& grad, ParamState& st) {
    const double t = (st.scalars["step"] += 1.0);
    const double clr = group.lr() / (1.0 + (t - 1.0) * group.get("lr_decay"));
    dispatch(param.dtype(), [&]<class T>() {
      T* theta = param.data<T>();
      const T* grad_ = grad.data<T>();
      T* sum = full_buffer(st, "sum", param, group.get("initial_accumulator_value")).template data<T>();
      const T sign = group.flag("maximize") ? T(-1) : T(1), lambda = T(group.get("weight_decay")),
              eps = T(group.get("eps")), step_size = T(clr);
      loops.add(param.numel(), [=](int64_t i) {
        T g = sign * grad_[i] + lambda * theta[i];
        sum[i] = sum[i] + g * g;                     // G ← G + g²
        T std = std::sqrt(sum[i]) + eps;
        theta[i] = theta[i] + (-step_size) * (g / std);  // θ ← θ − lr_t · g/(√G + ε)
      });
    });
  });
  loops.run();
  return loss;
}

// ---- RMSprop ----

std::vector<Hyperparameter> RMSprop::hyperparameters() {
  return {{"lr", 1e-2, "learning rate"},
          {"alpha", 0.99, "decay of the average of squared gradients"},
          {"eps", 1e-8, "added to √E[g²] (outside the root, unlike Keras)"},
          {"weight_decay", 0.0, "L2 penalty λ added to the gradient"},
          {"momentum", 0.0, "momentum on the scaled gradient"},
          {"centered", 0.0, "divide by the estimated variance √(E[g²] − E[g]²) (Graves 2013)", true},
          {"maximize", 0.0, "maximize the objective", true}};
}

RMSprop::RMSprop(std::vector<ParamGroup> groups, const Options& options)
    : Optimizer(with_defaults("rmsprop", hyperparameters(), options)) {
  validate(defaults_);
  add_groups(std::move(groups));
}

void RMSprop::validate(const Options& o) const {
  require_at_least(name(), o, "lr", 0.0);
  require_at_least(name(), o, "eps", 0.0);
  require_at_least(name(), o, "momentum", 0.0);
  require_at_least(name(), o, "weight_decay", 0.0);
  require_at_least(name(), o, "alpha", 0.0);
  require_flag(name(), o, "centered");
  require_flag(name(), o, "maximize");
}

double RMSprop::step(const std::function<double()>& closure) {
  double loss = evaluate(closure);
  FusedStep loops;
  for_each_param_with_grad([&](ParamGroup& group, Tensor& param, const Tensor& grad, ParamState& st) {
    const bool centered = group.flag("centered"), with_momentum = group.get("momentum") > 0.0;
    st.scalars["step"] += 1.0;
    dispatch(param.dtype(), [&]<class T>() {
      T* theta = param.data<T>();
      const T* grad_ = grad.data<T>();
      T* square_avg = zeros_buffer(st, "square_avg", param).template data<T>();
      T* grad_avg = centered ? zeros_buffer(st, "grad_avg", param).template data<T>() : nullptr;
      T* buf = with_momentum ? zeros_buffer(st, "momentum_buffer", param).template data<T>() : nullptr;
      const T sign = group.flag("maximize") ? T(-1) : T(1), lambda = T(group.get("weight_decay")),
              a = T(group.get("alpha")), one_minus_a = T(1.0 - group.get("alpha")), eps = T(group.get("eps")),
              mu = T(group.get("momentum")), lr = T(group.lr());
      loops.add(param.numel(), [=](int64_t i) {
        T g = sign * grad_[i] + lambda * theta[i];
        square_avg[i] = square_avg[i] * a + one_minus_a * g * g;  // E[g²] ← αE[g²] + (1−α)g²
        T variance = square_avg[i];
        if (centered) {
          grad_avg[i] = grad_avg[i] * a + one_minus_a * g;        // E[g] ← αE[g] + (1−α)g
          variance = variance + (-grad_avg[i]) * grad_avg[i];     // E[g²] − E[g]²
        }
        T avg = std::sqrt(variance) + eps;
        if (with_momentum) {
          buf[i] = buf[i] * mu + g / avg;                         // b ← μb + g/(√· + ε)
          theta[i] = theta[i] + (-lr) * buf[i];
        } else {
          theta[i] = theta[i] + (-lr) * (g / avg);
        }
      });
    });
  });
  loops.run();
  return loss;
}

// ---- Adadelta ----

std::vector<Hyperparameter> Adadelta::hyperparameters() {
  return {{"lr", 1.0, "scale of the update"},
          {"rho", 0.9, "decay of the running averages"},
          {"eps", 1e-6, "added inside both roots"},
          {"weight_decay", 0.0, "L2 penalty λ added to the gradient"},
          {"maximize", 0.0, "maximize the objective", true}};
}

Adadelta::Adadelta(std::vector<ParamGroup> groups, const Options& options)
    : Optimizer(with_defaults("adadelta", hyperparameters(), options)) {
  validate(defaults_);
  add_groups(std::move(groups));
}

void Adadelta::validate(const Options& o) const {
  require_at_least(name(), o, "lr", 0.0);
  require_in_closed(name(), o, "rho", 0.0, 1.0);
  require_at_least(name(), o, "eps", 0.0);
  require_at_least(name(), o, "weight_decay", 0.0);
  require_flag(name(), o, "maximize");
}

double Adadelta::step(const std::function<double()>& closure) {
  double loss = evaluate(closure);
  FusedStep loops;
  for_each_param_with_grad([&](ParamGroup& group, Tensor& param, const Tensor& grad, ParamState& st) {
    st.scalars["step"] += 1.0;
    dispatch(param.dtype(), [&]<class T>() {
      T* theta = param.data<T>();
      const T* grad_ = grad.data<T>();
      T* square_avg = zeros_buffer(st, "square_avg", param).template data<T>();
      T* acc_delta = zeros_buffer(st, "acc_delta", param).template data<T>();
      const T sign = group.flag("maximize") ? T(-1) : T(1), lambda = T(group.get("weight_decay")),
              rho = T(group.get("rho")), one_minus_rho = T(1.0 - group.get("rho")), eps = T(group.get("eps")),
              lr = T(group.lr());
      loops.add(param.numel(), [=](int64_t i) {
        T g = sign * grad_[i] + lambda * theta[i];
        square_avg[i] = square_avg[i] * rho + one_minus_rho * g * g;      // E[g²] ← ρE[g²] + (1−ρ)g²
        T std = std::sqrt(square_avg[i] + eps);
        T delta = std::sqrt(acc_delta[i] + eps) / std * g;                // Δ = √(E[Δ²]+ε)/√(E[g²]+ε) · g
        acc_delta[i] = acc_delta[i] * rho + one_minus_rho * delta * delta;  // E[Δ²] ← ρE[Δ²] + (1−ρ)Δ²
        theta[i] = theta[i] + (-lr) * delta;
      });
    });
  });
  loops.run();
  return loss;
}

}  // namespace descent::optim
