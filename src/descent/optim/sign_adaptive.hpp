// Per-weight step sizes adapted by whether the gradient's sign is consistent:
//  - Rprop: Riedmiller & Braun (1993), "A Direct Adaptive Method for Faster Backpropagation
//    Learning: The RPROP Algorithm", as torch.optim.Rprop (iRprop⁻: the gradient is zeroed
//    after a sign change, the step uses only the gradient's sign);
//  - AdaptiveGains: local adaptive gains, Jacobs (1988) "delta-bar-delta" in the form of
//    Hinton's lecture 6.5 and seed 003: a gain per weight, +β while the gradient keeps its
//    sign, ×(1−β) when it flips; Δθ = −lr·gain·g.
#pragma once
#include "descent/optim/hyperparameters.hpp"
#include "descent/optim/optimizer.hpp"

namespace descent::optim {

class Rprop : public Optimizer {
 public:
  Rprop(std::vector<ParamGroup> groups, const Options& options = {});
  static std::vector<Hyperparameter> hyperparameters();
  std::string name() const override { return "rprop"; }
  double step(const std::function<double()>& closure = {}) override;

 protected:
  void validate(const Options& options) const override;
};

class AdaptiveGains : public Optimizer {
 public:
  AdaptiveGains(std::vector<ParamGroup> groups, const Options& options = {});
  static std::vector<Hyperparameter> hyperparameters();
  std::string name() const override { return "adaptive_gains"; }
  double step(const std::function<double()>& closure = {}) override;

 protected:
  void validate(const Options& options) const override;
};

}  // namespace descent::optim
