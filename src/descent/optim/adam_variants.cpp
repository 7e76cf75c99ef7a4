// Adamax, NAdam, RAdam (torch/optim/adamax.py, nadam.py, radam.py of PyTorch 1.13, the
// _single_tensor_* functions) and AdaBelief (Zhuang et al. 2020, Algorithm 2).
#include "descent/optim/adam_variants.hpp"

#include <algorithm>
#include <cmath>

#include "descent/optim/rule.hpp"

namespace descent::optim {

namespace {

// lr, betas, eps and weight decay: the table of Adamax, RAdam and AdaBelief.
template <class O>
std::vector<Field<O>> betas_eps(const char* weight_decay_help) {
  std::vector<Field<O>> fields = adam_fields<O>("learning rate", "added to the denominator");
  fields.push_back(weight_decay_row<O>(weight_decay_help));
  return fields;
}

constexpr const char* kL2 = "L2 penalty λ added to the gradient";

}  // namespace

template <>
Table<AdamaxOptions> table_of<AdamaxOptions>() {  // torch.optim.Adamax's arguments, in its order
  return {"adamax", WeightDecay::l2, betas_eps<AdamaxOptions>(kL2)};
}

template <class T>
void update(const AdamaxOptions& options, Slot<T>& slot) {
  const double t = slot.next_step(), beta1 = options.betas.first;
  const double clr = options.lr / (1.0 - std::pow(beta1, t));
  T* m = slot.zeros("exp_avg");
  T* u = slot.zeros("exp_inf");
  const T b1 = T(beta1), one_minus_b1 = T(1.0 - beta1), b2 = T(options.betas.second), eps = T(options.eps),
          step_size = T(clr);
  slot.apply([=](int64_t i, T g, T& theta) {
    m[i] = m[i] * b1 + one_minus_b1 * g;            // m ← β₁m + (1−β₁)g
    u[i] = std::max(u[i] * b2, std::abs(g) + eps);  // u ← max(β₂u, |g| + ε)
    theta = theta + (-step_size) * (m[i] / u[i]);   // θ ← θ − lr/(1−β₁ᵗ) · m/u
  });
}

template <>
Table<NAdamOptions> table_of<NAdamOptions>() {  // torch.optim.NAdam's arguments, in its order
  std::vector<Field<NAdamOptions>> fields = betas_eps<NAdamOptions>(kL2);
  fields.push_back(
      number("momentum_decay", &NAdamOptions::momentum_decay, at_least(0), "ψ in μ_t = β₁(1 − ½·0.96^(t·ψ))"));
  return {"nadam", WeightDecay::l2, fields};
}

template <class T>
void update(const NAdamOptions& options, Slot<T>& slot) {
  const auto [beta1, beta2] = options.betas;
  const double t = slot.next_step(), psi = options.momentum_decay, lr = options.lr;
  const double bias_correction2 = 1.0 - std::pow(beta2, t);
  // The momentum schedule μ_t and μ_{t+1}, and their running product Π μ_i.
  const double mu = beta1 * (1.0 - 0.5 * std::pow(0.96, t * psi));
  const double mu_next = beta1 * (1.0 - 0.5 * std::pow(0.96, (t + 1.0) * psi));
  const double mu_product = (slot.scalar("mu_product", 1.0) *= mu);
  const double mu_product_next = mu_product * mu * mu_next;
  T* m = slot.zeros("exp_avg");
  T* v = slot.zeros("exp_avg_sq");
  const T b1 = T(beta1), one_minus_b1 = T(1.0 - beta1), b2 = T(beta2), one_minus_b2 = T(1.0 - beta2),
          eps = T(options.eps), bc2 = T(bias_correction2), grad_step = T(-lr * (1.0 - mu) / (1.0 - mu_product)),
          momentum_step = T(-lr * mu_next / (1.0 - mu_product_next));
  slot.apply([=](int64_t i, T g, T& theta) {
    m[i] = m[i] * b1 + one_minus_b1 * g;
    v[i] = v[i] * b2 + one_minus_b2 * g * g;
    T denom = std::sqrt(v[i] / bc2) + eps;
    // θ ← θ − lr(1−μ_t)/(1−Πμ) · g/denom − lr·μ_{t+1}/(1−Πμ·μ_{t+1}) · m/denom
    theta = theta + grad_step * (g / denom);
    theta = theta + momentum_step * (m[i] / denom);
  });
}

template <>
Table<RAdamOptions> table_of<RAdamOptions>() {  // torch.optim.RAdam's arguments, in its order
  return {"radam", WeightDecay::l2, betas_eps<RAdamOptions>(kL2)};
}

template <class T>
void update(const RAdamOptions& options, Slot<T>& slot) {
  const auto [beta1, beta2] = options.betas;
  const double t = slot.next_step();
  const double bias_correction1 = 1.0 - std::pow(beta1, t), bias_correction2 = 1.0 - std::pow(beta2, t);
  // ρ_∞ and ρ_t: the length of the approximated simple moving average.
  const double rho_inf = 2.0 / (1.0 - beta2) - 1.0;
  const double rho_t = rho_inf - 2.0 * t * std::pow(beta2, t) / bias_correction2;
  const bool rectified = rho_t > 5.0;
  const double rect =
      rectified ? std::sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) : 0.0;
  T* m = slot.zeros("exp_avg");
  T* v = slot.zeros("exp_avg_sq");
  const T b1 = T(beta1), one_minus_b1 = T(1.0 - beta1), b2 = T(beta2), one_minus_b2 = T(1.0 - beta2),
          eps = T(options.eps), bc1 = T(bias_correction1), bc2_sqrt = T(std::sqrt(bias_correction2)),
          eta = T(options.lr), r = T(rect);
  slot.apply([=](int64_t i, T g, T& theta) {
    m[i] = m[i] * b1 + one_minus_b1 * g;
    v[i] = v[i] * b2 + one_minus_b2 * g * g;
    T m_hat = m[i] / bc1;
    if (rectified) {
      T adaptive_lr = bc2_sqrt / (std::sqrt(v[i]) + eps);  // 1/√v̂ (with ε)
      theta = theta - m_hat * eta * adaptive_lr * r;
    } else {
      theta = theta - m_hat * eta;  // plain momentum while the variance is intractable
    }
  });
}

