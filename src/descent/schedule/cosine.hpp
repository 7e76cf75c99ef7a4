// Cosine annealing with warm restarts (Loshchilov & Hutter, "SGDR: Stochastic Gradient Descent
// with Warm Restarts", 2017): CosineAnnealingWarmRestarts, as PyTorch 1.13 computes it.
// CosineAnnealingLR, without restarts, is one of the chainable schedules (decay.hpp).
#pragma once
#include "descent/schedule/scheduler.hpp"

namespace descent::optim {

// SGDR: η_t = η_min + (η_max − η_min)(1 + cos(π T_cur / T_i)) / 2, where T_cur counts steps
// since the last restart and the period T_i starts at T_0 and is multiplied by T_mult at each
// restart. Step per batch with fractional epochs is PyTorch's step(epoch) = step_to here.
struct CosineAnnealingWarmRestartsOptions {
  int64_t T_0 = 0;
  int64_t T_mult = 1;
  double eta_min = 0.0;
};

class CosineAnnealingWarmRestarts final : public LRScheduler {
 public:
  CosineAnnealingWarmRestarts(Optimizer& optimizer, CosineAnnealingWarmRestartsOptions options,
                              std::vector<double> base_lrs = {});
  std::string name() const override { return "cosine_restarts"; }
  using LRScheduler::step;
  void step() override;
  void step_to(int64_t epoch) override;

  nlohmann::json state_dict() const override;
  void load_state_dict(const nlohmann::json& state) override;

 private:
  std::vector<double> get_lr() override;
  CosineAnnealingWarmRestartsOptions options_;
  int64_t T_i_;
  double T_cur_ = -1;  // fractional after step_to with T_mult > 1, as in PyTorch
};

}  // namespace descent::optim
