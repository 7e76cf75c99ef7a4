// ADOPT: Taniguchi et al. (2024), "ADOPT: Modified Adam Can Converge with Any β2 with the
// Optimal Rate". The gradient is normalized by the second moment of the steps before it
// (not including its own), then clipped and averaged into the momentum; the first step only
// initializes the second moment. As optax.contrib.adopt (scale_by_adopt followed by
// scale_by_learning_rate), with the clipping of the paper's final version: clip value
// (t − 1)^0.25 at step t.
#pragma once
#include <utility>

#include "descent/optim/elementwise.hpp"

namespace descent::optim {

struct AdoptOptions {
  double lr = 1e-3;                                 // learning rate (optax's learning_rate)
  std::pair<double, double> betas = {0.9, 0.9999};  // b1, b2 (optax's defaults); betas=a/b in specs
  double eps = 1e-6;                                // floor of √v in the normalization: g / max(√v, ε)
  double weight_decay = 0.0;                        // decoupled weight decay λ: θ ← θ(1 − lr·λ)
  bool nesterov = false;                            // step along β₁m + (1−β₁)u instead of m
  bool maximize = false;                            // maximize the objective
};
using Adopt = Elementwise<AdoptOptions>;

}  // namespace descent::optim
