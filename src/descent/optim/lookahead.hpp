// Lookahead: Zhang, Lucas, Hinton & Ba (2019), "Lookahead Optimizer: k steps forward, 1 step
// back". Wraps any optimizer (the fast weights θ); every k steps the slow weights φ move
// toward them, φ ← φ + α(θ − φ), and θ restarts from φ.
//
// Its parameter groups carry the inner optimizer's hyperparameters plus k and alpha, so a
// schedule that sets "lr" on lookahead's groups reaches the inner optimizer (copied down
// before every step). A lookahead inside a lookahead keeps its own keys; the outer one's
// are prefixed "lookahead." (its k is "lookahead.k"), and so on at every depth.
#pragma once
#include <memory>

#include "descent/optim/elementwise.hpp"

namespace descent::optim {

struct LookaheadOptions {
  int64_t k = 5;       // inner steps between slow-weight updates
  double alpha = 0.5;  // slow-weight step size: φ ← φ + α(θ − φ)
};

class Lookahead : public Optimizer {
 public:
  Lookahead(std::unique_ptr<Optimizer> inner, const LookaheadOptions& options = {});
  static const Table<LookaheadOptions>& table();
  static const std::vector<Hyperparameter>& hyperparameters();  // k and alpha (the inner's come from it)
  std::string name() const override { return "lookahead"; }
  double step(const std::function<double()>& closure = {}) override;
  void add_param_group(ParamGroup group) override;
  void train() override { inner_->train(); }
  void eval() override { inner_->eval(); }
  Optimizer& inner() { return *inner_; }

  // The inner optimizer's state plus the slow weights (buffer "lookahead.slow_param") and
  // the step counter; saved under the name "lookahead(<inner's name>)".
  OptimizerState state_dict() const override;
  void load_state_dict(const OptimizerState& state) override;

 protected:
  void validate(const Options& options) const override;

 private:
  void sync_inner_options();
  bool own_key(const std::string& key) const { return key == key_of("k") || key == key_of("alpha"); }
  Options without_own_keys(const Options& options) const;
  // A key of this lookahead's in group options, state and globals: "k", "lookahead.slow_param", ...
  std::string key_of(const std::string& name) const { return prefix_ + name; }

  std::unique_ptr<Optimizer> inner_;
  std::string prefix_;  // "" unless the inner optimizer already uses the keys (nesting)
};

}  // namespace descent::optim
