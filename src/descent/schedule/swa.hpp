// SWALR (Izmailov et al., "Averaging Weights Leads to Wider Optima and Better Generalization",
// 2018), as torch.optim.swa_utils.SWALR (1.13): anneals each group's lr from where it is to a
// constant swa_lr over anneal_epochs steps (cosine or linear), then holds it.
#pragma once
#include "descent/schedule/scheduler.hpp"

namespace descent::optim {

struct SWALROptions {
  std::vector<double> swa_lr;  // one value, or one per group
  int64_t anneal_epochs = 10;
  std::string anneal_strategy = "cos";  // "cos" or "linear"
};

class SWALR final : public LRScheduler {
 public:
  SWALR(Optimizer& optimizer, SWALROptions options, std::vector<double> base_lrs = {});
  std::string name() const override { return "swa"; }

 private:
  std::vector<double> get_lr() override;
  double anneal(double t) const;
  SWALROptions options_;
  std::vector<double> swa_lrs_;
};

}  // namespace descent::optim
