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
  double lr = 1e-2;  // required in PyTorch; Keras' default
  double momentum = 0.0;
  double dampening = 0.0;
  double weight_decay = 0.0;
  bool nesterov = false;
  bool maximize = false;
};
using SGD = Elementwise<SGDOptions>;

struct MomentumOptions {
  double lr = 1e-3;
  double momentum = 0.9;
  double weight_decay = 0.0;
  bool maximize = false;
};
using Momentum = Elementwise<MomentumOptions>;

}  // namespace descent::optim
