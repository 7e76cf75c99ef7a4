// Relatives of Adam:
//  - Adamax: Kingma & Ba (2015) §7.1, Adam with the infinity norm, as torch.optim.Adamax;
//  - NAdam: Dozat (2016), "Incorporating Nesterov Momentum into Adam", as torch.optim.NAdam
//    (momentum schedule μ_t = β₁(1 − ½·0.96^(t·ψ)) and its running product);
//  - RAdam: Liu et al. (2020), "On the Variance of the Adaptive Learning Rate and Beyond",
//    as torch.optim.RAdam (SGD with momentum until the variance is tractable, ρ_t > 5);
//  - AdaBelief: Zhuang et al. (2020), "AdaBelief Optimizer: Adapting Stepsizes by the
//    Belief in Observed Gradients": the second moment tracks (g − m)² instead of g².
#pragma once
#include "descent/optim/hyperparameters.hpp"
#include "descent/optim/optimizer.hpp"

namespace descent::optim {

class Adamax : public Optimizer {
 public:
  Adamax(std::vector<ParamGroup> groups, const Options& options = {});
  static std::vector<Hyperparameter> hyperparameters();
  std::string name() const override { return "adamax"; }
  double step(const std::function<double()>& closure = {}) override;

 protected:
  void validate(const Options& options) const override;
};

class NAdam : public Optimizer {
 public:
  NAdam(std::vector<ParamGroup> groups, const Options& options = {});
  static std::vector<Hyperparameter> hyperparameters();
  std::string name() const override { return "nadam"; }
  double step(const std::function<double()>& closure = {}) override;

 protected:
  void validate(const Options& options) const override;
};

class RAdam : public Optimizer {
 public:
  RAdam(std::vector<ParamGroup> groups, const Options& options = {});
  static std::vector<Hyperparameter> hyperparameters();
  std::string name() const override { return "radam"; }
  double step(const std::function<double()>& closure = {}) override;

 protected:
  void validate(const Options& options) const override;
};

class AdaBelief : public Optimizer {
 public:
  AdaBelief(std::vector<ParamGroup> groups, const Options& options = {});
  static std::vector<Hyperparameter> hyperparameters();
  std::string name() const override { return "adabelief"; }
  double step(const std::function<double()>& closure = {}) override;

 protected:
  void validate(const Options& options) const override;
};

}  // namespace descent::optim
