// Stochastic gradient descent with momentum, in two forms:
//  - SGD: torch.optim.SGD (Sutskever et al. 2013 as PyTorch writes it: lr outside the
//    velocity, b = μb + (1−τ)g; θ −= lr·b), with dampening, Nesterov, L2 weight decay, maximize;
//  - Momentum: the original form (Rumelhart, Hinton & Williams 1986; Polyak 1964) with the
//    learning rate inside the velocity, v = βv − αg; θ += v (seed 003).
// The two agree for a constant lr and differ when lr changes (the velocity keeps old lrs).
#pragma once
#include "descent/optim/hyperparameters.hpp"
#include "descent/optim/optimizer.hpp"

namespace descent::optim {

class SGD : public Optimizer {
 public:
  SGD(std::vector<ParamGroup> groups, const Options& options = {});
  static std::vector<Hyperparameter> hyperparameters();
  std::string name() const override { return "sgd"; }
  double step(const std::function<double()>& closure = {}) override;

 protected:
  void validate(const Options& options) const override;
};

class Momentum : public Optimizer {
 public:
  Momentum(std::vector<ParamGroup> groups, const Options& options = {});
  static std::vector<Hyperparameter> hyperparameters();
  std::string name() const override { return "momentum"; }
  double step(const std::function<double()>& closure = {}) override;

 protected:
  void validate(const Options& options) const override;
};

}  // namespace descent::optim
