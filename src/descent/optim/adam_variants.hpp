// Relatives of Adam:
//  - Adamax: Kingma & Ba (2015) §7.1, Adam with the infinity norm, as torch.optim.Adamax;
//  - NAdam: Dozat (2016), "Incorporating Nesterov Momentum into Adam", as torch.optim.NAdam
//    (momentum schedule μ_t = β₁(1 − ½·0.96^(t·ψ)) and its running product);
//  - RAdam: Liu et al. (2020), "On the Variance of the Adaptive Learning Rate and Beyond",
//    as torch.optim.RAdam (SGD with momentum until the variance is tractable, ρ_t > 5);
//  - AdaBelief: Zhuang et al. (2020), "AdaBelief Optimizer: Adapting Stepsizes by the
//    Belief in Observed Gradients": the second moment tracks (g − m)² instead of g².
#pragma once
#include <utility>

#include "descent/optim/adam.hpp"

namespace descent::optim {

struct AdamaxOptions {
  double lr = 2e-3;                                // learning rate
  std::pair<double, double> betas = {0.9, 0.999};  // beta1, beta2 in the groups; betas=a/b in specs
  double eps = 1e-8;                               // added to |g| in u ← max(β₂u, |g| + ε)
  double weight_decay = 0.0;                       // L2 penalty λ added to the gradient
  bool maximize = false;                           // maximize the objective
};
using Adamax = Elementwise<AdamaxOptions>;

struct NAdamOptions {
  double lr = 2e-3;                                // learning rate
  std::pair<double, double> betas = {0.9, 0.999};  // beta1, beta2 in the groups; betas=a/b in specs
  double eps = 1e-8;                               // added to √v̂
  double weight_decay = 0.0;                       // L2 penalty λ added to the gradient
  double momentum_decay = 4e-3;                    // ψ in μ_t = β₁(1 − ½·0.96^(t·ψ))
  bool maximize = false;                           // maximize the objective
};
using NAdam = Elementwise<NAdamOptions>;

struct RAdamOptions {
  double lr = 1e-3;                                // learning rate
  std::pair<double, double> betas = {0.9, 0.999};  // beta1, beta2 in the groups; betas=a/b in specs
  double eps = 1e-8;                               // added to √v in the rectified step
  double weight_decay = 0.0;                       // L2 penalty λ added to the gradient
  bool maximize = false;                           // maximize the objective
};
using RAdam = Elementwise<RAdamOptions>;

struct AdaBeliefOptions {
  double lr = 1e-3;                                // learning rate
  std::pair<double, double> betas = {0.9, 0.999};  // beta1, beta2 in the groups; betas=a/b in specs
  double eps = 1e-16;                              // added to s and to √ŝ
  double weight_decay = 0.0;                       // decoupled weight decay: θ ← θ(1 − lr·λ), as AdamW
  bool maximize = false;                           // maximize the objective
};
using AdaBelief = Elementwise<AdaBeliefOptions>;

}  // namespace descent::optim
