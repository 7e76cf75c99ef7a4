// Adagrad, RMSprop, Adadelta. Reference: torch/optim/adagrad.py, rmsprop.py, adadelta.py
// (the _single_tensor_* functions of PyTorch 1.13); each update below follows those lines.
#include "descent/optim/adaptive.hpp"

#include <cmath>

#include "descent/optim/rule.hpp"

namespace descent::optim {

template <>
Table<AdagradOptions> table_of<AdagradOptions>() {  // torch.optim.Adagrad's arguments, in its order
  using O = AdagradOptions;
  return {"adagrad",
          WeightDecay::l2,
          {lr_row<O>("learning rate"),
           number("lr_decay", &O::lr_decay, at_least(0), "lr_t = lr / (1 + (t−1)·lr_decay)"),
           weight_decay_row<O>("L2 penalty λ added to the gradient"),
           number("initial_accumulator_value", &O::initial_accumulator_value, at_least(0),
                  "starting value of the sum of squared gradients"),
           eps_row<O>("added to √sum")}};
}

template <class T>
void update(const AdagradOptions& options, Slot<T>& slot) {
  const double t = slot.next_step();
  const double clr = options.lr / (1.0 + (t - 1.0) * options.lr_decay);
  T* sum = slot.filled("sum", options.initial_accumulator_value);
  const T eps = T(options.eps), step_size = T(clr);
  slot.apply([=](int64_t i, T g, T& theta) {
    sum[i] = sum[i] + g * g;  // G ← G + g²
    T std = std::sqrt(sum[i]) + eps;
    theta = theta + (-step_size) * (g / std);  // θ ← θ − lr_t · g/(√G + ε)
  });
}

template <>
Table<RMSpropOptions> table_of<RMSpropOptions>() {  // torch.optim.RMSprop's arguments, in its order
  using O = RMSpropOptions;
  return {"rmsprop",
          WeightDecay::l2,
          {lr_row<O>("learning rate"),
           number("alpha", &O::alpha, at_least(0), "decay of the average of squared gradients"),
           eps_row<O>("added to √E[g²] (outside the root, unlike Keras)"),
           weight_decay_row<O>("L2 penalty λ added to the gradient"),
           number("momentum", &O::momentum, at_least(0), "momentum on the scaled gradient"),
           flag("centered", &O::centered, "divide by the estimated variance √(E[g²] − E[g]²) (Graves 2013)")}};
}

template <class T>
void update(const RMSpropOptions& options, Slot<T>& slot) {
  const bool centered = options.centered, with_momentum = options.momentum > 0.0;
  slot.next_step();
  T* square_avg = slot.zeros("square_avg");
  T* grad_avg = centered ? slot.zeros("grad_avg") : nullptr;
  T* buf = with_momentum ? slot.zeros("momentum_buffer") : nullptr;
  const T a = T(options.alpha), one_minus_a = T(1.0 - options.alpha), eps = T(options.eps), mu = T(options.momentum),
          lr = T(options.lr);
  slot.apply([=](int64_t i, T g, T& theta) {
    square_avg[i] = square_avg[i] * a + one_minus_a * g * g;  // E[g²] ← αE[g²] + (1−α)g²
    T variance = square_avg[i];
    if (centered) {
      grad_avg[i] = grad_avg[i] * a + one_minus_a * g;     // E[g] ← αE[g] + (1−α)g
      variance = variance + (-grad_avg[i]) * grad_avg[i];  // E[g²] − E[g]²
    }
    T avg = std::sqrt(variance) + eps;
    if (with_momentum) {
      buf[i] = buf[i] * mu + g / avg;  // b ← μb + g/(√· + ε)
      theta = theta + (-lr) * buf[i];
    } else {
      theta = theta + (-lr) * (g / avg);
    }
  });
}

template <>
Table<AdadeltaOptions> table_of<AdadeltaOptions>() {  // torch.optim.Adadelta's arguments, in its order
  using O = AdadeltaOptions;
  return {"adadelta",
          WeightDecay::l2,
          {lr_row<O>("scale of the update"), number("rho", &O::rho, closed(0, 1), "decay of the running averages"),
           eps_row<O>("added inside both roots"), weight_decay_row<O>("L2 penalty λ added to the gradient")}};
}

template <class T>
void update(const AdadeltaOptions& options, Slot<T>& slot) {
  slot.next_step();
  T* square_avg = slot.zeros("square_avg");
  T* acc_delta = slot.zeros("acc_delta");
  const T rho = T(options.rho), one_minus_rho = T(1.0 - options.rho), eps = T(options.eps), lr = T(options.lr);
  slot.apply([=](int64_t i, T g, T& theta) {
    square_avg[i] = square_avg[i] * rho + one_minus_rho * g * g;  // E[g²] ← ρE[g²] + (1−ρ)g²
    T std = std::sqrt(square_avg[i] + eps);
    T delta = std::sqrt(acc_delta[i] + eps) / std * g;                  // Δ = √(E[Δ²]+ε)/√(E[g²]+ε) · g
    acc_delta[i] = acc_delta[i] * rho + one_minus_rho * delta * delta;  // E[Δ²] ← ρE[Δ²] + (1−ρ)Δ²
    theta = theta + (-lr) * delta;
  });
}

template class Tabled<AdagradOptions>;
template class Elementwise<AdagradOptions>;
template class Tabled<RMSpropOptions>;
template class Elementwise<RMSpropOptions>;
template class Tabled<AdadeltaOptions>;
template class Elementwise<AdadeltaOptions>;

}  // namespace descent::optim
