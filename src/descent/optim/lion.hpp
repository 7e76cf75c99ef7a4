// Lion: Chen et al. (2023), "Symbolic Discovery of Optimization Algorithms" (Program 1):
// the step is the sign of an interpolation of momentum and gradient, so every coordinate
// moves by exactly lr; decoupled weight decay as AdamW.
#pragma once
#include "descent/optim/hyperparameters.hpp"
#include "descent/optim/optimizer.hpp"

namespace descent::optim {

class Lion : public Optimizer {
 public:
  Lion(std::vector<ParamGroup> groups, const Options& options = {});
  static std::vector<Hyperparameter> hyperparameters();
  std::string name() const override { return "lion"; }
  double step(const std::function<double()>& closure = {}) override;

 protected:
  void validate(const Options& options) const override;
};

}  // namespace descent::optim
