// Lion: Chen et al. (2023), "Symbolic Discovery of Optimization Algorithms" (Program 1):
// the step is the sign of an interpolation of momentum and gradient, so every coordinate
// moves by exactly lr; decoupled weight decay as AdamW.
#pragma once
#include <utility>

#include "descent/optim/elementwise.hpp"

namespace descent::optim {

struct LionOptions {
  double lr = 1e-4;
  std::pair<double, double> betas = {0.9, 0.99};
  double weight_decay = 0.0;
  bool maximize = false;
};
using Lion = Elementwise<LionOptions>;

}  // namespace descent::optim
