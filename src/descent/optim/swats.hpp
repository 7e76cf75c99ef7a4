// SWATS: Keskar & Socher (2017), "Improving Generalization Performance by Switching from
// Adam to SGD" (Algorithm 1). Adam, while it watches the projection of its step
// p on the gradient: γ = pᵀp/(−pᵀg) estimates the SGD learning rate that would make the
// same progress; once its bias-corrected running average λ/(1−β₂ᵗ) settles (within
// switch_tol of γ), that tensor switches to SGD with momentum at that learning rate Λ.
// The switch is decided per parameter tensor (state scalar "phase": 0 Adam, 1 SGD).
#pragma once
#include <utility>

#include "descent/optim/elementwise.hpp"

namespace descent::optim {

struct SWATSOptions {
  double lr = 1e-3;                                // Adam's learning rate α
  std::pair<double, double> betas = {0.9, 0.999};  // beta1, beta2 in the groups; betas=a/b in specs
  double eps = 1e-9;                               // added to √v
  double switch_tol = 1e-9;                        // switch when |λ/(1−β₂ᵗ) − γ| < switch_tol
  double weight_decay = 0.0;                       // L2 penalty added to the gradient
  bool maximize = false;                           // maximize the objective
};

// Not elementwise: the switch needs pᵀg and pᵀp over the whole tensor.
using SWATS = Tensorwise<SWATSOptions>;

}  // namespace descent::optim