template <>
Table<AdaBeliefOptions> table_of<AdaBeliefOptions>() {  // the hyperparameters of Zhuang et al. (2020)
  return {"adabelief", WeightDecay::decoupled,
          betas_eps<AdaBeliefOptions>("decoupled weight decay: θ ← θ(1 − lr·λ), as AdamW")};
}

template <class T>
void update(const AdaBeliefOptions& options, Slot<T>& slot) {
  const auto [beta1, beta2] = options.betas;
  const double t = slot.next_step();
  const double bias_correction1 = 1.0 - std::pow(beta1, t), bias_correction2 = 1.0 - std::pow(beta2, t);
  T* m = slot.zeros("exp_avg");
  T* s = slot.zeros("exp_avg_var");
  const T b1 = T(beta1), one_minus_b1 = T(1.0 - beta1), b2 = T(beta2), one_minus_b2 = T(1.0 - beta2),
          eps = T(options.eps), step_size = T(options.lr / bias_correction1), bc2_sqrt = T(std::sqrt(bias_correction2));
  slot.apply([=](int64_t i, T g, T& theta) {  // θ ← θ(1 − lr·λ) already applied (decoupled decay)
    m[i] = m[i] * b1 + one_minus_b1 * g;      // m ← β₁m + (1−β₁)g
    T surprise = g - m[i];
    s[i] = s[i] * b2 + one_minus_b2 * surprise * surprise + eps;  // s ← β₂s + (1−β₂)(g−m)² + ε
    T denom = std::sqrt(s[i]) / bc2_sqrt + eps;                   // √ŝ + ε
    theta = theta - step_size * (m[i] / denom);                   // θ ← θ − lr·m̂/(√ŝ + ε)
  });
}

template class Tabled<AdamaxOptions>;
template class Elementwise<AdamaxOptions>;
template class Tabled<NAdamOptions>;
template class Elementwise<NAdamOptions>;
template class Tabled<RAdamOptions>;
template class Elementwise<RAdamOptions>;
template class Tabled<AdaBeliefOptions>;
template class Elementwise<AdaBeliefOptions>;

}  // namespace descent::optim
