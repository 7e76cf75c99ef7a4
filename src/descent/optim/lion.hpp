// Lion: Chen et al. (2023), "Symbolic Discovery of Optimization Algorithms" (Program 1):
// the step is the sign of an interpolation of momentum and gradient, so every coordinate
// moves by exactly lr; decoupled weight decay as AdamW.
#pragma once
#include <utility>

#include "descent/optim/elementwise.hpp"

namespace descent::optim {

struct LionOptions {
  double lr = 1e-4;                               // learning rate (3-10x smaller than AdamW's)
  std::pair<double, double> betas = {0.9, 0.99};  // beta1, beta2 in the groups; betas=a/b in specs
  double weight_decay = 0.0;                      // decoupled weight decay λ: θ ← θ(1 − lr·λ)
  bool maximize = false;                          // maximize the objective
};
using Lion = Elementwise<LionOptions>;

}  // namespace descent::optim
