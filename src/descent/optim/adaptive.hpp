// Per-coordinate adaptive step sizes from a running sum or average of squared gradients:
//  - Adagrad: Duchi, Hazan & Singer (2011), as torch.optim.Adagrad (lr_decay, initial
//    accumulator, eps outside the root);
//  - RMSprop: Tieleman & Hinton (2012, Coursera lecture 6.5), as torch.optim.RMSprop (eps
//    outside the root; centered: Graves 2013; momentum on the scaled gradient);
//  - Adadelta: Zeiler (2012), "ADADELTA: An Adaptive Learning Rate Method", as torch.optim.Adadelta.
#pragma once
#include "descent/optim/elementwise.hpp"

namespace descent::optim {

struct AdagradOptions {
  double lr = 1e-2;                        // learning rate
  double lr_decay = 0.0;                   // lr_t = lr / (1 + (t−1)·lr_decay)
  double weight_decay = 0.0;               // L2 penalty λ added to the gradient
  double initial_accumulator_value = 0.0;  // starting value of the sum of squared gradients
  double eps = 1e-10;                      // added to √sum
  bool maximize = false;                   // maximize the objective
};
using Adagrad = Elementwise<AdagradOptions>;

struct RMSpropOptions {
  double lr = 1e-2;           // learning rate
  double alpha = 0.99;        // decay of the average of squared gradients
  double eps = 1e-8;          // added to √E[g²] (outside the root, unlike Keras)
  double weight_decay = 0.0;  // L2 penalty λ added to the gradient
  double momentum = 0.0;      // momentum on the scaled gradient
  bool centered = false;      // divide by the estimated variance √(E[g²] − E[g]²) (Graves 2013)
  bool maximize = false;      // maximize the objective
};
using RMSprop = Elementwise<RMSpropOptions>;

struct AdadeltaOptions {
  double lr = 1.0;            // scale of the update
  double rho = 0.9;           // decay of the running averages
  double eps = 1e-6;          // added inside both roots
  double weight_decay = 0.0;  // L2 penalty λ added to the gradient
  bool maximize = false;      // maximize the objective
};
using Adadelta = Elementwise<AdadeltaOptions>;

}  // namespace descent::optim
