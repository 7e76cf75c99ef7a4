// OneCycleLR (Smith & Topin, "Super-Convergence: Very Fast Training of Neural Networks Using
// Large Learning Rates", 2018), as PyTorch 1.13: the lr rises from max_lr/div_factor to max_lr
// over pct_start of total_steps, then anneals to max_lr/(div_factor·final_div_factor) (two
// phases, fastai's default; three_phase = the paper's). Momentum (or Adam's β₁) moves inversely
// between max_momentum and base_momentum. Meant to be stepped per batch; stepping more than
// total_steps times is an error.
#pragma once
#include <array>

#include "descent/schedule/scheduler.hpp"

namespace descent::optim {

struct OneCycleLROptions {
  std::vector<double> max_lr;  // one value, or one per group; empty: the groups' lrs
  int64_t total_steps = 0;     // or 0 and epochs × steps_per_epoch
  int64_t epochs = 0;
  int64_t steps_per_epoch = 0;
  double pct_start = 0.3;
  std::string anneal_strategy = "cos";  // "cos" or "linear"
  bool cycle_momentum = true;
  std::vector<double> base_momentum = {0.85};
  std::vector<double> max_momentum = {0.95};
  double div_factor = 25.;
  double final_div_factor = 1e4;
  bool three_phase = false;
};

class OneCycleLR final : public LRScheduler {
 public:
  OneCycleLR(Optimizer& optimizer, OneCycleLROptions options, std::vector<double> base_lrs = {});
  std::string name() const override { return "onecycle"; }
  std::string cycled_momentum() const override { return momentum_key_; }

 private:
  std::vector<double> get_lr() override;
  double anneal(double start, double end, double pct) const;

  // One phase: from start to end of lr and momentum, ending at end_step. Values index the
  // per-group table: 0 initial_lr, 1 max_lr, 2 min_lr; momentum 0 max, 1 base.
  struct Phase {
    double end_step;
    int start_lr, end_lr, start_momentum, end_momentum;
  };

  OneCycleLROptions options_;
  int64_t total_steps_;
  std::vector<Phase> phases_;
  std::vector<std::array<double, 3>> lr_table_;        // per group: initial, max, min
  std::vector<std::array<double, 2>> momentum_table_;  // per group: max, base
  std::string momentum_key_;                           // "momentum", "beta1" or ""
};

}  // namespace descent::optim
