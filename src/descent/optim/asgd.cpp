// ASGD. Reference: torch/optim/asgd.py (_single_tensor_asgd, PyTorch 1.13). PyTorch keeps
// η and μ in 0-dim tensors of the default dtype; we keep them in double, which equals
// PyTorch run with torch.set_default_dtype(torch.float64).
#include "descent/optim/asgd.hpp"

#include <algorithm>
#include <cmath>

#include "descent/optim/rule.hpp"

namespace descent::optim {

template <>
Table<ASGDOptions> table_of<ASGDOptions>() {  // torch.optim.ASGD's arguments, in its order
  using O = ASGDOptions;
  return {"asgd",
          WeightDecay::l2,
          {lr_row<O>("learning rate"), number("lambd", &O::lambd, any_finite(), "decay term λ"),
           number("alpha", &O::alpha, any_finite(), "power for the η update"),
           number("t0", &O::t0, any_finite(), "step at which averaging starts"),
           weight_decay_row<O>("L2 penalty added to the gradient")}};
}

template <class T>
void update(const ASGDOptions& options, Slot<T>& slot) {
  const double lr = options.lr, lambd = options.lambd;
  const double t = slot.next_step();
  const double eta = slot.scalar("eta", lr), mu = slot.scalar("mu", 1.0);
  T* ax = slot.zeros("ax");
  const T decay = T(1.0 - lambd * eta), step_size = T(eta), m = T(mu);
  const bool averaging = mu != 1.0;
  slot.apply([=](int64_t i, T g, T& theta) {
    theta = theta * decay;                                    // θ ← θ(1 − λη)
    theta = theta + (-step_size) * g;                         // θ ← θ − ηg
    ax[i] = averaging ? ax[i] + (theta - ax[i]) * m : theta;  // ā ← ā + μ(θ − ā)
  });
  slot.scalar("eta") = lr / std::pow(1.0 + lambd * lr * t, options.alpha);  // η_t = lr/(1+λ·lr·t)^α
  slot.scalar("mu") = 1.0 / std::max(1.0, t - options.t0);                  // μ_t = 1/max(1, t − t₀)
}

template class Tabled<ASGDOptions>;
template class Elementwise<ASGDOptions>;

}  // namespace descent::optim
