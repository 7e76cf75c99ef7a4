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
  double lr = 1e-2;
  double lr_decay = 0.0;
  double weight_decay = 0.0;
  double initial_accumulator_value = 0.0;
  double eps = 1e-10;
  bool maximize = false;
};
using Adagrad = Elementwise<AdagradOptions>;

struct RMSpropOptions {
  double lr = 1e-2;
  double alpha = 0.99;
  double eps = 1e-8;
  double weight_decay = 0.0;
  double momentum = 0.0;
  bool centered = false;
  bool maximize = false;
};
using RMSprop = Elementwise<RMSpropOptions>;

struct AdadeltaOptions {
  double lr = 1.0;
  double rho = 0.9;
  double eps = 1e-6;
  double weight_decay = 0.0;
  bool maximize = false;
};
using Adadelta = Elementwise<AdadeltaOptions>;

}  // namespace descent::optim
