// L-BFGS: Nocedal (1980), "Updating quasi-Newton matrices with limited storage"; Liu &
// Nocedal (1989). As torch.optim.LBFGS (after minFunc): up to max_iter iterations per
// step() with the two-loop recursion over history_size (s, y) pairs, a fixed step lr or a
// strong-Wolfe line search (Nocedal & Wright 2006, Algorithms 3.5/3.6, cubic interpolation).
// step() needs a closure that zeroes the gradients, recomputes the loss, calls backward and
// returns the loss. One parameter group only, as PyTorch.
#pragma once
#include <string>

#include "descent/optim/elementwise.hpp"

namespace descent::optim {

struct LBFGSOptions {
  double lr = 1.0;                      // step length (the line search's first trial)
  int64_t max_iter = 20;                // iterations per step()
  int64_t max_eval = 0;                 // 0: max_iter·5/4 (PyTorch's None)
  double tolerance_grad = 1e-7;         // stop when max|g| ≤ this
  double tolerance_change = 1e-9;       // stop when the loss or the step changes less than this
  int64_t history_size = 100;           // (s, y) pairs kept
  std::string line_search_fn = "none";  // or "strong_wolfe"
};

class LBFGS : public Tabled<LBFGSOptions> {
 public:
  LBFGS(std::vector<Tensor> params, const LBFGSOptions& options = {});
  LBFGS(std::vector<ParamGroup> groups, const LBFGSOptions& options = {});
  bool needs_closure() const override { return true; }
  double step(const std::function<double()>& closure = {}) override;
  void add_param_group(ParamGroup group) override;
  // Also checks that the saved history is complete (every pair its "history" count promises).
  void load_state_dict(const OptimizerState& state) override;

 protected:
  // The history is flat (one vector over all parameters), not shaped like a parameter.
  void check_buffer(const Tensor& param, const std::string& key, const Tensor& buffer) const override;

 private:
  template <class T>
  double run(const std::function<double()>& closure);
  int64_t numel() const;
};

}  // namespace descent::optim
