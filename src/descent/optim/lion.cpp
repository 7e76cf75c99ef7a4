// Lion, following the paper's Program 1 (Chen et al. 2023) line by line.
#include "descent/optim/lion.hpp"

#include "descent/optim/rule.hpp"

namespace descent::optim {

template <>
Table<LionOptions> table_of<LionOptions>() {  // the hyperparameters of Chen et al. (2023)
  using O = LionOptions;
  return {"lion",
          WeightDecay::decoupled,
          {lr_row<O>("learning rate (3-10x smaller than AdamW's)"),
           beta_row<O>(0, "interpolation between momentum and gradient for the sign"),
           beta_row<O>(1, "decay of the momentum"), weight_decay_row<O>("decoupled weight decay λ: θ ← θ(1 − lr·λ)")}};
}

template <class T>
void update(const LionOptions& options, Slot<T>& slot) {
  slot.next_step();
  T* m = slot.zeros("exp_avg");
  const auto [beta1, beta2] = options.betas;
  const T b1 = T(beta1), one_minus_b1 = T(1.0 - beta1), b2 = T(beta2), one_minus_b2 = T(1.0 - beta2),
          lr = T(options.lr);
  slot.apply([=](int64_t i, T g, T& theta) {   // θ ← θ(1 − lr·λ) already applied (decoupled decay)
    T c = b1 * m[i] + one_minus_b1 * g;        // c ← β₁m + (1−β₁)g
    T direction = T((c > T(0)) - (c < T(0)));  // sign(c)
    theta = theta - lr * direction;            // θ ← θ(1 − lr·λ) − lr·sign(c)
    m[i] = b2 * m[i] + one_minus_b2 * g;       // m ← β₂m + (1−β₂)g
  });
}

template class Tabled<LionOptions>;
template class Elementwise<LionOptions>;

}  // namespace descent::optim
