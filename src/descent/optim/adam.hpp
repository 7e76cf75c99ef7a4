// Adam and its decoupled-weight-decay sibling:
//  - Adam: Kingma & Ba (2015), "Adam: A Method for Stochastic Optimization", as
//    torch.optim.Adam (bias-corrected moments, eps added after the root of the corrected
//    second moment, L2 weight decay folded into the gradient, AMSGrad of Reddi et al. 2018);
//  - AdamW: Loshchilov & Hutter (2019), "Decoupled Weight Decay Regularization": the same
//    update with θ ← θ(1 − lr·λ) before it instead of the L2 penalty;
//  - AdamEfficient: the paper's "more efficient" ordering (seed 001, Kingma & Ba §2):
//    α_t = α·√(1−β₂ᵗ)/(1−β₁ᵗ), θ ← θ − α_t·m/(√v + ε̂); equal to Adam with ε = ε̂/√(1−β₂ᵗ).
#pragma once
#include "descent/optim/hyperparameters.hpp"
#include "descent/optim/optimizer.hpp"

namespace descent::optim {

enum class WeightDecay { l2, decoupled };

class Adam : public Optimizer {
 public:
  Adam(std::vector<ParamGroup> groups, const Options& options = {});
  static std::vector<Hyperparameter> hyperparameters();
  std::string name() const override { return name_; }  // "adam" or "adamw"
  double step(const std::function<double()>& closure = {}) override;

 protected:
  Adam(std::string name, WeightDecay decay, std::vector<ParamGroup> groups, const Options& options,
       std::vector<Hyperparameter> hyperparameters);
  void validate(const Options& options) const override;
  std::string name_;
  WeightDecay decay_;
};

class AdamW : public Adam {
 public:
  AdamW(std::vector<ParamGroup> groups, const Options& options = {});
  static std::vector<Hyperparameter> hyperparameters();
};

class AdamEfficient : public Optimizer {
 public:
  AdamEfficient(std::vector<ParamGroup> groups, const Options& options = {});
  static std::vector<Hyperparameter> hyperparameters();
  std::string name() const override { return "adam_efficient"; }
  double step(const std::function<double()>& closure = {}) override;

 protected:
  void validate(const Options& options) const override;
};

}  // namespace descent::optim
