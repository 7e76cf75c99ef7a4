// Adam, AdamW and Adam in the paper's efficient form. Reference: torch/optim/adam.py and
// adamw.py (_single_tensor_adam/_adamw, PyTorch 1.13); Kingma & Ba (2015) Algorithm 1 and §2.
#include "descent/optim/adam.hpp"

#include <algorithm>
#include <cmath>
#include <concepts>

#include "descent/optim/rule.hpp"

namespace descent::optim {

namespace {

// The rows of Adam and AdamW (whose weight decay differs in mode and default only).
template <class O>
std::vector<Field<O>> adam_table() {
  std::vector<Field<O>> fields = adam_fields<O>("learning rate α", "added to the denominator √v̂ + ε");
  fields.push_back(weight_decay_row<O>("weight decay λ"));
  fields.push_back(flag("amsgrad", &O::amsgrad, "AMSGrad: divide by the running maximum of v (Reddi et al. 2018)"));
  return fields;
}

}  // namespace

template <>
Table<AdamOptions> table_of<AdamOptions>() {  // torch.optim.Adam's arguments, in its order
  return {"adam", WeightDecay::l2, adam_table<AdamOptions>()};
}

template <>
Table<AdamWOptions> table_of<AdamWOptions>() {  // torch.optim.AdamW's arguments, in its order
  return {"adamw", WeightDecay::decoupled, adam_table<AdamWOptions>()};
}

// One Adam update; the weight decay (L2 for Adam, decoupled for AdamW) is applied by the slot.
template <class T, class O>
requires std::same_as<O, AdamOptions> || std::same_as<O, AdamWOptions>
void update(const O& options, Slot<T>& slot) {
  const auto [beta1, beta2] = options.betas;
  const double t = slot.next_step();
  const double bias_correction1 = 1.0 - std::pow(beta1, t);
  const double bias_correction2_sqrt = std::sqrt(1.0 - std::pow(beta2, t));
  T* m = slot.zeros("exp_avg");
  T* v = slot.zeros("exp_avg_sq");
  T* v_max = options.amsgrad ? slot.zeros("max_exp_avg_sq") : v;
  const T b1 = T(beta1), b2 = T(beta2), one_minus_b1 = T(1.0 - beta1), one_minus_b2 = T(1.0 - beta2),
          epsilon = T(options.eps), step_size = T(options.lr / bias_correction1), bc2_sqrt = T(bias_correction2_sqrt);
  slot.apply([=](int64_t i, T g, T& theta) {
    m[i] = m[i] * b1 + one_minus_b1 * g;                 // m ← β₁m + (1−β₁)g
    v[i] = v[i] * b2 + one_minus_b2 * g * g;             // v ← β₂v + (1−β₂)g²
    v_max[i] = std::max(v_max[i], v[i]);                 // AMSGrad (v_max is v itself without it)
    T denom = std::sqrt(v_max[i]) / bc2_sqrt + epsilon;  // √v̂ + ε, v̂ = v/(1−β₂ᵗ)
    theta = theta + (-step_size) * (m[i] / denom);       // θ ← θ − α/(1−β₁ᵗ) · m/(√v̂ + ε)
  });
}

template <>
Table<AdamEfficientOptions> table_of<AdamEfficientOptions>() {  // the hyperparameters of Kingma & Ba (2015) §2
  using O = AdamEfficientOptions;
  return {"adam_efficient",
          WeightDecay::none,
          {lr_row<O>("learning rate α"), beta_row<O>(0, "decay of the first-moment average"),
           beta_row<O>(1, "decay of the second-moment average"),
           eps_row<O>("ε̂, added to √v (the uncorrected second moment)")}};
}

template <class T>
void update(const AdamEfficientOptions& options, Slot<T>& slot) {
  const auto [beta1, beta2] = options.betas;
  const double t = slot.next_step();
  // α_t = α·√(1−β₂ᵗ)/(1−β₁ᵗ): both bias corrections folded into one scalar per step.
  const double alpha_t = options.lr * std::sqrt(1.0 - std::pow(beta2, t)) / (1.0 - std::pow(beta1, t));
  T* m = slot.zeros("exp_avg");
  T* v = slot.zeros("exp_avg_sq");
  const T b1 = T(beta1), b2 = T(beta2), one_minus_b1 = T(1.0 - beta1), one_minus_b2 = T(1.0 - beta2),
          eps_hat = T(options.eps), a_t = T(alpha_t);
  slot.apply([=](int64_t i, T g, T& theta) {
    m[i] = m[i] * b1 + one_minus_b1 * g;                       // m ← β₁m + (1−β₁)g
    v[i] = v[i] * b2 + one_minus_b2 * g * g;                   // v ← β₂v + (1−β₂)g²
    theta = theta - a_t * m[i] / (std::sqrt(v[i]) + eps_hat);  // θ ← θ − α_t·m/(√v + ε̂)
  });
}

template class Tabled<AdamOptions>;
template class Elementwise<AdamOptions>;
template class Tabled<AdamWOptions>;
template class Elementwise<AdamWOptions>;
template class Tabled<AdamEfficientOptions>;
template class Elementwise<AdamEfficientOptions>;

}  // namespace descent::optim
