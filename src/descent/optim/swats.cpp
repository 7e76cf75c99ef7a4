// SWATS, following Keskar & Socher (2017) Algorithm 1.
#include "descent/optim/swats.hpp"

#include <cmath>

#include "descent/optim/rule.hpp"

namespace descent::optim {

template <>
Table<SWATSOptions> table_of<SWATSOptions>() {  // the hyperparameters of Keskar & Socher (2017)
  using O = SWATSOptions;
  return {"swats",
          WeightDecay::none,
          {lr_row<O>("Adam's learning rate α"),
           beta_row<O>(0, "decay of the first moment (and SGD's momentum after the switch)"),
           beta_row<O>(1, "decay of the second moment and of the λ average"), eps_row<O>("added to √v"),
           number("switch_tol", &O::switch_tol, at_least(0), "switch when |λ/(1−β₂ᵗ) − γ| < switch_tol"),
           weight_decay_row<O>("L2 penalty added to the gradient")}};
}

void update_tensor(const SWATSOptions& options, Tensor& param, const Tensor& grad, ParamState& state) {
  // Named, not a structured binding: the kernels below capture them, which clang 14 refuses.
  const double beta1 = options.betas.first, beta2 = options.betas.second;
  const double t = (state.scalars["step"] += 1.0);
  double& phase = state.scalars["phase"];
  dispatch(param.dtype(), [&]<class T>() {
    T* theta = param.data<T>();
    const T* grad_ = grad.data<T>();
    const T sign = options.maximize ? T(-1) : T(1), lambda = T(options.weight_decay), b1 = T(beta1);
    if (phase == 1.0) {
      // SGD phase: v ← β₁v + g; θ ← θ − (1−β₁)Λv.
      T* v = zeros_buffer(state, "momentum_buffer", param).template data<T>();
      const T step_size = T((1.0 - beta1) * state.scalars.at("sgd_lr"));
      for_each_element(param.numel(), [=](int64_t i) {
        T g = sign * grad_[i] + lambda * theta[i];
        v[i] = b1 * v[i] + g;
        theta[i] = theta[i] - step_size * v[i];
      });
      return;
    }
    // Adam phase: p = −α·√(1−β₂ᵗ)/(1−β₁ᵗ) · m/(√v + ε); θ ← θ + p, watching pᵀg and pᵀp.
    T* m = zeros_buffer(state, "exp_avg", param).template data<T>();
    T* v = zeros_buffer(state, "exp_avg_sq", param).template data<T>();
    const T one_minus_b1 = T(1.0 - beta1), b2 = T(beta2), one_minus_b2 = T(1.0 - beta2), eps = T(options.eps),
            alpha_t = T(options.lr * std::sqrt(1.0 - std::pow(beta2, t)) / (1.0 - std::pow(beta1, t)));
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
      const double gamma = p_dot_p / -p_dot_g;  // γ = pᵀp / (−pᵀg)
      double& lambda_avg = state.scalars["lambda_avg"];
      lambda_avg = beta2 * lambda_avg + (1.0 - beta2) * gamma;  // λ ← β₂λ + (1−β₂)γ
      const double corrected = lambda_avg / (1.0 - std::pow(beta2, t));
      if (t > 1.0 && std::abs(corrected - gamma) < options.switch_tol) {
        phase = 1.0;
        state.scalars["sgd_lr"] = corrected;  // Λ
      }
    }
  });
}

template class Tabled<SWATSOptions>;
template class Tensorwise<SWATSOptions>;

}  // namespace descent::optim
