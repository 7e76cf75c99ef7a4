// Averaged SGD: Polyak & Juditsky (1992), "Acceleration of Stochastic Approximation by
// Averaging", with the step-size schedule of Bottou (2012), as torch.optim.ASGD. The
// averaged parameters are kept in the state buffer "ax"; the parameters themselves follow SGD.
#pragma once
#include "descent/optim/elementwise.hpp"

namespace descent::optim {

struct ASGDOptions {
  double lr = 1e-2;           // learning rate
  double lambd = 1e-4;        // decay term λ
  double alpha = 0.75;        // power for the η update
  double t0 = 1e6;            // step at which averaging starts
  double weight_decay = 0.0;  // L2 penalty added to the gradient
  bool maximize = false;      // maximize the objective
};
using ASGD = Elementwise<ASGDOptions>;

}  // namespace descent::optim
