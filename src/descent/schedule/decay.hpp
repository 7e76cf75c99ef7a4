// PyTorch's chainable schedules: StepLR, MultiStepLR, ExponentialLR, ConstantLR, LinearLR,
// PolynomialLR and CosineAnnealingLR. Each is one ChainableLR, set by its options struct; the
// formulas for each (decay.cpp) are PyTorch 1.13's recursive form (step) beside its closed
// form (step_to), exactly as lr_scheduler.py computes them.
#pragma once
#include <vector>

#include "descent/schedule/scheduler.hpp"

namespace descent::optim {

// One of the schedules below, chosen by its options type. step() computes each group's lr from
// its previous lr (PyTorch's get_lr: the recursive form, which is what lets schedules chain);
// step_to() from its base lr (PyTorch's _get_closed_form_lr). The constructor checks the
// options and takes the first step.
template <class ScheduleOptions>
class ChainableLR final : public LRScheduler {
 public:
  ChainableLR(Optimizer& optimizer, ScheduleOptions options, std::vector<double> base_lrs = {});
  std::string name() const override;

 private:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() const override;
  ScheduleOptions options_;
};

// lr = base_lr · gamma^⌊t / step_size⌋.
struct StepLROptions {
  int64_t step_size = 0;
  double gamma = 0.1;
};
using StepLR = ChainableLR<StepLROptions>;

// lr = base_lr · gamma^(number of milestones ≤ t). Milestones must be non-negative and sorted;
// a repeated milestone decays twice, as PyTorch's Counter does.
struct MultiStepLROptions {
  std::vector<int64_t> milestones;
  double gamma = 0.1;
};
using MultiStepLR = ChainableLR<MultiStepLROptions>;

// lr = base_lr · gamma^t.
struct ExponentialLROptions {
  double gamma = 0.0;
};
using ExponentialLR = ChainableLR<ExponentialLROptions>;

// lr = base_lr · factor for t < total_iters, base_lr after: a constant warmup.
struct ConstantLROptions {
  double factor = 1.0 / 3;
  int64_t total_iters = 5;
};
using ConstantLR = ChainableLR<ConstantLROptions>;

// lr = base_lr · (start + (end − start) · min(t, total_iters) / total_iters): linear warmup
// (start < end) or linear decay.
struct LinearLROptions {
  double start_factor = 1.0 / 3;
  double end_factor = 1.0;
  int64_t total_iters = 5;
};
using LinearLR = ChainableLR<LinearLROptions>;

// lr = base_lr · (1 − min(t, total_iters) / total_iters)^power.
struct PolynomialLROptions {
  int64_t total_iters = 5;
  double power = 1.0;
};
using PolynomialLR = ChainableLR<PolynomialLROptions>;

// Cosine annealing (Loshchilov & Hutter, "SGDR: Stochastic Gradient Descent with Warm Restarts",
// 2017): η_t = η_min + (η_max − η_min)(1 + cos(π t / T_max)) / 2 for t ≤ T_max, in PyTorch's
// recursive form. Past T_max that form keeps going: the lr climbs back to η_max by 2·T_max and
// the curve repeats with period 2·T_max (PyTorch's behaviour, kept on purpose).
struct CosineAnnealingLROptions {
  int64_t T_max = 0;
  double eta_min = 0.0;
};
using CosineAnnealingLR = ChainableLR<CosineAnnealingLROptions>;

}  // namespace descent::optim
