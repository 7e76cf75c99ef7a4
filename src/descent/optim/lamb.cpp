// LAMB, following You et al. (2020) Algorithm 2 with Adam's bias correction and the
// identity scaling φ(z) = z; the trust ratio is 1 when either norm is zero (as the
// reference implementations do).
#include "descent/optim/lamb.hpp"

#include <cmath>

#include "descent/optim/rule.hpp"

namespace descent::optim {

template <>
Table<LAMBOptions> table_of<LAMBOptions>() {  // the hyperparameters of You et al. (2020)
  using O = LAMBOptions;
  return {"lamb",
          WeightDecay::none,
          {lr_row<O>("learning rate"), beta_row<O>(0, "decay of the first-moment average"),
           beta_row<O>(1, "decay of the second-moment average"), eps_row<O>("added to √v̂"),
           weight_decay_row<O>("decoupled weight decay λ inside the trust-ratio direction")}};
}

void update_tensor(const LAMBOptions& options, Tensor& param, const Tensor& grad, ParamState& state) {
  // Named, not a structured binding: the kernels below capture them, which clang 14 refuses.
  const double beta1 = options.betas.first, beta2 = options.betas.second;
  const double t = (state.scalars["step"] += 1.0);
  dispatch(param.dtype(), [&]<class T>() {
    T* theta = param.data<T>();
    const T* grad_ = grad.data<T>();
    T* m = zeros_buffer(state, "exp_avg", param).template data<T>();
    T* v = zeros_buffer(state, "exp_avg_sq", param).template data<T>();
    const T sign = options.maximize ? T(-1) : T(1), b1 = T(beta1), one_minus_b1 = T(1.0 - beta1), b2 = T(beta2),
            one_minus_b2 = T(1.0 - beta2), eps = T(options.eps), lambda = T(options.weight_decay),
            bc1 = T(1.0 - std::pow(beta1, t)), bc2 = T(1.0 - std::pow(beta2, t));
    // r = m̂/(√v̂ + ε) + λθ, the direction before the trust ratio.
    auto direction = [=](int64_t i) { return (m[i] / bc1) / (std::sqrt(v[i] / bc2) + eps) + lambda * theta[i]; };
    const double r_sq = sum_over_elements(param.numel(), [&](int64_t i) {
      T g = sign * grad_[i];
      m[i] = b1 * m[i] + one_minus_b1 * g;      // m ← β₁m + (1−β₁)g
      v[i] = b2 * v[i] + one_minus_b2 * g * g;  // v ← β₂v + (1−β₂)g²
      T r = direction(i);
      return double(r) * double(r);
    });
    const double theta_sq =
        sum_over_elements(param.numel(), [&](int64_t i) { return double(theta[i]) * double(theta[i]); });
    const double theta_norm = std::sqrt(theta_sq), r_norm = std::sqrt(r_sq);
    const double trust = theta_norm > 0.0 && r_norm > 0.0 ? theta_norm / r_norm : 1.0;
    const T step_size = T(options.lr * trust);
    for_each_element(param.numel(), [=](int64_t i) {
      theta[i] = theta[i] - step_size * direction(i);  // θ ← θ − lr·(‖θ‖/‖r‖)·r
    });
  });
}

template class Tabled<LAMBOptions>;
template class Tensorwise<LAMBOptions>;

}  // namespace descent::optim
