// SWATS: Keskar & Socher (2017), "Improving Generalization Performance by Switching from
// Adam to SGD" (Algorithm 1; seed 003). Adam, while it watches the projection of its step
// p on the gradient: γ = pᵀp/(−pᵀg) estimates the SGD learning rate that would make the
// same progress; once its bias-corrected running average λ/(1−β₂ᵗ) settles (within
// switch_tol of γ), that tensor switches to SGD with momentum at that learning rate Λ.
// The switch is decided per parameter tensor (state scalar "phase": 0 Adam, 1 SGD).
#pragma once
#include "descent/optim/hyperparameters.hpp"
#include "descent/optim/optimizer.hpp"

namespace descent::optim {

class SWATS : public Optimizer {
 public:
  SWATS(std::vector<ParamGroup> groups, const Options& options = {});
  static std::vector<Hyperparameter> hyperparameters();
  std::string name() const override { return "swats"; }
  double step(const std::function<double()>& closure = {}) override;

 protected:
  void validate(const Options& options) const override;
};

}  // namespace descent::optim
