// Per-coordinate adaptive step sizes from a running sum or average of squared gradients:
//  - Adagrad: Duchi, Hazan & Singer (2011), as torch.optim.Adagrad (lr_decay, initial
//    accumulator, eps outside the root);
//  - RMSprop: Tieleman & Hinton (2012, Coursera lecture 6.5), as torch.optim.RMSprop (eps
//    outside the root; centered: Graves 2013; momentum on the scaled gradient);
//  - Adadelta: Zeiler (2012), "ADADELTA: An Adaptive Learning Rate Method", as torch.optim.Adadelta.
#pragma once
#include "descent/optim/hyperparameters.hpp"
#include "descent/optim/optimizer.hpp"

namespace descent::optim {

class Adagrad : public Optimizer {
 public:
  Adagrad(std::vector<ParamGroup> groups, const Options& options = {});
  static std::vector<Hyperparameter> hyperparameters();
  std::string name() const override { return "adagrad"; }
  double step(const std::function<double()>& closure = {}) override;

 protected:
  void validate(const Options& options) const override;
};

class RMSprop : public Optimizer {
 public:
  RMSprop(std::vector<ParamGroup> groups, const Options& options = {});
  static std::vector<Hyperparameter> hyperparameters();
  std::string name() const override { return "rmsprop"; }
  double step(const std::function<double()>& closure = {}) override;

 protected:
  void validate(const Options& options) const override;
};

class Adadelta : public Optimizer {
 public:
  Adadelta(std::vector<ParamGroup> groups, const Options& options = {});
  static std::vector<Hyperparameter> hyperparameters();
  std::string name() const override { return "adadelta"; }
  double step(const std::function<double()>& closure = {}) override;

 protected:
  void validate(const Options& options) const override;
};

}  // namespace descent::optim
