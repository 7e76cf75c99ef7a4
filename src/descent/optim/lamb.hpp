// LAMB: You et al. (2020), "Large Batch Optimization for Deep Learning: Training BERT in
// 76 minutes" (Algorithm 2): the Adam direction plus decoupled weight decay, rescaled per
// parameter tensor by the trust ratio ‖θ‖/‖r‖. The norms need one pass before the update,
// so LAMB is not elementwise: two passes per tensor (moments and norms, then the step).
#pragma once
#include <utility>

#include "descent/optim/elementwise.hpp"

namespace descent::optim {

struct LAMBOptions {
  double lr = 1e-3;                                // learning rate
  std::pair<double, double> betas = {0.9, 0.999};  // beta1, beta2 in the groups; betas=a/b in specs
  double eps = 1e-6;                               // added to √v̂
  double weight_decay = 0.0;                       // decoupled, inside the trust-ratio direction
  bool maximize = false;                           // maximize the objective
};

using LAMB = Tensorwise<LAMBOptions>;

}  // namespace descent::optim
