// Per-weight step sizes adapted by whether the gradient's sign is consistent:
//  - Rprop: Riedmiller & Braun (1993), "A Direct Adaptive Method for Faster Backpropagation
//    Learning: The RPROP Algorithm", as torch.optim.Rprop (iRprop⁻: the gradient is zeroed
//    after a sign change, the step uses only the gradient's sign);
//  - AdaptiveGains: local adaptive gains, Jacobs (1988) "delta-bar-delta" in the form of
//    Hinton's Neural Networks for Machine Learning, lecture 6.5: a gain per weight, +β while
//    the gradient keeps its sign, ×(1−β) when it flips; Δθ = −lr·gain·g.
#pragma once
#include <utility>

#include "descent/optim/elementwise.hpp"

namespace descent::optim {

struct RpropOptions {
  double lr = 1e-2;                                     // initial step size of every weight
  std::pair<double, double> etas = {0.5, 1.2};          // etaminus, etaplus in the groups; etas=a/b in specs
  std::pair<double, double> step_sizes = {1e-6, 50.0};  // step_size_min, step_size_max; step_sizes=a/b in specs
  bool maximize = false;                                // maximize the objective
};
using Rprop = Elementwise<RpropOptions>;

struct AdaptiveGainsOptions {
  double lr = 1e-2;           // global learning rate η
  double beta = 0.05;         // gain increment while the sign holds; factor 1−β on a flip
  double gain_min = 0.01;     // smallest gain
  double gain_max = 100.0;    // largest gain
  double weight_decay = 0.0;  // L2 penalty λ added to the gradient
  bool maximize = false;      // maximize the objective
};
using AdaptiveGains = Elementwise<AdaptiveGainsOptions>;

}  // namespace descent::optim
