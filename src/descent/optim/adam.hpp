// Adam and its decoupled-weight-decay sibling:
//  - Adam: Kingma & Ba (2015), "Adam: A Method for Stochastic Optimization", as
//    torch.optim.Adam (bias-corrected moments, eps added after the root of the corrected
//    second moment, L2 weight decay folded into the gradient, AMSGrad of Reddi et al. 2018);
//  - AdamW: Loshchilov & Hutter (2019), "Decoupled Weight Decay Regularization": the same
//    rule with θ ← θ(1 − lr·λ) before it instead of the L2 penalty;
//  - AdamEfficient: the paper's "more efficient" ordering (Kingma & Ba §2):
//    α_t = α·√(1−β₂ᵗ)/(1−β₁ᵗ), θ ← θ − α_t·m/(√v + ε̂); equal to Adam with ε = ε̂/√(1−β₂ᵗ).
#pragma once
#include <utility>

#include "descent/optim/elementwise.hpp"

namespace descent::optim {

struct AdamOptions {
  double lr = 1e-3;                                // learning rate α
  std::pair<double, double> betas = {0.9, 0.999};  // beta1, beta2 in the groups; betas=a/b in specs
  double eps = 1e-8;                               // added to the denominator √v̂ + ε
  double weight_decay = 0.0;                       // L2 penalty λ added to the gradient
  bool amsgrad = false;                            // divide by the running maximum of v (Reddi et al. 2018)
  bool maximize = false;                           // maximize the objective
};
using Adam = Elementwise<AdamOptions>;

// AdamW's defaults differ from Adam's in weight_decay only (PyTorch's 1e-2).
struct AdamWOptions {
  double lr = 1e-3;                                // learning rate α (the decay is lr·λ)
  std::pair<double, double> betas = {0.9, 0.999};  // beta1, beta2 in the groups; betas=a/b in specs
  double eps = 1e-8;                               // added to the denominator √v̂ + ε
  double weight_decay = 1e-2;                      // decoupled: θ ← θ(1 − lr·λ) before the update
  bool amsgrad = false;                            // divide by the running maximum of v (Reddi et al. 2018)
  bool maximize = false;                           // maximize the objective
};
using AdamW = Elementwise<AdamWOptions>;

struct AdamEfficientOptions {
  double lr = 1e-3;                                // learning rate α
  std::pair<double, double> betas = {0.9, 0.999};  // beta1, beta2 in the groups; betas=a/b in specs
  double eps = 1e-8;                               // ε̂, added to √v (the uncorrected second moment)
  bool maximize = false;                           // maximize the objective
};
using AdamEfficient = Elementwise<AdamEfficientOptions>;

// The rows every Adam relative shares: lr, betas (as beta1, beta2) and eps.
template <class O>
std::vector<Field<O>> adam_fields(const char* lr_help, const char* eps_help) {
  return {lr_row<O>(lr_help), beta_row<O>(0, "decay of the first-moment average (betas[0])"),
          beta_row<O>(1, "decay of the second-moment average (betas[1])"), eps_row<O>(eps_help)};
}

}  // namespace descent::optim
