// Rprop (torch/optim/rprop.py, _single_tensor_rprop, PyTorch 1.13) and local adaptive gains
// (Jacobs 1988; Hinton, Neural Networks for Machine Learning, lecture 6.5).
#include "descent/optim/sign_adaptive.hpp"

#include <algorithm>

#include "descent/optim/rule.hpp"

namespace descent::optim {

namespace {

template <class T>
T sign_of(T x) {
  return T((x > T(0)) - (x < T(0)));
}

}  // namespace

template <>
Table<RpropOptions> table_of<RpropOptions>() {  // torch.optim.Rprop's arguments, in its order
  using O = RpropOptions;
  return {"rprop",
          WeightDecay::none,
          {lr_row<O>("initial step size of every weight"),
           element("etaminus", &O::etas, 0, "etas", {.lo = 0, .hi = 1, .lo_open = true, .hi_open = true},
                   "step size factor after a sign change (etas[0])"),
           element("etaplus", &O::etas, 1, "etas", above(1), "step size factor while the sign holds (etas[1])"),
           element("step_size_min", &O::step_sizes, 0, "step_sizes", at_least(0), "smallest step size (step_sizes[0])"),
           element("step_size_max", &O::step_sizes, 1, "step_sizes", any_finite(),
                   "largest step size (step_sizes[1])")}};
}

void check_relations(const RpropOptions& options) {
  const auto [step_size_min, step_size_max] = options.step_sizes;
  if (!(step_size_min <= step_size_max))
    throw ValueError("rprop: invalid step_sizes: step_size_min = " + std::to_string(step_size_min) +
                     " exceeds step_size_max = " + std::to_string(step_size_max));
}

template <class T>
void update(const RpropOptions& options, Slot<T>& slot) {
  slot.next_step();
  T* prev = slot.zeros("prev");
  T* step_size = slot.filled("step_size", options.lr);
  const T eta_minus = T(options.etas.first), eta_plus = T(options.etas.second), lo = T(options.step_sizes.first),
          hi = T(options.step_sizes.second);
  slot.apply([=](int64_t i, T g, T& theta) {
    T agreement = sign_of(g * prev[i]);
    T factor = agreement > T(0) ? eta_plus : agreement < T(0) ? eta_minus : T(1);
    step_size[i] = std::clamp(step_size[i] * factor, lo, hi);  // grow while consistent, shrink on a flip
    if (agreement < T(0)) g = T(0);                            // after a flip: no step, forget the sign
    theta = theta + T(-1) * (sign_of(g) * step_size[i]);       // θ ← θ − sign(g)·Δ
    prev[i] = g;
  });
}

template <>
Table<AdaptiveGainsOptions> table_of<AdaptiveGainsOptions>() {  // the hyperparameters of Jacobs (1988)
  using O = AdaptiveGainsOptions;
  return {"adaptive_gains",
          WeightDecay::l2,
          {lr_row<O>("global learning rate η"),
           number("beta", &O::beta, in(0, 1), "gain increment while the sign holds; factor 1−β on a flip"),
           number("gain_min", &O::gain_min, {.lo = 0, .hi = 1, .lo_open = true}, "smallest gain"),
           number("gain_max", &O::gain_max, at_least(1), "largest gain"),
           weight_decay_row<O>("L2 penalty λ added to the gradient")}};
}

template <class T>
void update(const AdaptiveGainsOptions& options, Slot<T>& slot) {
  slot.next_step();
  T* prev = slot.zeros("prev");
  T* gain = slot.filled("gain", 1.0);
  const T beta = T(options.beta), shrink = T(1.0 - options.beta), lo = T(options.gain_min), hi = T(options.gain_max),
          eta = T(options.lr);
  slot.apply([=](int64_t i, T g, T& theta) {
    T agreement = g * prev[i];
    if (agreement > T(0)) gain[i] = gain[i] + beta;    // consistent: g ← g + β
    if (agreement < T(0)) gain[i] = gain[i] * shrink;  // flipped:    g ← g·(1−β)
    gain[i] = std::clamp(gain[i], lo, hi);
    theta = theta - eta * gain[i] * g;  // Δθ = −η·gain·∂L/∂θ
    prev[i] = g;
  });
}

template class Tabled<RpropOptions>;
template class Elementwise<RpropOptions>;
template class Tabled<AdaptiveGainsOptions>;
template class Elementwise<AdaptiveGainsOptions>;

}  // namespace descent::optim
