// CyclicLR (Smith, "Cyclical Learning Rates for Training Neural Networks", 2017): the lr goes
// linearly from base_lr up to max_lr over step_size_up steps and back over step_size_down, its
// amplitude scaled per cycle (triangular2) or per step (exp_range); momentum cycles inversely.
// Meant to be stepped per batch. As PyTorch 1.13, including its refusal to cycle momentum on
// an optimizer without "momentum" (Adam: set cycle_momentum = false).
#pragma once
#include <functional>

#include "descent/schedule/scheduler.hpp"

namespace descent::optim {

struct CyclicLROptions {
  std::vector<double> base_lr;  // one value, or one per group; empty: the groups' lrs
  std::vector<double> max_lr;   // one value, or one per group; each ≥ its base_lr
  int64_t step_size_up = 2000;
  int64_t step_size_down = 0;       // 0: same as step_size_up
  std::string mode = "triangular";  // "triangular", "triangular2" or "exp_range"
  double gamma = 1.0;               // exp_range's per-step factor
  // A custom amplitude scale (replaces mode), of the cycle number or of the step count.
  std::function<double(double)> scale_fn;
  std::string scale_mode = "cycle";  // "cycle" or "iterations" (custom scale_fn only)
  bool cycle_momentum = true;
  std::vector<double> base_momentum = {0.8};
  std::vector<double> max_momentum = {0.9};
};

class CyclicLR final : public LRScheduler {
 public:
  // base_lrs (from an enclosing composite) serve the first step only, as PyTorch's shared
  // "initial_lr" does; then the cycle runs between options.base_lr and options.max_lr.
  CyclicLR(Optimizer& optimizer, CyclicLROptions options, std::vector<double> base_lrs = {});
  std::string name() const override { return "cyclic"; }
  std::string cycled_momentum() const override { return options_.cycle_momentum ? "momentum" : ""; }

 private:
  std::vector<double> get_lr() override;
  double scale(double x) const;
  CyclicLROptions options_;
  std::vector<double> max_lrs_, base_momentums_, max_momentums_;
  double total_size_, step_ratio_;
  bool scale_by_cycle_;
};

}  // namespace descent::optim
