// SGD (PyTorch's form) and Momentum (the original form). References: torch/optim/sgd.py
// (_single_tensor_sgd, PyTorch 1.13); Sutskever, Martens, Dahl & Hinton (2013), "On the
// importance of initialization and momentum in deep learning"; Rumelhart, Hinton & Williams (1986).
#include "descent/optim/sgd.hpp"

#include "descent/optim/rule.hpp"

namespace descent::optim {

template <>
Table<SGDOptions> table_of<SGDOptions>() {  // torch.optim.SGD's arguments, in its order
  return {"sgd",
          WeightDecay::l2,
          {lr_row<SGDOptions>("learning rate (required in PyTorch; Keras' default)"),
           number("momentum", &SGDOptions::momentum, at_least(0), "momentum factor μ"),
           number("dampening", &SGDOptions::dampening, at_least(0), "dampening τ of the momentum"),
           weight_decay_row<SGDOptions>("L2 penalty λ added to the gradient"),
           flag("nesterov", &SGDOptions::nesterov, "Nesterov momentum")}};
}

void check_relations(const SGDOptions& options) {
  if (options.nesterov && !(options.momentum > 0.0 && options.dampening == 0.0))
    throw ValueError("sgd: nesterov = true requires momentum > 0 and dampening = 0 (got momentum = " +
                     std::to_string(options.momentum) + ", dampening = " + std::to_string(options.dampening) + ")");
}

template <class T>
void update(const SGDOptions& options, Slot<T>& slot) {
  const T eta = T(options.lr);
  if (options.momentum == 0.0) {
    slot.apply([=](int64_t, T g, T& theta) { theta = theta - eta * g; });  // θ ← θ − lr·g
    return;
  }
  // The first step starts the buffer at the gradient itself (no dampening), as PyTorch.
  const bool first = !slot.has("momentum_buffer");
  T* b = slot.zeros("momentum_buffer");
  const T mu = T(options.momentum), keep = first ? T(0) : mu, take = first ? T(1) : T(1.0 - options.dampening);
  const bool nesterov = options.nesterov;
  slot.apply([=](int64_t i, T g, T& theta) {
    b[i] = b[i] * keep + take * g;          // b ← μ·b + (1−τ)·g
    T d = nesterov ? g + mu * b[i] : b[i];  // Nesterov looks one step ahead
    theta = theta - eta * d;                // θ ← θ − lr·d
  });
}

template <>
Table<MomentumOptions> table_of<MomentumOptions>() {  // the hyperparameters of Rumelhart et al. (1986)
  return {"momentum",
          WeightDecay::l2,
          {lr_row<MomentumOptions>("learning rate α (inside the velocity)"),
           number("momentum", &MomentumOptions::momentum, in(0, 1), "momentum factor β"),
           weight_decay_row<MomentumOptions>("L2 penalty λ added to the gradient")}};
}

template <class T>
void update(const MomentumOptions& options, Slot<T>& slot) {
  T* v = slot.zeros("velocity");
  const T alpha = T(options.lr), beta = T(options.momentum);
  slot.apply([=](int64_t i, T g, T& theta) {
    v[i] = beta * v[i] - alpha * g;  // v ← βv − αg
    theta = theta + v[i];            // θ ← θ + v
  });
}

template class Tabled<SGDOptions>;
template class Elementwise<SGDOptions>;
template class Tabled<MomentumOptions>;
template class Elementwise<MomentumOptions>;

}  // namespace descent::optim
