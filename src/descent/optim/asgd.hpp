// Averaged SGD: Polyak & Juditsky (1992), "Acceleration of Stochastic Approximation by
// Averaging", with the step-size schedule of Bottou (2012), as torch.optim.ASGD. The
// averaged parameters are kept in the state buffer "ax"; the parameters themselves follow SGD.
#pragma once
#include "descent/optim/hyperparameters.hpp"
#include "descent/optim/optimizer.hpp"

namespace descent::optim {

class ASGD : public Optimizer {
 public:
  ASGD(std::vector<ParamGroup> groups, const Options& options = {});
  static std::vector<Hyperparameter> hyperparameters();
  std::string name() const override { return "asgd"; }
  double step(const std::function<double()>& closure = {}) override;

 protected:
  void validate(const Options& options) const override;
};

}  // namespace descent::optim
