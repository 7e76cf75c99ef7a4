// Stochastic gradient descent with momentum, in two forms:
//  - SGD: torch.optim.SGD (Sutskever et al. 2013 as PyTorch writes it: lr outside the
//    velocity, b = μb + (1−τ)g; θ −= lr·b), with dampening, Nesterov, L2 weight decay, maximize;
//  - Momentum: the original form (Rumelhart, Hinton & Williams 1986; Polyak 1964) with the
//    learning rate inside the velocity, v = βv − αg; θ += v.
// The two agree for a constant lr and differ when lr changes (the velocity keeps old lrs).
#pragma once
#include "descent/optim/elementwise.hpp"

namespace descent::optim {

struct SGDOptions {
  double lr = 1e-2;           // required in PyTorch; Keras' default
  double momentum = 0.0;      // momentum factor μ
  double dampening = 0.0;     // dampening τ of the momentum
  double weight_decay = 0.0;  // L2 penalty λ added to the gradient
  bool nesterov = false;      // Nesterov momentum
  bool maximize = false;      // maximize the objective
};
using SGD = Elementwise<SGDOptions>;

struct MomentumOptions {
  double lr = 1e-3;           // learning rate α (inside the velocity)
  double momentum = 0.9;      // momentum factor β
  double weight_decay = 0.0;  // L2 penalty λ added to the gradient
  bool maximize = false;      // maximize the objective
};
using Momentum = Elementwise<MomentumOptions>;

}  // namespace descent::optim
