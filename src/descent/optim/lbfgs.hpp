// L-BFGS: Nocedal (1980), "Updating quasi-Newton matrices with limited storage"; Liu &
// Nocedal (1989). As torch.optim.LBFGS (after minFunc): up to max_iter iterations per
// step() with the two-loop recursion over history_size (s, y) pairs, a fixed step lr or a
// strong-Wolfe line search (Nocedal & Wright 2006, Algorithms 3.5/3.6, cubic interpolation).
// step() needs a closure that zeroes the gradients, recomputes the loss, calls backward and
// returns the loss. One parameter group only, as PyTorch.
#pragma once
#include "descent/optim/hyperparameters.hpp"
#include "descent/optim/optimizer.hpp"

namespace descent::optim {

class LBFGS : public Optimizer {
 public:
  LBFGS(std::vector<ParamGroup> groups, const Options& options = {});
  static std::vector<Hyperparameter> hyperparameters();
  std::string name() const override { return "lbfgs"; }
  bool needs_closure() const override { return true; }
  double step(const std::function<double()>& closure = {}) override;
  void add_param_group(ParamGroup group) override;
  // Also checks that the saved history is complete (every pair its "history" count promises).
  void load_state_dict(const OptimizerState& state) override;

 protected:
  void validate(const Options& options) const override;
  // The history is flat (one vector over all parameters), not shaped like a parameter.
  void check_buffer(const Tensor& param, const std::string& key, const Tensor& buffer) const override;

 private:
  template <class T>
  double run(const std::function<double()>& closure);
  int64_t numel() const;
};

}  // namespace descent::optim
