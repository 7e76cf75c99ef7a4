// SWATS, following Keskar & Socher (2017) Algorithm 1.
#include "descent/optim/swats.hpp"

#include <cmath>

#include "descent/optim/fused.hpp"
#include "descent/optim/validate.hpp"

namespace descent::optim {

std::vector<Hyperparameter> SWATS::hyperparameters() {
  return {{"lr", 1e-3, "Adam's learning rate α"},
          {"beta1", 0.9, "decay of the first moment (and SGD's momentum after the switch)"},
          {"beta2", 0.999, "decay of the second moment and of the λ average"},
          {"eps", 1e-9, "added to √v"},
          {"switch_tol", 1e-9, "switch when |λ/(1−β₂ᵗ) − γ| < switch_tol"},
          {"weight_decay", 0.0, "L2 penalty added to the gradient"},
          {"maximize", 0.0, "maximize the objective", true}};
}

SWATS::SWATS(std::vector<ParamGroup> groups, const Options& options)
    : Optimizer(with_defaults("swats", hyperparameters(), options)) {
  validate(defaults_);
  add_groups(std::move(groups));
}

void SWATS::validate(const Options& o) const {
  require_at_least(name(), o, "lr", 0.0);
  require_at_least(name(), o, "eps", 0.0);
  require_in(name(), o, "beta1", 0.0, 1.0);
  require_in(name(), o, "beta2", 0.0, 1.0);
  require_at_least(name(), o, "switch_tol", 0.0);
  require_at_least(name(), o, "weight_decay", 0.0);
  require_flag(name(), o, "maximize");
}

double SWATS::step(const std::function<double()>& closure) {
  double loss = evaluate(closure);
  for_each_param_with_grad([&](ParamGroup& group, Tensor& param, const Tensor& grad, ParamState& st) {
    const double t = (st.scalars["step"] += 1.0), beta1 = group.get("beta1"), beta2 = group.get("beta2");
    double& phase = st.scalars["phase"];
    dispatch(param.dtype(), [&]<class T>() {
      T* theta = param.data<T>();
      const T* grad_ = grad.data<T>();
      const T sign = group.flag("maximize") ? T(-1) : T(1), lambda = T(group.get("weight_decay")), b1 = T(beta1);
      if (phase == 1.0) {
        // SGD phase: v ← β₁v + g; θ ← θ − (1−β₁)Λv.
        T* v = zeros_buffer(st, "momentum_buffer", param).template data<T>();
        const T step_size = T((1.0 - beta1) * st.scalars.at("sgd_lr"));
        for_each_element(param.numel(), [=](int64_t i) {
          T g = sign * grad_[i] + lambda * theta[i];
          v[i] = b1 * v[i] + g;
          theta[i] = theta[i] - step_size * v[i];
        });
        return;
      }
      // Adam phase: p = −α·√(1−β₂ᵗ)/(1−β₁ᵗ) · m/(√v + ε); θ ← θ + p, watching pᵀg and pᵀp.
      T* m = zeros_buffer(st, "exp_avg", param).template data<T>();
      T* v = zeros_buffer(st, "exp_avg_sq", param).template data<T>();
      const T one_minus_b1 = T(1.0 - beta1), b2 = T(beta2), one_minus_b2 = T(1.0 - beta2),
              eps = T(group.get("eps")),
              alpha_t = T(group.lr() * std::sqrt(1.0 - std::pow(beta2, t)) / (1.0 - std::pow(beta1, t)));
      double p_dot_p = 0.0;
      const double p_dot_g = sum_over_elements(param.numel(), [&](int64_t i) {
        T g = sign * grad_[i] + lambda * theta[i];
        m[i] = b1 * m[i] + one_minus_b1 * g;
        v[i] = b2 * v[i] + one_minus_b2 * g * g;
        T p = -alpha_t * m[i] / (std::sqrt(v[i]) + eps);
        theta[i] = theta[i] + p;
        return double(p) * double(g);
      });
      // pᵀp from the moments just written (the step itself is not stored).
      p_dot_p = sum_over_elements(param.numel(), [&](int64_t i) {
        double p = double(alpha_t) * double(m[i]) / (std::sqrt(double(v[i])) + double(eps));
        return p * p;
      });
      if (p_dot_g != 0.0) {
        const double gamma = p_dot_p / -p_dot_g;                   // γ = pᵀp / (−pᵀg)
        double& lambda_avg = st.scalars["lambda_avg"];
        lambda_avg = beta2 * lambda_avg + (1.0 - beta2) * gamma;  // λ ← β₂λ + (1−β₂)γ
        const double corrected = lambda_avg / (1.0 - std::pow(beta2, t));
        if (t > 1.0 && std::abs(corrected - gamma) < group.get("switch_tol")) {
          phase = 1.0;
          st.scalars["sgd_lr"] = corrected;  // Λ
        }
      }
    });
  });
  return loss;
}

}  // namespace descent::optim
