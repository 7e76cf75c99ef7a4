// ADOPT, following optax.contrib.scale_by_adopt (update_fn) line by line; its count is the
// number of steps before this one, t − 1.
#include "descent/optim/adopt.hpp"

#include <algorithm>
#include <cmath>
#include <type_traits>

#include "descent/optim/adam.hpp"
#include "descent/optim/rule.hpp"

namespace descent::optim {

template <>
Table<AdoptOptions> table_of<AdoptOptions>() {  // optax's adopt arguments (Taniguchi et al. 2024)
  using O = AdoptOptions;
  std::vector<Field<O>> fields = adam_fields<O>("learning rate", "floor of √v in the normalization g / max(√v, ε)");
  fields.push_back(number("weight_decay", &O::weight_decay, at_least(0), "decoupled weight decay λ: θ ← θ(1 − lr·λ)"));
  fields.push_back(flag("nesterov", &O::nesterov, "step along β₁m + (1−β₁)u instead of m (optax's nesterov)"));
  return {"adopt", WeightDecay::decoupled, std::move(fields)};
}

template <class T>
void update(const AdoptOptions& options, Slot<T>& slot) {
  const double count = slot.next_step() - 1.0;
  T* m = slot.zeros("exp_avg");
  T* v = slot.zeros("exp_avg_sq");
  if (count == 0.0) {  // b2 = 0, b1 = 1 on the first step: v ← g², m and θ unchanged
    slot.apply([=](int64_t i, T g, T&) { v[i] = g * g; });
    return;
  }
  const auto [beta1, beta2] = options.betas;
  const T b1 = T(beta1), one_minus_b1 = T(1.0 - beta1), b2 = T(beta2), one_minus_b2 = T(1.0 - beta2),
          eps = T(options.eps), clip = T(std::pow(count, 0.25)), lr = T(options.lr);
  // One loop per variant: a branch on nesterov inside the body would keep it from vectorizing.
  auto kernel = [=]<bool nesterov>(std::bool_constant<nesterov>) {
    return [=](int64_t i, T g, T& theta) {
      T u = g / std::max(std::sqrt(v[i]), eps);   // u ← g / max(√v_{t−1}, ε)
      u = std::min(std::max(u, -clip), clip);     // clipped to ±(t − 1)^0.25
      m[i] = one_minus_b1 * u + b1 * m[i];        // m ← (1−β₁)u + β₁m
      v[i] = one_minus_b2 * (g * g) + b2 * v[i];  // v ← (1−β₂)g² + β₂v
      if constexpr (nesterov)
        theta = theta - lr * (one_minus_b1 * u + b1 * m[i]);  // θ ← θ − lr·((1−β₁)u + β₁m)
      else
        theta = theta - lr * m[i];  // θ ← θ − lr·m
    };
  };
  if (options.nesterov)
    slot.apply(kernel(std::true_type{}));
  else
    slot.apply(kernel(std::false_type{}));
}

template class Tabled<AdoptOptions>;
template class Elementwise<AdoptOptions>;

}  // namespace descent::optim
