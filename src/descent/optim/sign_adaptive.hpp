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
  double lr = 1e-2;
  std::pair<double, double> etas = {0.5, 1.2};
  std::pair<double, double> step_sizes = {1e-6, 50.0};
  bool maximize = false;
};
using Rprop = Elementwise<RpropOptions>;

struct AdaptiveGainsOptions {
  double lr = 1e-2;
  double beta = 0.05;
  double gain_min = 0.01;
  double gain_max = 100.0;
  double weight_decay = 0.0;
  bool maximize = false;
};
using AdaptiveGains = Elementwise<AdaptiveGainsOptions>;

}  // namespace descent::optim
