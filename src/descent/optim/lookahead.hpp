// Lookahead: Zhang, Lucas, Hinton & Ba (2019), "Lookahead Optimizer: k steps forward, 1 step
// back". Wraps any optimizer (the fast weights θ); every k steps the slow weights φ move
// toward them, φ ← φ + α(θ − φ), and θ restarts from φ.
//
// Its parameter groups carry the inner optimizer's hyperparameters plus k and alpha, so a
// schedule that sets "lr" on lookahead's groups reaches the inner optimizer (copied down
// before every step).
#pragma once
#include <memory>

#include "descent/optim/hyperparameters.hpp"
#include "descent/optim/optimizer.hpp"

namespace descent::optim {

class Lookahead : public Optimizer {
 public:
  Lookahead(std::unique_ptr<Optimizer> inner, const Options& options = {});
  static std::vector<Hyperparameter> hyperparameters();  // k and alpha (the inner's come from it)
  std::string name() const override { return "lookahead"; }
  double step(const std::function<double()>& closure = {}) override;
  void add_param_group(ParamGroup group) override;
  void train() override { inner_->train(); }
  void eval() override { inner_->eval(); }
  Optimizer& inner() { return *inner_; }

  // The inner optimizer's state plus the slow weights (buffer "lookahead.slow_param") and
  // the step counter; saved under the name "lookahead(<inner>)".
  OptimizerState state_dict() const override;
  void load_state_dict(const OptimizerState& state) override;

 protected:
  void validate(const Options& options) const override;

 private:
  void sync_inner_options();
  std::unique_ptr<Optimizer> inner_;
};

}  // namespace descent::optim
