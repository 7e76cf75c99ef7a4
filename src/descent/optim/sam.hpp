// SAM: Foret, Kleiner, Mobahi & Neyshabur (2021), "Sharpness-Aware Minimization for
// Efficiently Improving Generalization" (Algorithm 1). Wraps any optimizer that takes a
// plain step: the gradient g at θ gives the worst point of the ρ-ball to first order,
// θ + ε with ε = ρ·g/‖g‖ (‖g‖ over every parameter); the gradient there is what the inner
// optimizer steps with, from θ. Two forward/backward passes per step, through the closure
// (as L-BFGS's), so needs_closure() is true and training calls step(closure).
//
// Around the two gradients and the inner step, a step makes three passes over memory: ‖g‖
// (reads g; it must be complete before any ε is known), the ascent (reads θ and g, writes
// θ + ε and a copy of θ, the copy with streaming stores, which skip reading its lines first)
// and the restore (reads the copy, writes θ). The copies are kept between steps (one buffer
// the size of the parameters), so no step allocates.
//
// Its parameter groups carry the inner optimizer's hyperparameters plus rho (copied down
// before every step, so schedules reach the inner optimizer). Around an optimizer that
// already has a "rho" (Adadelta), SAM's is kept as "sam.rho" in the groups.
#pragma once
#include <memory>
#include <unordered_map>
#include <utility>

#include "descent/optim/elementwise.hpp"

namespace descent::optim {

struct SamOptions {
  double rho = 0.05;  // radius of the neighbourhood: ε = ρ·g/‖g‖
};

// The groups, the defaults and the state are the inner optimizer's with rho added.
class Sam : public Optimizer {
 public:
  Sam(std::unique_ptr<Optimizer> inner, const SamOptions& options = {});
  static const Table<SamOptions>& table();                      // rho's row
  static const std::vector<Hyperparameter>& hyperparameters();  // as the factory lists them
  std::string name() const override { return "sam"; }
  Optimizer& inner() { return *inner_; }
  bool needs_closure() const override { return true; }
  // Refused without a closure: SAM evaluates the gradient twice.
  double step(const std::function<double()>& closure = {}) override;
  // The inner optimizer's state with these groups' options, saved as "sam(<inner's name>)";
  // SAM keeps no state of its own between steps.
  OptimizerState state_dict() const override;
  void load_state_dict(const OptimizerState& state) override;
  void add_param_group(ParamGroup group) override;
  void train() override { inner_->train(); }
  void eval() override { inner_->eval(); }

 protected:
  void validate(const Options& options) const override;

 private:
  Options inner_options(const Options& options) const;  // without rho
  // Moves every parameter with a gradient to θ + ρ·g/‖g‖ in one pass that also copies θ;
  // returns each with its copy. ‖g‖ needs a pass over every gradient before.
  std::vector<std::pair<Tensor, Tensor>> ascend();
  // Every parameter back to θ from its copy, exactly.
  void restore(const std::vector<std::pair<Tensor, Tensor>>& saved);
  // The buffer that holds the copy of θ for this parameter, made once and kept between steps.
  Tensor& copy_of(const Tensor& param);

  std::unique_ptr<Optimizer> inner_;
  std::string rho_key_;  // "rho", or "sam.rho" when the inner optimizer has its own rho
  // Scratch (no state): the copies of θ, by parameter, reused so that no step allocates.
  std::unordered_map<const TensorImpl*, Tensor> copies_;
};

}  // namespace descent::optim
