// LAMB: You et al. (2020), "Large Batch Optimization for Deep Learning: Training BERT in
// 76 minutes" (Algorithm 2): the Adam direction plus decoupled weight decay, rescaled per
// parameter tensor by the trust ratio ‖θ‖/‖r‖. The norms need one pass before the update,
// so LAMB makes two passes per tensor (moments and norms, then the step).
#pragma once
#include "descent/optim/hyperparameters.hpp"
#include "descent/optim/optimizer.hpp"

namespace descent::optim {

class LAMB : public Optimizer {
 public:
  LAMB(std::vector<ParamGroup> groups, const Options& options = {});
  static std::vector<Hyperparameter> hyperparameters();
  std::string name() const override { return "lamb"; }
  double step(const std::function<double()>& closure = {}) override;

 protected:
  void validate(const Options& options) const override;
};

}  // namespace descent::optim
